/**
 * #16 item 5: parameters, body properties, definitions and other spec names that collide with Object.prototype's
 * members (`__proto__`, `constructor`, `toString`, `valueOf`, `hasOwnProperty`), all legal in OpenAPI. Validation and
 * request building must treat them as ordinary names: absent ones send nothing, present ones are sent exactly, a
 * required one that is absent is refused, and their values are checked like any other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUpstreamCredentials, UpstreamAuthenticationError } from '../../templates/runtime/credentials.js';
import type { BodyDefinition, JsonSchema, ParameterDefinition, ServerDefinition, ToolDefinition } from '../../templates/runtime/definition.js';
import { runWithHooks } from '../../templates/runtime/hooks.js';
import { startHttpServer } from '../../templates/runtime/http.js';
import { readSettings } from '../../templates/runtime/settings.js';
import { buildRequest } from '../../templates/runtime/request.js';
import { createToolRegistry } from '../../templates/runtime/tool-registry.js';
import type { ToolRegistry } from '../../templates/runtime/tool-registry.js';
import { callUpstream } from '../../templates/runtime/upstream.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';
import { inputError } from './fixtures/input-error.js';

const NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty'] as const;
const BASE = 'https://api.example.com/v1';
const STRING: JsonSchema = { type: 'string' };

/** An object with one own property per name (`{ __proto__: x }` as a literal would set the prototype instead). */
function byName<T>(value: (name: string) => T): Record<string, T> {
  return Object.fromEntries(NAMES.map((name) => [name, value(name)]));
}

function param(name: string, location: ParameterDefinition['in'], required = false): ParameterDefinition {
  const style = location === 'query' || location === 'cookie' ? 'form' : 'simple';
  return { name, argument: name, in: location, style, explode: style === 'form', allowReserved: false, required };
}

function tool(name: string, overrides: Partial<ToolDefinition>): ToolDefinition {
  return {
    name,
    description: name,
    annotations: {},
    inputSchema: { type: 'object' },
    definitions: [],
    method: 'GET',
    path: '/things',
    parameters: [],
    scopes: [],
    roles: [],
    upstreamSecurity: [],
    source: `#/paths/~1things/${name}`,
    ...overrides,
  };
}

/** One tool per location, each with a parameter of every name; bodies refer to a `$defs` entry named `__proto__`. */
function definitionWithCollidingNames(): ServerDefinition {
  const argumentsSchema = (required: readonly string[]): JsonSchema => ({ type: 'object', properties: byName(() => STRING), required, additionalProperties: false });
  const bodySchema: JsonSchema = { type: 'object', properties: { body: { $ref: '#/$defs/__proto__' } }, additionalProperties: false };
  const body = (encoding: BodyDefinition['encoding'], contentType: string): BodyDefinition => ({ argument: 'body', contentType, encoding, required: true });
  const definition: ServerDefinition = {
    name: 'names',
    title: 'Names',
    version: '1.0.0',
    securitySchemes: {},
    scopes: [],
    impliedScopes: {},
    roles: [],
    definitions: Object.fromEntries([
      // The definition every body uses is named `__proto__`; its properties carry every name, `__proto__` required.
      ['__proto__', { type: 'object', properties: byName(() => STRING), required: ['__proto__'], additionalProperties: false }],
      ['Other', { type: 'integer' }],
    ]),
    tools: [
      tool('in_query', { inputSchema: argumentsSchema([]), parameters: NAMES.map((name) => param(name, 'query')) }),
      tool('in_header', { inputSchema: argumentsSchema([]), parameters: NAMES.map((name) => param(name, 'header')) }),
      tool('in_cookie', { inputSchema: argumentsSchema([]), parameters: NAMES.map((name) => param(name, 'cookie')) }),
      tool('in_path', { inputSchema: argumentsSchema(NAMES), path: `/things/${NAMES.map((name) => `{${name}}`).join('/')}`, parameters: NAMES.map((name) => param(name, 'path', true)) }),
      tool('required_query', { inputSchema: argumentsSchema(['__proto__']), parameters: NAMES.map((name) => param(name, 'query', name === '__proto__')) }),
      tool('json_body', { method: 'POST', inputSchema: bodySchema, definitions: ['__proto__'], body: body('json', 'application/json') }),
      tool('form_body', { method: 'POST', inputSchema: bodySchema, definitions: ['__proto__'], body: body('form', 'application/x-www-form-urlencoded') }),
    ],
  };
  // As the server reads it: tools.json through JSON.parse, which makes `__proto__` an own property like any other.
  return JSON.parse(JSON.stringify(definition)) as ServerDefinition;
}


