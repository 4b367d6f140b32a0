/**
 * #16: names that are also properties of every JavaScript object (`__proto__`, `constructor`, `toString`, `valueOf`,
 * `hasOwnProperty`, `prototype`) are ordinary names in OpenAPI. As parameters, body properties, component schemas,
 * security schemes, scopes, roles and server variables, each must come out in the model and in tools.json exactly
 * as written: nothing lost, nothing inherited added, and the same output on every run.
 */
import { describe, expect, it } from 'vitest';
import { diffModels } from '../../src/diff/diff-models.js';
import { toServerDefinition } from '../../src/emit/emit-server.js';
import { summarizeModel } from '../../src/emit/manifest.js';
import { formatIssue } from '../../src/errors.js';
import { buildModel } from '../../src/model/build-model.js';
import { normalizeSpec } from '../../src/normalize/normalize-spec.js';
import type { SpecVersion } from '../../src/normalize/types.js';

const NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype'] as const;
/** The names in the order definitions and schemes are sorted (UTF-16 code units). */
const SORTED = [...NAMES].sort();

/** An object with exactly these own keys, built without object literals (`{ __proto__: x }` would set the prototype). */
const record = (entries: readonly (readonly [string, unknown])[]): Record<string, unknown> => JSON.parse(JSON.stringify(Object.fromEntries(entries)));
const each = <T>(make: (name: string) => T) => record(NAMES.map((name) => [name, make(name)]));

