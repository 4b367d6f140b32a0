/**
 * #16 item 7: one request must not exhaust memory or CPU. Validation stops at the first failing keyword (a bounded
 * error list), uniqueItems runs in linear time, request building refuses arguments that would become millions of
 * URL, header or form pieces before building them, and nesting deeper than the stack is a refusal, not a crash.
 */
import { describe, expect, it } from 'vitest';
import type { BodyDefinition, JsonSchema, ParameterDefinition, ServerDefinition, ToolDefinition } from '../../templates/runtime/definition.js';
import { ToolInputError } from '../../templates/runtime/errors.js';
import { buildRequest, MAX_FORM_FIELDS, MAX_HEADER_LENGTH, MAX_URL_LENGTH } from '../../templates/runtime/request.js';
import { createToolRegistry } from '../../templates/runtime/tool-registry.js';
import { createArgumentAjv } from '../../templates/runtime/validation-ajv.js';
import { firstDuplicate } from '../../templates/runtime/validation-unique-items.js';
import { inputError } from './fixtures/input-error.js';

const BASE = 'https://api.example.com/v1';
const TWO_MILLION = 2_000_000;
const MB = 1024 * 1024;

function tool(overrides: Partial<ToolDefinition> = {}): ToolDefinition {
  return {
    name: 'op',
    description: 'an operation',
    annotations: {},
    inputSchema: { type: 'object' },
    definitions: [],
    method: 'GET',
    path: '/items',
    parameters: [],
    scopes: [],
    roles: [],
    upstreamSecurity: [],
    source: '#/paths/~1items/get',
    ...overrides,
  };
}

function definitionOf(tools: ToolDefinition[], definitions: Record<string, JsonSchema> = {}): ServerDefinition {
  return { name: 'limits', title: 'Limits', version: '1', securitySchemes: {}, scopes: [], impliedScopes: {}, roles: [], definitions, tools };
}

function param(name: string, location: ParameterDefinition['in'], overrides: Partial<ParameterDefinition> = {}): ParameterDefinition {
  const style = location === 'query' || location === 'cookie' ? 'form' : 'simple';
  return { name, argument: name, in: location, style, explode: style === 'form', allowReserved: false, required: false, ...overrides };
}


/** Heap growth (bytes) while `run` runs, measured before any collection can hide what it allocated and kept. */
function heapGrowth(run: () => void): number {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().heapUsed;
  run();
  return process.memoryUsage().heapUsed - before;
}

