import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/load/parse-source.js';

describe('parseSource', () => {
  it.each([
    ['YAML', 'openapi: 3.1.0\ninfo:\n  title: x\n', { openapi: '3.1.0', info: { title: 'x' } }],
    ['JSON', '{"openapi": "3.1.0"}', { openapi: '3.1.0' }],
    ['JSON with a byte order mark', '\uFEFF{"a": 1}', { a: 1 }],
    // YAML 1.2: `yes` and dates stay strings.
    ['YAML core schema', 'a: yes\nb: 2024-01-01\n', { a: 'yes', b: '2024-01-01' }],
  ])('parses %s', (_name, text, expected) => {
    expect(parseSource(text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['a trailing comma', '{\n  "a": 1,\n}', { line: 3, column: 1, message: 'Expected double-quoted property name' }],
    ['an unknown token (no position from V8)', '{"a": tru}', { line: 1, column: 7, message: 'Unresolved plain scalar "tru"' }],
    ['text after the JSON', '{"a": 1}}', { line: 1, column: 9, message: 'Unexpected non-whitespace character after JSON' }],
    ['a bad YAML indent', 'a: b\n  c: d\n', { line: 1, column: 4, message: 'Nested mappings are not allowed in compact mappings' }],
    ['a duplicate YAML key', 'a: 1\na: 2\n', { line: 2, column: 1, message: 'Map keys must be unique' }],
    [
      'a recursive YAML alias',
      'a: &x\n  - *x\n',
      { line: 2, column: 5, message: 'alias *x is inside its own anchor; use a $ref for recursive structures' },
    ],
  ])('locates %s', (_name, text, problem) => {
    expect(parseSource(text)).toEqual({ ok: false, problems: [problem] });
  });
});
