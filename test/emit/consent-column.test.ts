/** #12: AUTHORIZATION.md shows which tools ask the user before each call, and why; the manifest records it for `diff`. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { emitServer } from '../../src/emit/emit-server.js';
import { summarizeModel } from '../../src/emit/manifest.js';
import { buildModel } from '../../src/model/build-model.js';
import { normalizeSpec } from '../../src/normalize/normalize-spec.js';

const ok = { responses: { '200': { description: 'ok' } } };
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

function model(config: unknown = {}) {
  const document = {
    openapi: '3.1.0',
    info: { title: 'Shop', version: '1' },
    paths: {
      '/orders': { get: { operationId: 'listOrders', ...ok }, post: { operationId: 'placeOrder', 'x-mcp-confirm': { consequence: 'The card is charged.' }, ...ok } },
      '/orders/{id}': { parameters: [id], delete: { operationId: 'cancelOrder', ...ok }, patch: { operationId: 'editOrder', ...ok } },
      '/carts/{id}': { parameters: [id], delete: { operationId: 'emptyCart', 'x-mcp-confirm': false, ...ok } },
    },
  };
  const normalized = normalizeSpec({ file: 'spec.yaml', document, specVersion: '3.1' });
  return buildModel(normalized.value!, parseConfig(config, 'portcullis.yaml'), { specFile: 'spec.yaml' }).value!;
}

describe('#12 consent in AUTHORIZATION.md and the manifest', () => {
  it('#12 the consent column says asks and why, or —, for every tool', () => {
    const authorization = emitServer(model({ confirm: { operations: ['editOrder'] } })).find((file) => file.path === 'AUTHORIZATION.md')!.contents;
    expect(authorization).toContain('| tool | operation | scopes (any row of; all in a row) | from | roles (any of) | bound to claims | consent | hints |');
    const consentCell = (tool: string) => authorization.split('\n').find((line) => line.startsWith(`| \`${tool}\``))!.split(' | ').at(-2);
    expect(consentCell('listOrders')).toBe('—');
    expect(consentCell('placeOrder')).toBe('asks (x-mcp-confirm)');
    expect(consentCell('cancelOrder')).toBe('asks (DELETE default)');
    expect(consentCell('editOrder')).toBe('asks (config)');
    expect(consentCell('emptyCart')).toBe('—');
    expect(authorization).toContain('Every DELETE operation asks by default (*DELETE default*); `x-mcp-confirm: true` in the spec makes an');
    expect(authorization).toContain('`CONSENT=off` turns consent off for the whole server');
  });

  it('#12 tools.json carries the question only for tools that ask', () => {
    const tools = JSON.parse(emitServer(model()).find((file) => file.path === 'tools.json')!.contents).tools as { name: string; consent?: unknown }[];
    expect(Object.fromEntries(tools.map((tool) => [tool.name, tool.consent ?? null]))).toEqual({
      listOrders: null,
      placeOrder: { system: 'Shop', action: 'POST /orders', request: 'POST /orders', arguments: [], consequence: 'The card is charged.' },
      cancelOrder: { system: 'Shop', action: 'DELETE /orders/{id}', request: 'DELETE /orders/{id}', arguments: ['id'], consequence: 'This cannot be undone.' },
      editOrder: null,
      emptyCart: null,
    });
  });

  it('#12 the manifest records why each tool asks, and nothing for the others', () => {
    expect(summarizeModel(model()).tools.map((tool) => [tool.name, tool.consent])).toEqual([
      ['listOrders', undefined],
      ['placeOrder', 'x-mcp-confirm'],
      ['cancelOrder', 'DELETE default'],
      ['editOrder', undefined],
      ['emptyCart', undefined],
    ]);
    expect(Object.hasOwn(summarizeModel(model()).tools[0]!, 'consent')).toBe(false);
  });
});
