/**
 * Which JSON Schema `pattern`s the emitted server can enforce. It evaluates them with RE2 (re2js), a linear-time
 * engine, so that no pattern from a spec can make validation take exponential time (ReDoS); RE2 has no
 * backreferences, lookarounds or possessive quantifiers. A pattern must also compile as an ECMAScript regular
 * expression in unicode mode, as JSON Schema validators (clients included) read it.
 * @see https://json-schema.org/draft/2020-12/json-schema-validation#section-6.3.3
 * @see https://github.com/google/re2/wiki/Syntax
 */
import { createRequire } from 'node:module';
import { toRe2Syntax } from '../../templates/runtime/re2-syntax.js';

type Re2js = typeof import('re2js');
let re2js: Re2js | undefined;

/** re2js, loaded on first use: most specs have no pattern. */
function engine(): Re2js {
  re2js ??= createRequire(import.meta.url)('re2js') as Re2js;
  return re2js;
}

/** Why a pattern cannot be used: not a valid regular expression at all, or one RE2 cannot run (with RE2's reason). */
export type PatternProblem = { readonly kind: 'invalid' } | { readonly kind: 'unsupported'; readonly reason: string };

/**
 * Checks patterns exactly as the emitted server compiles them (`RE2JS.compile(toRe2Syntax(pattern))`, no flags: see
 * templates/runtime/re2-syntax.ts), each once.
 */
export class PatternChecker {
  private readonly results = new Map<string, PatternProblem | null>();

  /** The problem of `pattern`, or undefined when the server enforces it. */
  problemOf(pattern: string): PatternProblem | undefined {
    let result = this.results.get(pattern);
    if (result === undefined) {
      result = check(pattern);
      this.results.set(pattern, result);
    }
    return result ?? undefined;
  }
}

function check(pattern: string): PatternProblem | null {
  try {
    new RegExp(pattern, 'u');
  } catch {
    return { kind: 'invalid' };
  }
  try {
    const { RE2JS } = engine();
    RE2JS.compile(toRe2Syntax(pattern));
    return null;
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^error parsing regexp:\s*/, '') : String(error);
    return { kind: 'unsupported', reason };
  }
}
