/**
 * #16 item 8: spec `pattern`s run on RE2 (linear time), strings longer than MAX_PATTERN_INPUT_LENGTH are refused
 * rather than matched, and no format check of ajv-formats backtracks on long input.
 */
import { describe, expect, it } from 'vitest';
import type { JsonSchema, ServerDefinition, ToolDefinition } from '../../templates/runtime/definition.js';
import { ToolInputError } from '../../templates/runtime/errors.js';
import { createToolRegistry } from '../../templates/runtime/tool-registry.js';
import { createArgumentAjv } from '../../templates/runtime/validation-ajv.js';
import { toRe2Syntax } from '../../templates/runtime/re2-syntax.js';
import { linearRegExp, MAX_PATTERN_INPUT_LENGTH } from '../../templates/runtime/validation-regexp.js';

function definitionWith(inputSchema: JsonSchema, name = 'patterned'): { definition: ServerDefinition; tool: ToolDefinition } {
  const tool: ToolDefinition = {
    name,
    description: name,
    annotations: {},
    inputSchema,
    definitions: [],
    method: 'GET',
    path: '/things',
    parameters: [],
    scopes: [],
    roles: [],
    upstreamSecurity: [],
    source: '#/paths/~1things/get',
  };
  const definition: ServerDefinition = {
    name: 'patterns', title: 'Patterns', version: '1', securitySchemes: {}, scopes: [], impliedScopes: {}, roles: [], definitions: {}, tools: [tool],
  };
  return { definition, tool };
}

/** A validate function over `{ value }` whose `value` has `schema`: returns true, or the ToolInputError's message. */
function checker(schema: JsonSchema): (value: unknown) => true | string {
  const { definition, tool } = definitionWith({ type: 'object', properties: { value: schema } });
  const registry = createToolRegistry(definition);
  return (value) => {
    try {
      registry.validate(tool, { value });
      return true;
    } catch (error) {
      if (error instanceof ToolInputError) return error.message;
      throw error;
    }
  };
}