/** Arguments as a caller's JSON makes them (JSON.parse), one own property per name. */
function args(value: (name: string) => unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(byName(value))) as Record<string, unknown>;
}

describe('#16 names that collide with Object.prototype members', () => {
  const definition = definitionWithCollidingNames();
  const registry: ToolRegistry = createToolRegistry(definition);
  const get = (name: string) => registry.get(name)!;
  /** Validates, then builds: what the server does with a call. */
  const send = (name: string, values: Record<string, unknown>) => buildRequest(get(name), registry.validate(get(name), values), BASE);

  it('#16 the fixture really has own properties named after Object.prototype members', () => {
    expect(Object.keys(definition.definitions)).toEqual(['__proto__', 'Other']);
    expect(Object.keys(get('in_query').inputSchema.properties as object)).toEqual([...NAMES]);
    expect(Object.getPrototypeOf(definition.definitions)).toBe(Object.prototype);
  });

  it('#16 absent optional query, header and cookie parameters send nothing', () => {
    for (const name of ['in_query', 'in_header', 'in_cookie']) {
      const request = send(name, {});
      expect(request.url.href).toBe(`${BASE}/things`);
      expect([...request.headers.keys()]).toEqual([]);
      expect(request.body).toBeUndefined();
    }
  });

  it('#16 present query parameters are sent exactly', () => {
    expect(send('in_query', args((name) => `v-${name}`)).url.search)
      .toBe('?__proto__=v-__proto__&constructor=v-constructor&toString=v-toString&valueOf=v-valueOf&hasOwnProperty=v-hasOwnProperty');
    expect(send('in_query', JSON.parse('{"toString":"only"}')).url.search).toBe('?toString=only');
  });

  it('#16 present header parameters are sent exactly', () => {
    const { headers } = send('in_header', args((name) => `v-${name}`));
    expect([...headers.entries()]).toEqual(
      ['__proto__', 'constructor', 'hasownproperty', 'tostring', 'valueof'].map((name) => [name, `v-${NAMES.find((n) => n.toLowerCase() === name)}`]),
    );
  });

  it('#16 present cookie parameters are sent exactly', () => {
    expect(send('in_cookie', args((name) => `v-${name}`)).headers.get('cookie'))
      .toBe('__proto__=v-__proto__; constructor=v-constructor; toString=v-toString; valueOf=v-valueOf; hasOwnProperty=v-hasOwnProperty');
  });

  it('#16 path parameters are sent exactly, and an absent one is refused', () => {
    expect(send('in_path', args((name) => `v-${name}`)).url.pathname).toBe('/v1/things/v-__proto__/v-constructor/v-toString/v-valueOf/v-hasOwnProperty');
    const withoutProto = JSON.parse('{"constructor":"a","toString":"b","valueOf":"c","hasOwnProperty":"d"}');
    expect(inputError(() => send('in_path', withoutProto)).message).toBe('/__proto__: is required');
    // Request building alone refuses it too (defence in depth, e.g. for a hook that changed the arguments).
    expect(inputError(() => buildRequest(get('in_path'), withoutProto, BASE)).message)
      .toBe('/__proto__: the required path parameter "__proto__" is missing');
  });

  it('#16 a required __proto__ argument that is absent is refused, whatever else is sent', () => {
    expect(inputError(() => send('required_query', {})).message).toBe('/__proto__: is required');
    expect(inputError(() => send('required_query', JSON.parse('{"constructor":"x"}'))).message).toBe('/__proto__: is required');
    expect(inputError(() => buildRequest(get('required_query'), {}, BASE)).message).toBe('/__proto__: the required query parameter "__proto__" is missing');
    expect(send('required_query', JSON.parse('{"__proto__":"p"}')).url.search).toBe('?__proto__=p');
  });

  it('#16 values of these names are checked like any other, and unknown names are still refused', () => {
    expect(inputError(() => send('in_query', JSON.parse('{"__proto__":null}'))).message).toBe('/__proto__: must be string');
    // #9: a number for a string query parameter is sent as its text, the name staying an own property.
    expect(send('in_query', JSON.parse('{"__proto__":1}')).url.search).toBe('?__proto__=1');
    expect(inputError(() => send('in_query', JSON.parse('{"constructor":{}}'))).message).toBe('/constructor: must be string');
    expect(inputError(() => send('in_query', JSON.parse('{"prototype":"x"}'))).message).toBe('/prototype: is not an allowed property');
  });

  it('#16 a JSON body whose schema is the $defs entry named __proto__ is checked and sent exactly', () => {
    const defs = registry.inputSchema(get('json_body')).$defs as Record<string, unknown>;
    expect(Object.keys(defs)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(defs)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(defs, '__proto__')?.value).toBe(Object.getOwnPropertyDescriptor(definition.definitions, '__proto__')?.value);
    expect(inputError(() => send('json_body', { body: {} })).message).toBe('/body/__proto__: is required');
    expect(inputError(() => send('json_body', { body: JSON.parse('{"constructor":"c"}') })).message).toBe('/body/__proto__: is required');
    expect(inputError(() => send('json_body', { body: JSON.parse('{"__proto__":7}') })).message).toBe('/body/__proto__: must be string');
    expect(inputError(() => send('json_body', { body: JSON.parse('{"__proto__":"p","extra":1}') })).message).toBe('/body/extra: is not an allowed property');
    expect(send('json_body', { body: JSON.parse('{"__proto__":"p"}') }).body).toBe('{"__proto__":"p"}');
    const all = send('json_body', { body: args((name) => `v-${name}`) });
    expect(all.body).toBe('{"__proto__":"v-__proto__","constructor":"v-constructor","toString":"v-toString","valueOf":"v-valueOf","hasOwnProperty":"v-hasOwnProperty"}');
    expect(all.headers.get('content-type')).toBe('application/json');
  });

  it('#16 a form body with these property names is sent exactly', () => {
    expect(send('form_body', { body: JSON.parse('{"__proto__":"p"}') }).body).toBe('__proto__=p');
    expect(send('form_body', { body: args((name) => `v ${name}`) }).body)
      .toBe('__proto__=v%20__proto__&constructor=v%20constructor&toString=v%20toString&valueOf=v%20valueOf&hasOwnProperty=v%20hasOwnProperty');
  });

  it('#16 a definition a tool names but the definitions lack is missing, not found on Object.prototype', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      const broken = { ...get('json_body'), name: `uses_${name}`, definitions: [name] };
      expect(() => createToolRegistry({ ...definition, tools: [broken] }).inputSchema(broken)).toThrow(`tool uses_${name} refers to the missing definition ${name}`);
    }
  });

  it('#16 $defs named after Object.prototype members compile and are used', () => {
    const definitions = Object.fromEntries(NAMES.map((name, index) => [name, { const: index }]));
    const schema: JsonSchema = { type: 'object', properties: byName((name) => ({ $ref: `#/$defs/${name}` })), additionalProperties: false };
    const parsed = JSON.parse(JSON.stringify({ ...definition, definitions, tools: [tool('refs', { inputSchema: schema, definitions: [...NAMES] })] })) as ServerDefinition;
    const refs = createToolRegistry(parsed);
    const refsTool = refs.get('refs')!;
    expect(refs.validate(refsTool, args((name) => NAMES.indexOf(name as (typeof NAMES)[number])))).toBeDefined();
    expect(inputError(() => refs.validate(refsTool, JSON.parse('{"__proto__":1}'))).message).toBe('/__proto__: must be 0');
    expect(inputError(() => refs.validate(refsTool, JSON.parse('{"valueOf":0}'))).message).toBe('/valueOf: must be 3');
  });

  it('#16 hooks are looked up by own tool name only', async () => {
    const call = async () => ({ content: [{ type: 'text' as const, text: 'sent' }] });
    const identity = { scopes: [], roles: [] };
    for (const name of NAMES) {
      const context = { tool: tool(name, {}), identity, args: {} };
      expect(await runWithHooks({ tools: {} }, context, call)).toEqual({ result: { content: [{ type: 'text', text: 'sent' }] } });
      const own = Object.fromEntries([[name, { before: () => ({ allowed: false as const, reason: `no ${name}` }) }]]);
      expect(await runWithHooks({ tools: own }, context, call)).toEqual({ rejected: `no ${name}` });
    }
  });

  it('#16 an upstream security scheme named after an Object.prototype member that is not defined is reported, not crashed on', async () => {
    const credentials = loadUpstreamCredentials({}, {});
    for (const name of NAMES) {
      await expect(credentials.apply(tool('secured', { upstreamSecurity: [[name]] }), buildRequest(tool('x', {}), {}, BASE)))
        .rejects.toThrow(new UpstreamAuthenticationError(`tool secured needs upstream security schemes this server cannot provide: "${name}"`));
    }
  });
});