/** OpenAPI 3.0: every kind of name, six times over. */
function document30(): Record<string, unknown> {
  const schemes = record([
    ['__proto__', { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://as.example.com/token', scopes: each((n) => `scope ${n}`) } } }],
    ['constructor', { type: 'apiKey', in: 'header', name: 'X-Constructor' }],
    ['toString', { type: 'http', scheme: 'bearer' }],
    ['valueOf', { type: 'http', scheme: 'basic' }],
    ['hasOwnProperty', { type: 'apiKey', in: 'query', name: 'hasOwnProperty' }],
    ['prototype', { type: 'apiKey', in: 'cookie', name: 'prototype' }],
  ]);
  const schemas = record([
    ['__proto__', { type: 'object', required: ['__proto__', 'constructor', 'valueOf'], properties: each((n) => ({ $ref: `#/components/schemas/${n}` })) }],
    ...NAMES.filter((n) => n !== '__proto__').map((n) => [n, { type: 'object', properties: record([[n, { type: 'string' }]]), required: [n] }] as const),
  ]);
  return {
    openapi: '3.0.3',
    info: { title: 'Builtins', version: '1' },
    servers: [{ url: 'https://{__proto__}.example.com/{toString}/{constructor}', variables: record([['__proto__', { default: 'eu' }], ['toString', { default: 'v1' }]]) }],
    paths: {
      '/items/{__proto__}/{constructor}': {
        post: {
          operationId: 'make',
          'x-mcp-roles': [...NAMES],
          parameters: [
            { name: '__proto__', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'constructor', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'toString', in: 'query', required: true, schema: { type: 'string' } },
            { name: 'valueOf', in: 'query', schema: { type: 'integer' } },
            { name: '__proto__', in: 'query', schema: { type: 'string' } },
            { name: 'hasOwnProperty', in: 'header', schema: { type: 'string' } },
            { name: 'prototype', in: 'cookie', schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/__proto__' } } } },
          security: [record(NAMES.map((n) => [n, n === '__proto__' ? ['__proto__', 'constructor', 'toString'] : []]))],
          responses: { '200': { description: 'ok' } },
        },
      },
      '/upload': {
        put: {
          operationId: 'upload',
          requestBody: {
            content: {
              'multipart/form-data': {
                schema: { type: 'object', properties: each((n) => (n === 'valueOf' ? { type: 'integer' } : { type: 'string', format: 'binary' })) },
                encoding: record([['constructor', { contentType: 'image/png' }]]),
              },
            },
          },
          security: [record([['__proto__', ['valueOf']]])],
          responses: { '200': { description: 'ok' } },
        },
      },
    },
    components: { schemas, securitySchemes: schemes },
  };
}

/** Swagger 2.0: formData parameters become the properties of a form body. */
function document20(): Record<string, unknown> {
  return {
    swagger: '2.0',
    info: { title: 'Builtins', version: '1' },
    host: 'api.example.com',
    securityDefinitions: record(NAMES.map((n) => [n, { type: 'apiKey', in: 'header', name: `X-${n.replace(/_/g, '')}` }])),
    paths: {
      '/form': {
        post: {
          operationId: 'form',
          consumes: ['multipart/form-data'],
          parameters: NAMES.map((name, index) => ({ name, in: 'formData', type: index % 2 ? 'string' : 'file', ...(index < 3 ? { required: true } : {}) })),
          security: [record(NAMES.map((n) => [n, []]))],
          'x-mcp-roles': ['admin'],
          responses: { '200': { description: 'ok' } },
        },
      },
    },
  };
}

/** Normalize and model a document; returns the model, the issue lines and tools.json as written. */
function generate(version: SpecVersion, document: Record<string, unknown>) {
  const normalized = normalizeSpec({ file: 'spec.json', document, specVersion: version });
  const built = buildModel(normalized.value!, {}, { specFile: 'spec.json' });
  const model = built.value!;
  const issues = [...normalized.issues, ...built.issues];
  const text = `${JSON.stringify(toServerDefinition(model), null, 2)}\n`;
  return { model, lines: issues.map(formatIssue), text, json: JSON.parse(text) as Record<string, any> };
}

describe('#16 names of built-in object properties are plain names', () => {
  const { model, lines, text, json } = generate('3.0', document30());
  const make = json.tools[0];
  const upload = json.tools[1];

  it('#16 reports nothing (every name is legal)', () => {
    expect(lines).toEqual([]);
  });

  it('#16 keeps every parameter as an argument, required ones required, nothing else', () => {
    expect(Object.keys(make.inputSchema.properties)).toEqual(['__proto__', 'constructor', 'toString', 'valueOf', 'query___proto__', 'hasOwnProperty', 'prototype', 'body']);
    expect(make.inputSchema.required).toEqual(['__proto__', 'constructor', 'toString', 'body']);
    expect(make.parameters.map((p: { name: string; argument: string; in: string; required: boolean }) => [p.name, p.argument, p.in, p.required])).toEqual([
      ['__proto__', '__proto__', 'path', true],
      ['constructor', 'constructor', 'path', true],
      ['toString', 'toString', 'query', true],
      ['valueOf', 'valueOf', 'query', false],
      ['__proto__', 'query___proto__', 'query', false],
      ['hasOwnProperty', 'hasOwnProperty', 'header', false],
      ['prototype', 'prototype', 'cookie', false],
    ]);
    expect(make.inputSchema.properties.__proto__).toEqual({ type: 'string' });
    expect(make.inputSchema.properties.body).toEqual({ $ref: '#/$defs/__proto__' });
  });

  it('#16 keeps every component schema as a definition, with its properties and required list', () => {
    expect(Object.keys(json.definitions)).toEqual(SORTED);
    expect(make.definitions).toEqual(SORTED);
    const root = json.definitions.__proto__;
    expect(Object.keys(root.properties)).toEqual([...NAMES]);
    expect(root.required).toEqual(['__proto__', 'constructor', 'valueOf']);
    for (const name of NAMES) {
      expect(root.properties[name]).toEqual({ $ref: `#/$defs/${name}` });
      if (name !== '__proto__') expect(json.definitions[name]).toEqual(JSON.parse(`{"type":"object","properties":{${JSON.stringify(name)}:{"type":"string"}},"required":[${JSON.stringify(name)}]}`));
    }
  });

  it('#16 keeps every security scheme, with distinct variable prefixes, and its scopes', () => {
    expect(Object.keys(json.securitySchemes)).toEqual(SORTED);
    for (const name of NAMES) expect(json.securitySchemes[name].name).toBe(name);
    expect(SORTED.map((n) => json.securitySchemes[n].envPrefix)).toEqual([
      'UPSTREAM_PROTO', 'UPSTREAM_CONSTRUCTOR', 'UPSTREAM_HAS_OWN_PROPERTY', 'UPSTREAM_PROTOTYPE', 'UPSTREAM_TO_STRING', 'UPSTREAM_VALUE_OF',
    ]);
    expect(json.securitySchemes.__proto__.scopes).toEqual(['__proto__', 'constructor', 'toString', 'valueOf']);
    expect(make.scopes).toEqual([['__proto__', 'constructor', 'toString']]);
    expect(make.upstreamSecurity).toEqual([[...NAMES]]);
    expect(json.scopes).toEqual(['__proto__', 'constructor', 'toString', 'valueOf']);
    expect(model.scopes.map((scope) => [scope.name, scope.description, scope.schemes])).toEqual(
      ['__proto__', 'constructor', 'toString', 'valueOf'].map((n) => [n, `scope ${n}`, ['__proto__']]),
    );
  });

  it('#16 keeps roles, server variables and multipart parts named like built-ins', () => {
    expect(make.roles).toEqual(SORTED);
    expect(json.roles).toEqual(SORTED);
    // Declared variables take their defaults; `{constructor}` is not declared and stays as written.
    expect(json.baseUrl).toBe('https://eu.example.com/v1/{constructor}');
    expect(Object.keys(upload.inputSchema.properties.body.properties)).toEqual([...NAMES]);
    expect(upload.body.properties).toEqual(
      record(SORTED.filter((n) => n !== 'valueOf').map((n) => [n, { contentType: n === 'constructor' ? 'image/png' : 'application/octet-stream' }])),
    );
    expect(Object.keys(upload.body.properties)).toEqual(SORTED.filter((n) => n !== 'valueOf'));
  });

  it('#16 generates the same tools.json on every run', () => {
    expect(generate('3.0', document30()).text).toBe(text);
  });

  it('#16 Swagger 2.0 formData parameters and security definitions named like built-ins', () => {
    const first = generate('2.0', document20());
    const form = first.json.tools[0];
    expect(first.lines).toEqual([]);
    expect(Object.keys(form.inputSchema.properties)).toEqual(['body']);
    const body = form.inputSchema.properties.body;
    expect(Object.keys(body.properties)).toEqual([...NAMES]);
    expect(body.required).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.keys(form.body.properties)).toEqual(['__proto__', 'toString', 'hasOwnProperty'].sort());
    expect(Object.keys(first.json.securitySchemes)).toEqual(SORTED);
    expect(form.upstreamSecurity).toEqual([[...NAMES]]);
    expect(generate('2.0', document20()).text).toBe(first.text);
  });

  it('#16 a requirement naming an undeclared built-in is an unknown scheme', () => {
    const document = document30();
    const schemes = (document.components as Record<string, Record<string, unknown>>).securitySchemes!;
    for (const name of ['toString', 'valueOf', 'hasOwnProperty']) delete schemes[name];
    const { lines: found } = generate('3.0', document);
    const at = '#/paths/~1items~1{__proto__}~1{constructor}/post/security/0';
    expect(found.filter((line) => line.endsWith('[ERR_SPEC_UNKNOWN_SCHEME]'))).toEqual(
      ['toString', 'valueOf', 'hasOwnProperty'].map(
        (n) => `spec.json${at}/${n}: security scheme "${n}" is not declared. Declare it under #/components/securitySchemes, or use one of the declared schemes: "__proto__", "constructor", "prototype". [ERR_SPEC_UNKNOWN_SCHEME]`,
      ),
    );
  });

  it('#16 diff flags a new upstream scheme even when it is named like a built-in', () => {
    const before = summarizeModel(generate('3.0', { ...document30(), paths: {} }).model);
    const after = summarizeModel(model);
    expect(Object.keys(before.securitySchemes)).toEqual([]);
    expect(diffModels(before, after).filter((c) => c.kind === 'new-upstream-scheme').map((c) => c.subject)).toEqual(SORTED);
  });
});
