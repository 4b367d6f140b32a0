/**
 * The regular expression engine that argument validation runs the spec's `pattern`s (and `patternProperties` keys)
 * on: RE2 (re2js), whose matching time is linear in the length of the input whatever the pattern, so no pattern
 * from a spec can make one argument hold the event loop (ReDoS; e.g. `^(a+)+$` backtracks exponentially in V8).
 *
 * @see https://json-schema.org/draft/2020-12/json-schema-validation#section-6.3.3 (`pattern`)
 * @see https://github.com/google/re2/wiki/Syntax (the dialect: no backreferences, no lookarounds)
 */
import { RE2JS } from 're2js';
import { PortcullisError } from './errors.js';
import { toRe2Syntax } from './re2-syntax.js';

/**
 * Longest string a pattern is run on. RE2 is linear, so the bound only caps the cost of one string: at the slowest
 * rate measured for re2js (about 60 ns per character, when its DFA gives way to the NFA) 100,000 characters take
 * about 6 ms. It is far above what patterns constrain in practice (identifiers, codes, addresses) yet leaves room
 * for free text checked by a pattern such as `^[^<>]*$`. A longer string is refused, never passed unchecked.
 */
export const MAX_PATTERN_INPUT_LENGTH = 100_000;

/** A string longer than MAX_PATTERN_INPUT_LENGTH reached a pattern: the call is refused (see tool-registry.ts). */
export class PatternInputTooLongError extends PortcullisError {
  constructor(readonly length: number) {
    super('ERR_PATTERN_INPUT_TOO_LONG', `a string of ${length} characters is longer than the ${MAX_PATTERN_INPUT_LENGTH} characters checked against a pattern`);
  }
}

/** What Ajv's `code.regExp` option expects back: something with `test`. */
export interface LinearRegExp {
  test(input: string): boolean;
  /** Ajv caches compiled patterns under this text, so it must differ between patterns. */
  toString(): string;
}

/**
 * Ajv's `code.regExp`: compiles `pattern` with RE2 exactly as the generator checked it
 * (`RE2JS.compile(toRe2Syntax(pattern))`: `\uXXXX` escapes rewritten into RE2's spelling, no flags;
 * RE2 matches Unicode code points as Ajv's `u` flag does), throwing when RE2 cannot compile it.
 * Matching is unanchored, as JSON Schema requires (ECMA-262 `test` semantics).
 */
export function linearRegExp(pattern: string, _flags?: string): LinearRegExp {
  const compiled = RE2JS.compile(toRe2Syntax(pattern));
  const text = `/${pattern}/`;
  return {
    test(input: string): boolean {
      // Throwing rather than answering false: under `not` (or in an `anyOf` branch) false could let the string pass.
      if (input.length > MAX_PATTERN_INPUT_LENGTH) throw new PatternInputTooLongError(input.length);
      return compiled.test(input);
    },
    toString: () => text,
  };
}
