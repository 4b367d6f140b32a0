/**
 * #16: the emitted server evaluates every `pattern` and `patternProperties` key with RE2 (re2js, linear time), so a
 * spec pattern cannot cause catastrophic backtracking (ReDoS). A pattern RE2 cannot compile is dropped from the
 * emitted schema with WARN_SPEC_PATTERN at its pointer, and every pattern kept compiles in RE2.
 */
import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { formatIssue, IssueCollector } from '../../src/errors.js';
import { SchemaConverter } from '../../src/model/json-schema.js';
import type { JsonSchema } from '../../src/model/types.js';
import { toRe2Syntax } from '../../templates/runtime/re2-syntax.js';

const { RE2JS } = createRequire(import.meta.url)('re2js') as typeof import('re2js');
const AT = '#/components/schemas/Code';

function convert(schema: Record<string, unknown>, dialect: 'openapi-3.0' | 'json-schema-2020-12' = 'json-schema-2020-12') {
  const issues = new IssueCollector('spec.yaml');
  const document = { openapi: '3.1.0', components: { schemas: { Code: schema } } };
  const converter = new SchemaConverter(document, dialect, issues);
  const output = converter.convert({ schema: { $ref: AT }, source: '#/paths/~1a/get/parameters/0/schema' });
  expect(output).toEqual({ $ref: '#/$defs/Code' });
  return { schema: converter.definitions.Code as JsonSchema, lines: issues.issues.map(formatIssue) };
}

const warning = (pointer: string, pattern: string, reason: string, also = '') =>
  `warning: spec.yaml${pointer}: pattern ${JSON.stringify(pattern)} uses a feature the server's linear-time regular expression engine does not support (${reason}), so the server does not enforce it${also}; the upstream API still does. Rewrite it without backreferences or lookarounds to have it enforced. [WARN_SPEC_PATTERN]`;

/** Every `pattern` and `patternProperties` key left in a converted schema. */
function patternsIn(schema: unknown, found: string[] = []): string[] {
  if (Array.isArray(schema)) schema.forEach((item) => patternsIn(item, found));
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'pattern' && typeof value === 'string') found.push(value);
      if (key === 'patternProperties' && value && typeof value === 'object') found.push(...Object.keys(value));
      patternsIn(value, found);
    }
  }
  return found;
}

describe('#16 patterns the server enforces in linear time', () => {
  it('#16 keeps ^(a+)+$ (RE2 runs it in linear time)', () => {
    const { schema, lines } = convert({ type: 'string', pattern: '^(a+)+$' });
    expect(schema).toEqual({ type: 'string', pattern: '^(a+)+$' });
    expect(lines).toEqual([]);
  });

  it.each([
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['(?=x)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?!x)y', 'invalid or unsupported Perl syntax: `(?!`'],
    ['(?<=a)b', 'invalid named capture: `(?<=a)b`'],
    ['(?<!a)b', 'invalid named capture: `(?<!a)b`'],
    ['(?<n>a)\\k<n>', 'invalid escape sequence: `\\k`'],
    ['a{1001}', 'invalid repeat count: `{1001}`'],
  ])('#16 drops %s with WARN_SPEC_PATTERN at its pointer', (pattern, reason) => {
    const { schema, lines } = convert({ type: 'object', properties: { code: { type: 'string', pattern, minLength: 1 } } });
    expect(schema).toEqual({ type: 'object', properties: { code: { type: 'string', minLength: 1 } } });
    expect(lines).toEqual([warning(`${AT}/properties/code/pattern`, pattern, reason)]);
  });

  it('#16 drops a patternProperties key RE2 cannot run, and the additionalProperties it would hand those properties to', () => {
    const { schema, lines } = convert({
      type: 'object',
      patternProperties: { '^x-': { type: 'integer' }, '^(?!y)': { type: 'string' } },
      additionalProperties: false,
      unevaluatedProperties: false,
    });
    expect(schema).toEqual({ type: 'object', patternProperties: { '^x-': { type: 'integer' } } });
    expect(lines).toEqual([
      warning(`${AT}/patternProperties/^(?!y)`, '^(?!y)', 'invalid or unsupported Perl syntax: `(?!`', '; additionalProperties and unevaluatedProperties of this schema are not enforced either'),
    ]);
  });

  it('#16 keeps additionalProperties when every patternProperties key is kept', () => {
    const { schema, lines } = convert({ type: 'object', patternProperties: { '^x-': { type: 'integer' } }, additionalProperties: false });
    expect(schema).toEqual({ type: 'object', patternProperties: { '^x-': { type: 'integer' } }, additionalProperties: false });
    expect(lines).toEqual([]);
  });

  it('#16 a pattern that is no regular expression at all stays WARN_SPEC_IGNORED', () => {
    const { schema, lines } = convert({ type: 'string', pattern: '(' });
    expect(schema).toEqual({ type: 'string' });
    expect(lines).toEqual(['warning: spec.yaml#/components/schemas/Code/pattern: Pattern is not a valid regular expression (unicode mode); ignored. Fix the pattern. [WARN_SPEC_IGNORED]']);
  });

  it('#16 every pattern kept compiles in RE2, every pattern dropped does not', () => {
    const candidates = [
      '^[a-z]+$', '\\d{3}-\\d{4}', '^(a|aa)+$', '(a*)*b', '^\\p{L}+$', '[\\s\\S]', '(?<year>\\d{4})', '^.{0,1000}$', 'a|b|c',
      '^[\\u0000-\\u007F]*$', '\\u{1F600}', '\\\\u0041',
      '(x)\\1', '(?=a)', '(?!a)', '(?<=a)', '(?<!a)', 'a{2000}', '\\k<x>(?<x>a)', '(?:a{1000}){1000}',
    ];
    const { schema, lines } = convert({ type: 'object', properties: Object.fromEntries(candidates.map((pattern, i) => [`p${i}`, { type: 'string', pattern }])) });
    const kept = patternsIn(schema);
    for (const pattern of kept) expect(() => RE2JS.compile(toRe2Syntax(pattern))).not.toThrow();
    for (const pattern of candidates.filter((p) => !kept.includes(p))) expect(() => RE2JS.compile(toRe2Syntax(pattern))).toThrow();
    expect(kept).toEqual(candidates.slice(0, 12));
    expect(lines).toHaveLength(candidates.length - 12);
  });

  it('#16 compiles each distinct pattern once, however often the spec repeats it', () => {
    const compile = vi.spyOn(RE2JS, 'compile');
    try {
      const properties = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`p${i}`, { type: 'string', pattern: i % 2 ? '^[a-z]+$' : '(a)\\1' }]));
      const { lines } = convert({ type: 'object', properties });
      expect(compile.mock.calls.map(([pattern]) => pattern)).toEqual(['(a)\\1', '^[a-z]+$']);
      expect(lines).toHaveLength(100);
    } finally {
      compile.mockRestore();
    }
  });

  it('#16 the 3.0 dialect and nested schemas are checked the same way', () => {
    const { schema, lines } = convert({ type: 'array', items: { type: 'string', pattern: '(?=a)', nullable: true } }, 'openapi-3.0');
    expect(schema).toEqual({ type: 'array', items: { type: ['string', 'null'] } });
    expect(lines).toEqual([warning(`${AT}/items/pattern`, '(?=a)', 'invalid or unsupported Perl syntax: `(?=`')]);
  });
});
