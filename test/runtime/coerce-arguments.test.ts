/**
 * #9: scalars of the parameters that travel as text (path, query, header, cookie) are accepted in their other JSON
 * form — `42` for a string, `"7"` for an integer, `"true"` for a boolean — and sent as the same text; bodies, arrays,
 * objects and unions stay strict, and a string that is not exactly a number or boolean is still refused.
 */

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { coerceScalar, coerceTextArguments } from '../../templates/runtime/coerce-arguments.js';
import type { ParameterDefinition, ServerDefinition, ToolDefinition } from '../../templates/runtime/definition.js';
import { startHttpServer } from '../../templates/runtime/http.js';
import type { RunningHttpServer } from '../../templates/runtime/http.js';
import { readSettings } from '../../templates/runtime/settings.js';
import { createToolRegistry } from '../../templates/runtime/tool-registry.js';
import { startRecordingUpstream } from '../support/upstream.js';
import type { RecordingUpstream } from '../support/upstream.js';
import { fixtureDefinition } from './fixtures/definition.js';
import { inputError } from './fixtures/input-error.js';
import { rpc, toolsCall } from './fixtures/protected.js';

function parameter(name: string, where: ParameterDefinition['in'], extra: Partial<ParameterDefinition> = {}): ParameterDefinition {
  const style = where === 'query' || where === 'cookie' ? 'form' : 'simple';
  return { name, argument: name, in: where, style, explode: where === 'query', allowReserved: false, required: false, ...extra };
}

/** A tool with one text parameter of each place and type, unions, arrays, refs, names like __proto__, and a body. */
function ticketTool(): ToolDefinition {
  return {
    name: 'update_ticket',
    description: 'Updates a ticket',
    annotations: {},
    method: 'PUT',
    path: '/tickets/{ticketId}',
    inputSchema: {
      type: 'object',
      properties: {
        ticketId: { type: 'string', minLength: 1 },
        limit: { type: 'integer', minimum: 1 },
        ratio: { type: 'number' },
        notify: { type: 'boolean' },
        'X-Trace': { type: 'string' },
        session: { type: 'string' },
        nullableCount: { type: ['integer', 'null'] },
        union: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
        ids: { type: 'array', items: { type: 'string' } },
        code: { $ref: '#/$defs/Code' },
        constructor: { type: 'integer' },
        body: { type: 'object', properties: { title: { type: 'string' }, count: { type: 'integer' } }, additionalProperties: false },
      },
      required: ['ticketId'],
      additionalProperties: false,
    },
    definitions: ['Code'],
    parameters: [
      parameter('ticketId', 'path', { required: true }),
      parameter('limit', 'query'),
      parameter('ratio', 'query'),
      parameter('notify', 'header'),
      parameter('X-Trace', 'header'),
      parameter('session', 'cookie'),
      parameter('nullableCount', 'query'),
      parameter('union', 'query'),
      parameter('ids', 'query'),
      parameter('code', 'query'),
      parameter('__proto__', 'query'),
      parameter('constructor', 'query'),
    ],
    body: { argument: 'body', contentType: 'application/json', encoding: 'json', required: false },
    scopes: [],
    roles: [],
    upstreamSecurity: [],
    source: '#/paths/~1tickets~1{ticketId}/put',
  };
}

function ticketDefinition(): ServerDefinition {
  const base = fixtureDefinition();
  // JSON.parse keeps `__proto__` as an own property, as the emitted tools.json is read.
  const tool = JSON.parse(JSON.stringify(ticketTool()).replace('"constructor"', '"__proto__":{"type":"string"},"constructor"')) as ToolDefinition;
  return { ...base, definitions: { ...base.definitions, Code: { type: 'integer' } }, tools: [tool] };
}