/** CPU time (user + system, this process) spent in `run`, in milliseconds. */
function cpuMs(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

describe('#16 patterns run in linear time', () => {
  it('#16 refuses a string that makes ^(a+)+$ backtrack exponentially, in little CPU time', () => {
    const check = checker({ type: 'string', pattern: '^(a+)+$' });
    let outcome: true | string = true;
    const spent = cpuMs(() => {
      outcome = check(`${'a'.repeat(5_000)}!`);
    });
    expect(outcome).toBe('/value: must match pattern "^(a+)+$"');
    expect(spent).toBeLessThan(500);
    expect(check('a'.repeat(5_000))).toBe(true);
  });

  it('#16 other catastrophic patterns stay cheap on long input', () => {
    const cases: [string, string][] = [
      ['^(a|a)*$', `${'a'.repeat(50_000)}b`],
      ['^(\\w+\\s?)*$', `${'word '.repeat(10_000)}!`],
      ['^([a-z0-9]+[-.]?)*[a-z0-9]+@x\\.com$', `${'a-'.repeat(25_000)}!`],
      ['(x+x+)+y', 'x'.repeat(50_000)],
    ];
    for (const [pattern, input] of cases) {
      const check = checker({ type: 'string', pattern });
      let outcome: true | string = true;
      const spent = cpuMs(() => {
        outcome = check(input);
      });
      expect(outcome).toBe(`/value: must match pattern "${pattern}"`);
      expect(spent).toBeLessThan(500);
    }
  });

  it('#16 a pattern RE2 cannot compile makes the schema fail to compile, naming the tool', () => {
    for (const pattern of ['(a)\\1', '(?=x)y', '(?<!x)y', 'a++']) {
      const { definition, tool } = definitionWith({ type: 'object', properties: { value: { type: 'string', pattern } } }, 'uses_backreference');
      const registry = createToolRegistry(definition);
      expect(() => registry.validate(tool, { value: 'aa' })).toThrow(/^the input schema of tool uses_backreference cannot be compiled: /);
    }
    expect(() => linearRegExp('(a)\\1')).toThrow();
  });

  it('matches ordinary patterns as before: unanchored search, anchors, classes, quantifiers, Unicode', () => {
    const table: [string, string, boolean][] = [
      ['b', 'abc', true],
      ['^b', 'abc', false],
      ['^[a-z]+$', 'abc', true],
      ['^[a-z]+$', 'ABC', false],
      // `$` is the end of the input, not of a line (no multiline flag, as in JavaScript).
      ['^[a-z]+$', 'abc\n', false],
      ['^\\d{3}-\\d{4}$', '555-1234', true],
      ['^\\d{3}-\\d{4}$', '5555-1234', false],
      ['^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$', 'DE44500105175407324931', true],
      ['^[^<>]*$', 'plain text', true],
      ['^[^<>]*$', '<script>', false],
      ['^\\p{L}+$', 'héllo', true],
      ['^\\p{Lu}', 'élan', false],
      // One code point, not two UTF-16 units (Ajv's `u` flag).
      ['^.$', '😀', true],
      ['^[😀-😂]$', '😁', true],
      ['^(?:https?)://', 'https://example.com', true],
      ['^\\S+@\\S+\\.\\S+$', 'ann@example.com', true],
      ['^\\S+@\\S+\\.\\S+$', 'ann at example', false],
      ['^[\\s\\S]{0,3}$', 'a\nb', true],
    ];
    for (const [pattern, input, matches] of table) {
      const outcome = checker({ type: 'string', pattern })(input);
      expect({ pattern, input, outcome }).toEqual({ pattern, input, outcome: matches ? true : `/value: must match pattern "${pattern}"` });
    }
  });

  it('#16 keeps each pattern of a schema apart (Ajv caches compiled patterns by their text)', () => {
    const check = checker({ type: 'object', properties: { a: { type: 'string', pattern: '^a+$' }, b: { type: 'string', pattern: '^b+$' } } });
    expect(check({ a: 'aa', b: 'bb' })).toBe(true);
    expect(check({ a: 'aa', b: 'aa' })).toBe('/value/b: must match pattern "^b+$"');
    expect(check({ a: 'bb', b: 'bb' })).toBe('/value/a: must match pattern "^a+$"');
  });

  it('runs patternProperties keys on RE2 too', () => {
    const check = checker({ type: 'object', patternProperties: { '^x-[a-z]+$': { type: 'string' } }, additionalProperties: false });
    expect(check({ 'x-trace': 'on' })).toBe(true);
    expect(check({ 'x-trace': 1 })).toBe('/value/x-trace: must be string');
    expect(check({ 'y-trace': 'on' })).toBe('/value/y-trace: is not an allowed property');
  });

  it(`#16 refuses a string longer than ${MAX_PATTERN_INPUT_LENGTH} characters instead of matching it, also under not`, () => {
    const check = checker({ type: 'string', pattern: '^a*$' });
    expect(check('a'.repeat(MAX_PATTERN_INPUT_LENGTH))).toBe(true);
    const refusal = `/: a string of ${MAX_PATTERN_INPUT_LENGTH + 1} characters is longer than the ${MAX_PATTERN_INPUT_LENGTH} characters checked against a pattern, so it is refused`;
    expect(check('a'.repeat(MAX_PATTERN_INPUT_LENGTH + 1))).toBe(refusal);
    // Answering "does not match" would let `not` accept it: the call is refused instead.
    expect(checker({ type: 'string', not: { pattern: 'forbidden' } })(`${'a'.repeat(MAX_PATTERN_INPUT_LENGTH)}forbidden`))
      .toBe(`/: a string of ${MAX_PATTERN_INPUT_LENGTH + 9} characters is longer than the ${MAX_PATTERN_INPUT_LENGTH} characters checked against a pattern, so it is refused`);
    // Strings without a pattern are not limited here (the request body limit applies).
    expect(checker({ type: 'string' })('a'.repeat(MAX_PATTERN_INPUT_LENGTH * 2))).toBe(true);
  });
});

describe('#16 format checks run in linear time', () => {
  const units = ['a', 'a.', '1', '1:', ':', 'a-', '/', 'a@', '%25', '0', '~', '{', '"', ' ', 'a:', '1.', '-', '.', '::', 'T0', '[', 'a+', '00:00', 'a=', '\\'];
  const prefixes = ['', 'http://', 'a@', '2020-01-01T', 'P', '1.2.3.', '/'];
  const inputs = units.flatMap((unit) => prefixes.map((prefix) => `${prefix}${unit.repeat(Math.ceil(40_000 / unit.length))}!`));

  it('#16 every format Ajv checks stays cheap on long adversarial strings', () => {
    const ajv = createArgumentAjv();
    const slow: string[] = [];
    for (const format of Object.keys(ajv.formats)) {
      const validate = ajv.compile({ type: 'string', format });
      const spent = cpuMs(() => {
        for (const input of inputs) validate(input);
      });
      // ajv-formats' own `url` regex took seconds here (quadratic backtracking).
      if (spent > 1_000) slow.push(`${format}: ${Math.round(spent)} ms`);
    }
    expect(slow).toEqual([]);
  });

  it('#16 url is checked as an absolute http, https or ftp URI', () => {
    const check = checker({ type: 'string', format: 'url' });
    expect(check('https://api.example.com/v1/pets?limit=1#top')).toBe(true);
    expect(check('ftp://files.example.com/a.txt')).toBe(true);
    expect(check('mailto:ann@example.com')).toBe('/value: must match format "url"');
    expect(check('https://exa mple.com')).toBe('/value: must match format "url"');
    expect(cpuMs(() => check(`http://${':'.repeat(200_000)}!`))).toBeLessThan(500);
  });
});

describe('#16 RE2 spelling of JavaScript escapes', () => {
  it('#16 rewrites \\uXXXX and \\u{…} into \\x{…} and leaves everything else as written', () => {
    expect(toRe2Syntax('^[\\u0000-\\u007F]*$')).toBe('^[\\x{0000}-\\x{007F}]*$');
    expect(toRe2Syntax('\\u{1F600}+')).toBe('\\x{1F600}+');
    // An escaped backslash followed by `u` is a literal backslash and a literal `u`.
    expect(toRe2Syntax('\\\\u0041')).toBe('\\\\u0041');
    // Backreferences are not rewritten into something that compiles with another meaning.
    expect(toRe2Syntax('(?<n>a)\\k<n>')).toBe('(?<n>a)\\k<n>');
    expect(toRe2Syntax('a\\')).toBe('a\\');
  });

  it('#16 a pattern with \\u escapes is enforced like the JavaScript pattern', () => {
    const ascii = linearRegExp('^[\\u0000-\\u007F]*$');
    expect(ascii.test('plain text')).toBe(true);
    expect(ascii.test('caf\u00e9')).toBe(false);
    expect(linearRegExp('^\\u00e9$').test('\u00e9')).toBe(true);
  });
});