/** CPU time (user + system, this process) spent in `run`, in milliseconds. */
function cpuMs(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

describe('#16 validation of a huge argument is bounded', () => {
  const schema: JsonSchema = { type: 'object', properties: { ids: { type: 'array', items: { type: 'integer' } } }, additionalProperties: false };

  it('#16 two million wrongly typed items produce a bounded error list and bounded heap growth', () => {
    const args = { ids: Array.from({ length: TWO_MILLION }, () => 'x') };
    const validate = createArgumentAjv().compile(schema);
    let valid = true;
    const growth = heapGrowth(() => {
      valid = validate(args);
    });
    expect(valid).toBe(false);
    expect(validate.errors?.length).toBeLessThanOrEqual(2);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/ids/0', keyword: 'type' });
    // With allErrors the same call kept two million error objects (hundreds of megabytes).
    expect(growth).toBeLessThan(64 * MB);
  });

  it('#16 the refusal names the first wrong item only', () => {
    const ops = tool({ inputSchema: schema });
    const registry = createToolRegistry(definitionOf([ops]));
    const args = { ids: Array.from({ length: TWO_MILLION }, () => true) };
    let error: ToolInputError | undefined;
    const growth = heapGrowth(() => {
      error = inputError(() => registry.validate(ops, args));
    });
    expect(error?.message).toBe('/ids/0: must be integer');
    expect(growth).toBeLessThan(64 * MB);
  });

  it('#16 nesting deeper than the stack through a recursive schema is refused, not a crash', () => {
    const node: JsonSchema = { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/Node' } } } };
    const recursive = tool({ inputSchema: { type: 'object', properties: { root: { $ref: '#/$defs/Node' } } }, definitions: ['Node'] });
    const registry = createToolRegistry(definitionOf([recursive], { Node: node }));
    const depth = 200_000;
    const root = JSON.parse(`${'{"children":['.repeat(depth)}${']}'.repeat(depth)}`) as unknown;
    expect(inputError(() => registry.validate(recursive, { root })).message).toBe('/: the arguments are nested too deeply to be checked');
    expect(registry.validate(recursive, { root: { children: [{ children: [] }] } })).toBeDefined();
  });
});

describe('#16 uniqueItems runs in linear time', () => {
  it('#16 checks 100,000 distinct objects quickly (pairwise comparison took hours)', () => {
    const validate = createArgumentAjv().compile({ type: 'array', uniqueItems: true, items: { type: 'object' } });
    const items = Array.from({ length: 100_000 }, (_, index) => ({ id: index }));
    let valid = false;
    expect(cpuMs(() => {
      valid = validate(items);
    })).toBeLessThan(2_000);
    expect(valid).toBe(true);
    items.push({ id: 7 });
    expect(validate(items)).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ keyword: 'uniqueItems', params: { i: 7, j: 100_000 }, message: "must NOT have duplicate items (items ## 100000 and 7 are identical)" });
  });

  it('finds duplicates by JSON Schema equality', () => {
    const table: [string, [number, number] | undefined][] = [
      ['[1, 2, 3]', undefined],
      ['[1, 2, 1]', [0, 2]],
      ['[1, 1.0]', [0, 1]],
      ['[0, -0]', [0, 1]],
      ['["1", 1]', undefined],
      ['[[1], "[1]"]', undefined],
      ['[{}, []]', undefined],
      ['[null, "null"]', undefined],
      ['[true, "true", true]', [0, 2]],
      ['[{"a": 1, "b": [2, {"c": 3}]}, {"b": [2, {"c": 3}], "a": 1}]', [0, 1]],
      ['[{"a": 1}, {"a": 1, "b": null}]', undefined],
      ['["__proto__", "__proto__"]', [0, 1]],
      ['[{"__proto__": 1}, {"__proto__": 2}, {"__proto__": 1}]', [0, 2]],
      ['["constructor", "toString", "constructor"]', [0, 2]],
    ];
    for (const [json, expected] of table) expect({ json, duplicate: firstDuplicate(JSON.parse(json) as unknown[]) }).toEqual({ json, duplicate: expected });
  });

  it('#16 reports duplicate strings named __proto__ through the tool registry', () => {
    const tags = tool({ inputSchema: { type: 'object', properties: { tags: { type: 'array', uniqueItems: true, items: { type: 'string' } } } } });
    const registry = createToolRegistry(definitionOf([tags]));
    expect(inputError(() => registry.validate(tags, JSON.parse('{"tags":["__proto__","__proto__"]}'))).message)
      .toBe('/tags: must NOT have duplicate items (items ## 1 and 0 are identical)');
    expect(registry.validate(tags, { tags: ['a', 'b'] })).toEqual({ tags: ['a', 'b'] });
  });
});

