/**
 * #8: a misspelled or misplaced `x-mcp-*` extension fails closed (ERR_SPEC_EXTENSION with "did you mean"), other
 * unknown `x-mcp-*` keys warn, and malformed boolean extensions are errors — on every kind of object.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/errors.js';
import { editDistance, nearestKnown } from '../../src/normalize/mcp-extensions.js';
import { normalizeSpec } from '../../src/normalize/normalize-spec.js';

const ok = { responses: { '200': { description: 'ok' } } };

function lines(document: Record<string, unknown>): string[] {
  const { issues } = normalizeSpec({ file: 'spec.yaml', document: { openapi: '3.1.0', info: { title: 'T', version: '1' }, ...document }, specVersion: '3.1' });
  return issues.map(formatIssue);
}

const typo = (pointer: string, key: string, intended: string, where: string, hint: string) =>
  `spec.yaml#${pointer}: unknown extension "${key}" is close to "${intended}", which portcullis reads on ${where}. Did you mean "${intended}"? ${hint} [ERR_SPEC_EXTENSION]`;
const OPS = 'path items and operations';
const ALL = 'the document, path items and operations';

describe('#8 typo\'d x-mcp extensions', () => {
  const cases: [name: string, document: Record<string, unknown>, expected: string[]][] = [
    ['document', { 'x-mcp-exlude': true, paths: {} }, [typo('/x-mcp-exlude', 'x-mcp-exlude', 'x-mcp-exclude', ALL, 'Rename it.')]],
    [
      'document, an extension read only on operations',
      { 'x-mcp-scope': ['a'], paths: {} },
      [typo('/x-mcp-scope', 'x-mcp-scope', 'x-mcp-scopes', OPS, `Rename it and move it to ${OPS}.`)],
    ],
    ['path item', { paths: { '/a': { 'x-mcp-role': ['admin'], get: ok } } }, [typo('/paths/~1a/x-mcp-role', 'x-mcp-role', 'x-mcp-roles', OPS, 'Rename it.')]],
    ['operation', { paths: { '/a': { get: { ...ok, 'x-mcp-scope': ['admin'] } } } }, [typo('/paths/~1a/get/x-mcp-scope', 'x-mcp-scope', 'x-mcp-scopes', OPS, 'Rename it.')]],
    [
      'operation, case and underscore variants and transpositions',
      { paths: { '/a': { get: { ...ok, 'X-MCP-Scopes': ['a'], x_mcp_roles: ['b'], 'x-mcp-pubilc': true, 'x-mcp-naem': 'n' } } } },
      [
        typo('/paths/~1a/get/X-MCP-Scopes', 'X-MCP-Scopes', 'x-mcp-scopes', OPS, 'Rename it.'),
        typo('/paths/~1a/get/x_mcp_roles', 'x_mcp_roles', 'x-mcp-roles', OPS, 'Rename it.'),
        typo('/paths/~1a/get/x-mcp-pubilc', 'x-mcp-pubilc', 'x-mcp-public', OPS, 'Rename it.'),
        typo('/paths/~1a/get/x-mcp-naem', 'x-mcp-naem', 'x-mcp-name', OPS, 'Rename it.'),
      ],
    ],
    [
      'parameter',
      { paths: { '/a': { get: { ...ok, parameters: [{ name: 'q', in: 'query', schema: { type: 'string' }, 'x-mcp-excludes': true }] } } } },
      [typo('/paths/~1a/get/parameters/0/x-mcp-excludes', 'x-mcp-excludes', 'x-mcp-exclude', ALL, `Rename it and move it to ${ALL}.`)],
    ],
    [
      'schema, deep inside a component',
      { paths: {}, components: { schemas: { Pet: { type: 'object', properties: { tags: { type: 'array', items: { allOf: [{ 'x-mcp-scopez': ['a'] }] } } } } } } },
      [typo('/components/schemas/Pet/properties/tags/items/allOf/0/x-mcp-scopez', 'x-mcp-scopez', 'x-mcp-scopes', OPS, `Rename it and move it to ${OPS}.`)],
    ],
  ];
  it.each(cases)('#8 %s', (_name, document, expected) => {
    expect(lines(document)).toEqual(expected);
  });

  it('#8 a known extension where portcullis does not read it is an error', () => {
    expect(lines({ 'x-mcp-scopes': ['a'], paths: { '/a': { get: { ...ok, parameters: [{ name: 'q', in: 'query', schema: { type: 'string', 'x-mcp-roles': ['r'] } }] } } } })).toEqual([
      `spec.yaml#/x-mcp-scopes: x-mcp-scopes is not read here, so it would have no effect. portcullis reads x-mcp-scopes only on ${OPS}: move it there. [ERR_SPEC_EXTENSION]`,
      `spec.yaml#/paths/~1a/get/parameters/0/schema/x-mcp-roles: x-mcp-roles is not read here, so it would have no effect. portcullis reads x-mcp-roles only on ${OPS}: move it there. [ERR_SPEC_EXTENSION]`,
    ]);
  });

  it('#8 an unknown x-mcp key far from every known one is a warning', () => {
    expect(lines({ paths: { '/a': { get: { ...ok, 'x-mcp-rate-limit': 5 } } } })).toEqual([
      'warning: spec.yaml#/paths/~1a/get/x-mcp-rate-limit: portcullis does not read the extension "x-mcp-rate-limit". The extensions it reads are x-mcp-exclude, x-mcp-name, x-mcp-public, x-mcp-roles, x-mcp-scopes, x-mcp-confirm, x-mcp-bind; remove it, or rename it outside the x-mcp- prefix. [WARN_SPEC_EXTENSION]',
    ]);
  });

  it('#8 names chosen by the author, data and other vendors\' extensions are not extensions', () => {
    expect(
      lines({
        'x-vendor': { 'x-mcp-scope': 1 },
        'x-go-name': 'n',
        paths: {
          '/a': {
            get: {
              ...ok,
              parameters: [{ name: 'x-mcp-scope', in: 'header', schema: { type: 'object', default: { 'x-mcp-scope': 1 }, enum: [{ 'x-mcp-role': 1 }] } }],
              responses: { '200': { description: 'ok', headers: { 'x-mcp-scope': { schema: { type: 'string' } } } } },
            },
          },
        },
        components: { schemas: { Pet: { type: 'object', properties: { 'x-mcp-scope': { type: 'string', examples: [{ 'x-mcp-name': 1 }] } } } } },
      }),
    ).toEqual([]);
  });

  it('#8 malformed boolean extensions are errors wherever they are read', () => {
    expect(lines({ 'x-mcp-exclude': 'yes', paths: { '/a': { 'x-mcp-public': 1, get: { ...ok, 'x-mcp-public': 'true', 'x-mcp-exclude': null } } } })).toEqual([
      'spec.yaml#/x-mcp-exclude: x-mcp-exclude must be true or false, not the string "yes". For example x-mcp-exclude: true. [ERR_SPEC_EXTENSION]',
      'spec.yaml#/paths/~1a/x-mcp-public: x-mcp-public must be true or false, not the number 1. For example x-mcp-public: true. [ERR_SPEC_EXTENSION]',
      'spec.yaml#/paths/~1a/get/x-mcp-public: x-mcp-public must be true or false, not the string "true". For example x-mcp-public: true. [ERR_SPEC_EXTENSION]',
      'spec.yaml#/paths/~1a/get/x-mcp-exclude: x-mcp-exclude must be true or false, not null. For example x-mcp-exclude: true. [ERR_SPEC_EXTENSION]',
    ]);
  });

  it('#8 the walk is iterative: a schema nested 20000 deep is walked without overflowing the stack', () => {
    let schema: Record<string, unknown> = { type: 'string', 'x-mcp-scope': ['a'] };
    for (let i = 0; i < 20000; i++) schema = { type: 'array', items: schema };
    const found = lines({ paths: {}, components: { schemas: { Deep: schema } } });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^spec\.yaml#\/components\/schemas\/Deep(\/items){20000}\/x-mcp-scope: unknown extension/);
  });

  it('#8 edit distance: substitutions, insertions, deletions and adjacent transpositions', () => {
    expect(editDistance('x-mcp-scopes', 'x-mcp-scopes')).toBe(0);
    expect(editDistance('x-mcp-scpoes', 'x-mcp-scopes')).toBe(1);
    expect(editDistance('x-mcp-scops', 'x-mcp-scopes')).toBe(1);
    expect(editDistance('x-mcp-sopes2', 'x-mcp-scopes')).toBe(2);
    expect(nearestKnown('x-mcp-sopes2')).toBe('x-mcp-scopes');
    expect(nearestKnown('x-mcp-rolez')).toBe('x-mcp-roles');
    expect(nearestKnown('x-mcp-rate-limit')).toBeUndefined();
    expect(nearestKnown('x-mcp-scp')).toBeUndefined();
  });
});
