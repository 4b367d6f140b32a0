/**
 * #11 the Cedar schema derived from the tools: names from the spec are always Cedar string literals (quotes,
 * backslashes, control and non-ASCII characters escaped), what Cedar cannot type is left out and listed, and the
 * result parses with Cedar itself.
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import { cedarSchemaText, cedarString } from '../../src/emit/cedar-schema.js';
import type { ServerDefinition, ToolDefinition } from '../../templates/runtime/definition.js';

const tool = (name: string, inputSchema: Record<string, unknown>): ToolDefinition => ({
  name,
  description: '',
  annotations: {},
  inputSchema,
  definitions: [],
  method: 'GET',
  path: '/x',
  parameters: [],
  scopes: [],
  roles: [],
  upstreamSecurity: [],
  source: '#/paths/~1x/get',
});

const HOSTILE = 'a"b\\c\nd };\naction "evil';

const definition = {
  name: 'x',
  title: 'X\n} entity Evil;',
  version: '1',
  definitions: { Node: { type: 'object', properties: { name: { type: 'string' }, child: { $ref: '#/$defs/Node' } } } },
  tools: [
    tool('t"1', {
      type: 'object',
      properties: {
        [HOSTILE]: { type: 'string' },
        'ünïcode': { type: 'integer' },
        price: { type: 'number' },
        maybe: { type: ['string', 'null'] },
        either: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
        free: { type: 'object' },
        tags: { type: 'array', items: { type: 'string' } },
        prices: { type: 'array', items: { type: 'number' } },
        kind: { enum: ['a', 'b'] },
        flag: { type: 'boolean' },
        tree: { $ref: '#/$defs/Node' },
      },
      required: ['flag'],
    }),
  ],
} as unknown as ServerDefinition;

describe('#11 Cedar schema', () => {
  it('#11 escapes names as Cedar string literals', () => {
    expect(cedarString('a"b\\c\nd\u{1F600}')).toBe('"a\\"b\\\\c\\u{a}d\\u{1f600}"');
  });

  it('#11 types what Cedar can, lists the rest, and parses with Cedar with the exact names', () => {
    const text = cedarSchemaText(definition, ['tenant', 'a"b']);
    expect(cedar.checkParseSchema(text)).toEqual({ type: 'success' });
    const json = cedar.schemaToJson(text);
    if (json.type !== 'success') throw new Error('no schema');
    const namespace = json.json['']!;
    expect(Object.keys(namespace.entityTypes).sort()).toEqual(['Caller', 'Tool']);
    expect(Object.keys(namespace.actions)).toEqual(['t"1']);
    const args = (namespace.actions['t"1']!.appliesTo!.context as any).attributes.args.attributes;
    expect(Object.keys(args).sort()).toEqual([HOSTILE, 'flag', 'kind', 'tags', 'tree', 'ünïcode'].sort());
    expect(args.flag).toEqual({ type: 'EntityOrCommon', name: 'Bool' });
    expect(Object.keys(args.tree.attributes)).toEqual(['name']);
    expect(text).toContain(
      '// t"1: not in context.args (no Cedar type): either (union); free (free-form object); maybe (union); price (number (not only integers)); prices (array of number (not only integers)); tree.child (recursive type)',
    );
    expect(text).toContain('// Cedar schema of the X?} entity Evil; MCP server');
  });
});