describe('#16 colliding names on the wire', () => {
  let upstream: RecordingUpstream;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
  });
  afterAll(async () => {
    await upstream.close();
  });

  it('#16 a header parameter named __proto__ reaches the upstream as a header', async () => {
    const definition = definitionWithCollidingNames();
    const registry = createToolRegistry(definition);
    const inHeader = registry.get('in_header')!;
    const credentials = loadUpstreamCredentials({}, {});
    const values = registry.validate(inHeader, args((name) => `v-${name}`));
    const result = await callUpstream(inHeader, values, { baseUrl: upstream.origin, credentials, timeoutMs: 5_000, maxResponseBytes: 1_000 });
    expect(result.isError).toBeUndefined();
    const received = upstream.received.at(-1)!;
    expect(received.url).toBe('/things');
    // rawHeaders, not headers: the test server's own parsed-headers object is a plain object.
    const sent = new Map<string, string>();
    for (let index = 0; index < received.rawHeaders.length; index += 2) sent.set(received.rawHeaders[index]!, received.rawHeaders[index + 1]!);
    for (const name of NAMES) expect(sent.get(name.toLowerCase())).toBe(`v-${name}`);
  });

  it('#16 tools/call over HTTP passes arguments named constructor and __proto__ to the tool as sent', async () => {
    const definition = definitionWithCollidingNames();
    const settings = readSettings({ PORT: '0', UPSTREAM_BASE_URL: upstream.origin, LOG_LEVEL: 'error', AUTH_MODE: 'none' }, definition);
    const server = await startHttpServer(definition, settings, { audit: () => undefined });
    try {
      const post = async (argumentsJson: string) => {
        const response = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          // Written as text: an object literal with `__proto__` would set a prototype, not send a key.
          body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"in_query","arguments":${argumentsJson}}}`,
        });
        return (await response.json()) as { result?: { isError?: boolean; content: { text: string }[] }; error?: unknown };
      };
      const sent = await post('{"constructor":"c","__proto__":"p"}');
      expect(sent.error).toBeUndefined();
      expect(sent.result?.isError).toBeUndefined();
      expect(upstream.received.at(-1)!.url).toBe('/things?__proto__=p&constructor=c');
      // Not an object: refused as invalid params by the SDK's tools/call schema (#10: SDK 2.x checks that arguments is
      // an object before any handler runs), before anything is sent.
      const count = upstream.received.length;
      const refused = (await post('["x"]')) as { error?: { code: number } };
      expect(refused.error?.code).toBe(-32602);
      expect(upstream.received).toHaveLength(count);
    } finally {
      await server.close();
    }
  });
});