describe('#16 request building refuses what would become millions of pieces, before building them', () => {
  const huge = Array.from({ length: TWO_MILLION }, (_, index) => index);

  it('#16 a query array of two million items is refused with bounded heap growth', () => {
    const list = tool({ parameters: [param('ids', 'query')] });
    let error: ToolInputError | undefined;
    const growth = heapGrowth(() => {
      error = inputError(() => buildRequest(list, { ids: huge }, BASE));
    });
    expect(error?.message).toBe(`/ids: is too long for a URL: at most ${MAX_URL_LENGTH} characters are sent`);
    expect(growth).toBeLessThan(64 * MB);
  });

  it('#16 path, header and cookie arguments are bounded too', () => {
    const path = tool({ path: '/items/{id}', parameters: [param('id', 'path', { required: true })] });
    expect(inputError(() => buildRequest(path, { id: huge }, BASE)).message).toBe(`/id: is too long for a URL: at most ${MAX_URL_LENGTH} characters are sent`);
    const header = tool({ parameters: [param('X-Ids', 'header')] });
    expect(inputError(() => buildRequest(header, { 'X-Ids': huge }, BASE)).message).toBe(`/X-Ids: is too long for a header: at most ${MAX_HEADER_LENGTH} characters are sent`);
    expect(inputError(() => buildRequest(header, { 'X-Ids': 'a'.repeat(MAX_HEADER_LENGTH + 1) }, BASE)).message)
      .toBe(`/X-Ids: is too long for a header: at most ${MAX_HEADER_LENGTH} characters are sent`);
    const cookie = tool({ parameters: [param('session', 'cookie'), param('theme', 'cookie')] });
    expect(inputError(() => buildRequest(cookie, { session: { ...Object.fromEntries(huge.slice(0, 20_000).map((index) => [`k${index}`, index])) } }, BASE)).message)
      .toBe(`/session: is too long for a header: at most ${MAX_HEADER_LENGTH} characters are sent`);
    // Each cookie within bounds, together too long: the Cookie header is refused.
    const half = 'v'.repeat(MAX_HEADER_LENGTH / 2);
    expect(inputError(() => buildRequest(cookie, { session: half, theme: half }, BASE)).message)
      .toBe(`/: the cookie arguments would make a Cookie header of ${MAX_HEADER_LENGTH + 16} characters; at most ${MAX_HEADER_LENGTH} are sent`);
  });

  it('#16 a URL longer than the bound is refused, one just within is sent', () => {
    const list = tool({ parameters: [param('q', 'query'), param('r', 'query')] });
    const fixed = `${BASE}/items?q=`.length;
    expect(buildRequest(list, { q: 'a'.repeat(MAX_URL_LENGTH - fixed) }, BASE).url.href).toHaveLength(MAX_URL_LENGTH);
    expect(inputError(() => buildRequest(list, { q: 'a'.repeat(MAX_URL_LENGTH - fixed + 1) }, BASE)).message)
      .toBe(`/: the arguments would make a URL of ${MAX_URL_LENGTH + 1} characters; at most ${MAX_URL_LENGTH} are sent`);
    // Percent-encoding triples a character: the encoded length counts.
    expect(inputError(() => buildRequest(list, { q: ' '.repeat(MAX_URL_LENGTH / 2) }, BASE)).message)
      .toMatch(/^\/: the arguments would make a URL of \d+ characters; at most 32768 are sent$/);
  });

  it('#16 form and multipart bodies of two million fields are refused with bounded heap growth', () => {
    for (const encoding of ['form', 'multipart'] as const) {
      const body: BodyDefinition = { argument: 'body', contentType: encoding === 'form' ? 'application/x-www-form-urlencoded' : 'multipart/form-data', encoding, required: true };
      const post = tool({ method: 'POST', body });
      let error: ToolInputError | undefined;
      const growth = heapGrowth(() => {
        error = inputError(() => buildRequest(post, { body: { ids: huge } }, BASE));
      });
      expect(error?.message).toBe(`/body: would make more than ${MAX_FORM_FIELDS} form fields`);
      expect(growth).toBeLessThan(64 * MB);
      expect(buildRequest(post, { body: { ids: huge.slice(0, MAX_FORM_FIELDS) } }, BASE).body).toBeDefined();
    }
  });

  it('#16 a styled form object counts its entries as fields', () => {
    const body: BodyDefinition = { argument: 'body', contentType: 'application/x-www-form-urlencoded', encoding: 'form', required: true, properties: { filter: { style: 'deepObject', explode: true } } };
    const post = tool({ method: 'POST', body });
    const entries = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, index]));
    expect(inputError(() => buildRequest(post, { body: { filter: entries(MAX_FORM_FIELDS + 1) } }, BASE)).message).toBe(`/body: would make more than ${MAX_FORM_FIELDS} form fields`);
    expect(buildRequest(post, { body: { filter: { a: 1 } } }, BASE).body).toBe('filter%5Ba%5D=1');
  });

  it('#16 a JSON body nested deeper than the stack is refused, not a crash', () => {
    const post = tool({ method: 'POST', body: { argument: 'body', contentType: 'application/json', encoding: 'json', required: true } });
    const deep = JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`) as unknown;
    expect(inputError(() => buildRequest(post, { body: deep }, BASE)).message).toBe('/: the arguments are nested too deeply to be sent');
  });
});