describe('#9 coercion of text parameters', () => {
  const definition = ticketDefinition();
  const registry = createToolRegistry(definition);
  const tool = definition.tools[0]!;

  it('#9 a number or boolean for a string parameter becomes its text, in every place', () => {
    const args = { ticketId: 42, 'X-Trace': true, session: -1.5 };
    expect(registry.validate(tool, args)).toEqual({ ticketId: '42', 'X-Trace': 'true', session: '-1.5' });
    // The caller's object is not touched.
    expect(args).toEqual({ ticketId: 42, 'X-Trace': true, session: -1.5 });
  });

  it('#9 numeric and boolean strings become numbers and booleans for scalar parameters, $ref and nullable included', () => {
    expect(registry.validate(tool, { ticketId: 'T-1', limit: '7', ratio: '-1.5', notify: 'false', nullableCount: '3', code: '12' })).toEqual({
      ticketId: 'T-1',
      limit: 7,
      ratio: -1.5,
      notify: false,
      nullableCount: 3,
      code: 12,
    });
    expect(registry.validate(tool, { ticketId: 'T-1', ratio: '2.5e3', notify: 'true' })).toEqual({ ticketId: 'T-1', ratio: 2500, notify: true });
  });

  it.each([
    ['limit', ' 42', 'must be integer'],
    ['limit', '42 ', 'must be integer'],
    ['limit', '', 'must be integer'],
    ['limit', '0x10', 'must be integer'],
    ['limit', '1.5', 'must be integer'],
    ['limit', '+7', 'must be integer'],
    ['limit', '007', 'must be integer'],
    ['limit', '9007199254740993', 'must be integer'],
    ['ratio', '1e400', 'must be number'],
    ['ratio', 'NaN', 'must be number'],
    ['ratio', 'Infinity', 'must be number'],
    ['notify', 'TRUE', 'must be boolean'],
    ['notify', '1', 'must be boolean'],
    ['notify', 1, 'must be boolean'],
  ])('#9 %s = %j is still refused', (name, value, message) => {
    const error = inputError(() => registry.validate(tool, { ticketId: 'T-1', [name]: value }));
    expect(error.message).toBe(`/${name}: ${message}`);
  });

  it('#9 bodies, arrays and unions stay strict', () => {
    expect(inputError(() => registry.validate(tool, { ticketId: 'T-1', body: { title: 7 } })).message).toBe('/body/title: must be string');
    expect(inputError(() => registry.validate(tool, { ticketId: 'T-1', body: { count: '7' } })).message).toBe('/body/count: must be integer');
    expect(inputError(() => registry.validate(tool, { ticketId: 'T-1', ids: [1, 2] })).message).toBe('/ids/0: must be string');
    expect(inputError(() => registry.validate(tool, { ticketId: 'T-1', union: true })).field).toBe('/union');
    // A value already of the right type passes as it is: the same object comes back.
    const exact = { ticketId: 'T-1', limit: 3, union: '5' };
    expect(registry.validate(tool, exact)).toBe(exact);
  });

  it('#9 arguments named __proto__ and constructor are converted as own properties, and the prototype is untouched', () => {
    const args = JSON.parse('{"ticketId":"T-1","__proto__":5,"constructor":"9"}') as Record<string, unknown>;
    const valid = registry.validate(tool, args);
    expect(Object.getPrototypeOf(valid)).toBe(Object.prototype);
    expect(Object.hasOwn(valid, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(valid, '__proto__')?.value).toBe('5');
    expect(Object.getOwnPropertyDescriptor(valid, 'constructor')?.value).toBe(9);
    expect(Object.getOwnPropertyDescriptor(args, '__proto__')?.value).toBe(5);
  });

  it('#9 a parameter serialized as a media type, or a $ref with constraints beside it, is left as sent', () => {
    const withContent = { ...tool, parameters: tool.parameters.map((p) => (p.argument === 'limit' ? { ...p, contentType: 'application/json' } : p)) };
    expect(coerceTextArguments(withContent, definition.definitions, { limit: '7' })).toEqual({ limit: '7' });
    const constrained = { ...tool, inputSchema: { ...tool.inputSchema, properties: { code: { $ref: '#/$defs/Code', minimum: 3 } } } };
    expect(coerceTextArguments(constrained, definition.definitions, { code: '7' })).toEqual({ code: '7' });
    const cyclic = { ...tool, inputSchema: { ...tool.inputSchema, properties: { code: { $ref: '#/$defs/Loop' } } } };
    expect(coerceTextArguments(cyclic, { Loop: { $ref: '#/$defs/Loop' } }, { code: '7' })).toEqual({ code: '7' });
    expect(coerceTextArguments(tool, definition.definitions, 'not an object')).toBe('not an object');
  });

  it('#9 coerceScalar converts only the exact forms', () => {
    expect(coerceScalar(0, 'string')).toBe('0');
    expect(coerceScalar(false, 'string')).toBe('false');
    expect(coerceScalar(null, 'string')).toBeNull();
    expect(coerceScalar('-0', 'integer')).toBe(-0);
    expect(coerceScalar('1e3', 'integer')).toBe(1000);
    expect(coerceScalar('1.5', 'integer')).toBe('1.5');
    expect(coerceScalar('.5', 'number')).toBe('.5');
    expect(coerceScalar('5.', 'number')).toBe('5.');
    expect(coerceScalar('yes', 'boolean')).toBe('yes');
  });
});

describe('#9 coerced arguments on the wire', () => {
  let upstream: RecordingUpstream;
  let server: RunningHttpServer;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    const definition = ticketDefinition();
    const settings = readSettings({ AUTH_MODE: 'none', PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api` }, definition);
    server = await startHttpServer(definition, settings, { audit: () => undefined, log: () => undefined });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });
  beforeEach(() => void (upstream.received.length = 0));

  it('#9 ticketId=42 is accepted for a string path parameter and sent as /tickets/42; "7" for an integer query as 7', async () => {
    const response = await rpc(server.url, undefined, toolsCall('update_ticket', { ticketId: 42, limit: '7', notify: 'true', 'X-Trace': 5, body: { title: 'x' } }));
    expect(response.status).toBe(200);
    expect(response.body.result.isError).toBeUndefined();
    expect(upstream.received).toHaveLength(1);
    const [sent] = upstream.received;
    expect(sent!.url).toBe('/api/tickets/42?limit=7');
    expect(sent!.headers.notify).toBe('true');
    expect(sent!.headers['x-trace']).toBe('5');
    expect(JSON.parse(sent!.body.toString('utf8'))).toEqual({ title: 'x' });
  });

  it('#9 a body field of the wrong type is still refused, and nothing is sent', async () => {
    const response = await rpc(server.url, undefined, toolsCall('update_ticket', { ticketId: 42, body: { count: '7' } }));
    expect(response.body.result).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringContaining('/body/count: must be integer') }] });
    expect(upstream.received).toHaveLength(0);
  });
});
