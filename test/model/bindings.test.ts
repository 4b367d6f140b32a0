/**
 * #11: arguments bound to the caller's claims at generate time — `x-mcp-bind` on every parameter kind and on a
 * top-level JSON body property, the config's `bind` with selectors, located errors for bad claim paths and for
 * bindings that cannot apply, and the published input schema without the bound arguments.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { ConfigError, formatIssue } from '../../src/errors.js';
import { buildModel } from '../../src/model/build-model.js';
import { normalizeSpec } from '../../src/normalize/normalize-spec.js';
import { toServerDefinition } from '../../src/emit/emit-server.js';
import { summarizeModel } from '../../src/emit/manifest.js';
import { diffModels } from '../../src/diff/diff-models.js';

const ok = { responses: { '200': { description: 'ok' } } };

function generate(paths: Record<string, unknown>, config: unknown = {}, components: Record<string, unknown> = {}) {
  const document = { openapi: '3.1.0', info: { title: 'T', version: '1' }, servers: [{ url: 'https://api.example.com' }], paths, components };
  const normalized = normalizeSpec({ file: 'spec.yaml', document, specVersion: '3.1' });
  const built = buildModel(normalized.value!, parseConfig(config, 'portcullis.yaml'), { specFile: 'spec.yaml' });
  const model = built.value!;
  const issues = [...normalized.issues, ...built.issues];
  return { model, lines: issues.filter((issue) => issue.code !== 'WARN_SPEC_UNPROTECTED_WRITE').map(formatIssue), tool: (name: string) => model.tools.find((tool) => tool.name === name)! };
}

const TICKET = {
  type: 'object',
  required: ['subject', 'tenantId'],
  properties: { subject: { type: 'string' }, tenantId: { type: 'string', 'x-mcp-bind': 'org.id' }, priority: { type: 'integer' } },
  additionalProperties: false,
};

describe('#11 x-mcp-bind in the spec', () => {
  it('#11 binds path, query, header and cookie parameters and leaves them out of the published schema', () => {
    const { model, lines, tool } = generate({
      '/t/{tenant}/items': {
        get: {
          operationId: 'listItems',
          parameters: [
            { name: 'tenant', in: 'path', required: true, schema: { type: 'string' }, 'x-mcp-bind': 'tenant' },
            { name: 'owner', in: 'query', schema: { type: 'string' }, 'x-mcp-bind': 'sub' },
            { name: 'X-Org', in: 'header', schema: { type: 'integer' }, 'x-mcp-bind': 'org.id' },
            { name: 'region', in: 'cookie', schema: { type: 'string' }, 'x-mcp-bind': 'https://example.com/region' },
            { name: 'limit', in: 'query', schema: { type: 'integer' } },
          ],
          ...ok,
        },
      },
    });
    expect(lines).toEqual([]);
    const listItems = tool('listItems');
    expect(listItems.inputSchema).toEqual({ type: 'object', properties: { limit: { type: 'integer' } }, additionalProperties: false });
    expect(listItems.bindings.map(({ argument, claim, from }) => [argument, claim, from])).toEqual([
      ['X-Org', 'org.id', 'spec'],
      ['owner', 'sub', 'spec'],
      ['region', 'https://example.com/region', 'spec'],
      ['tenant', 'tenant', 'spec'],
    ]);
    expect(Object.keys(listItems.boundInputSchema!.properties as object)).toEqual(['tenant', 'owner', 'limit', 'X-Org', 'region']);
    expect(listItems.boundInputSchema!.required).toEqual(['tenant']);
    const tools = toServerDefinition(model).tools;
    expect(tools[0]!.bindings).toEqual([
      { argument: 'X-Org', claim: 'org.id' },
      { argument: 'owner', claim: 'sub' },
      { argument: 'region', claim: 'https://example.com/region' },
      { argument: 'tenant', claim: 'tenant' },
    ]);
  });

  it('#11 binds a top-level property of a JSON body ($ref to a shared schema): out of the published body, typed for conversion', () => {
    const { model, lines, tool } = generate(
      { '/tickets': { post: { operationId: 'createTicket', requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Ticket' } } } }, ...ok } } },
      {},
      { schemas: { Ticket: { ...TICKET, properties: { ...TICKET.properties, priority: { type: 'integer', 'x-mcp-bind': 'prio' } } } } },
    );
    expect(lines).toEqual([]);
    const createTicket = tool('createTicket');
    expect(createTicket.inputSchema.properties).toEqual({
      body: { type: 'object', required: ['subject'], properties: { subject: { type: 'string' } }, additionalProperties: false },
    });
    // The shared definition (which names the bound properties) is not published with the tool.
    expect(createTicket.definitions).toEqual([]);
    expect(createTicket.boundDefinitions).toEqual(['Ticket']);
    expect(createTicket.bindings.map(({ argument, property, claim, type }) => [argument, property, claim, type])).toEqual([
      ['body', 'priority', 'prio', 'integer'],
      ['body', 'tenantId', 'org.id', 'string'],
    ]);
    expect(JSON.stringify(toServerDefinition(model).tools[0]!.inputSchema)).not.toContain('tenantId');
  });

  it('#11 refuses bad claim paths, located', () => {
    const { lines } = generate({
      '/a': {
        get: {
          operationId: 'a',
          parameters: [
            { name: 'p1', in: 'query', schema: { type: 'string' }, 'x-mcp-bind': '' },
            { name: 'p2', in: 'query', schema: { type: 'string' }, 'x-mcp-bind': 'org id' },
            { name: 'p3', in: 'query', schema: { type: 'string' }, 'x-mcp-bind': 42 },
            { name: 'p4', in: 'query', schema: { type: 'string' }, 'x-mcp-bind': 'org..id' },
            { name: 'p5', in: 'query', schema: { type: 'string' }, 'x-mcp-bind': 'x'.repeat(201) },
          ],
          ...ok,
        },
      },
    });
    expect(lines).toEqual([
      'spec.yaml#/paths/~1a/get/parameters/0/x-mcp-bind: x-mcp-bind: the claim path "" is empty. Name a claim of the access token, or a dotted path into nested claims, e.g. tenant or org.id. Use printable ASCII without spaces. [ERR_SPEC_EXTENSION]',
      'spec.yaml#/paths/~1a/get/parameters/1/x-mcp-bind: x-mcp-bind: the claim path "org id" contains " " (a space). Name a claim of the access token, or a dotted path into nested claims, e.g. tenant or org.id. Use printable ASCII without spaces. [ERR_SPEC_EXTENSION]',
      'spec.yaml#/paths/~1a/get/parameters/2/x-mcp-bind: x-mcp-bind: the claim path must be a string, not number. Name a claim of the access token, or a dotted path into nested claims, e.g. tenant or org.id. [ERR_SPEC_EXTENSION]',
      'spec.yaml#/paths/~1a/get/parameters/3/x-mcp-bind: x-mcp-bind: the claim path "org..id" has an empty segment. Name a claim of the access token, or a dotted path into nested claims, e.g. tenant or org.id. Remove the stray ".". [ERR_SPEC_EXTENSION]',
      'spec.yaml#/paths/~1a/get/parameters/4/x-mcp-bind: x-mcp-bind: the claim path is 201 characters long, more than 200. Name a claim of the access token, or a dotted path into nested claims, e.g. tenant or org.id. [ERR_SPEC_EXTENSION]',
    ]);
  });

  it('#11 refuses x-mcp-bind where it cannot apply: operation, nested property, response, form body, Authorization header', () => {
    const nested = { type: 'object', properties: { inner: { type: 'object', properties: { tenantId: { type: 'string', 'x-mcp-bind': 'tenant' } } } } };
    const { lines } = generate({
      '/a': {
        post: {
          operationId: 'a',
          'x-mcp-bind': 'tenant',
          parameters: [{ name: 'Authorization', in: 'header', schema: { type: 'string' }, 'x-mcp-bind': 'sub' }],
          requestBody: { content: { 'application/json': { schema: nested } } },
          responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'string', 'x-mcp-bind': 'sub' } } } } } } },
        },
      },
      '/b': {
        post: {
          operationId: 'b',
          requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { tenantId: { type: 'string', 'x-mcp-bind': 'tenant' } } } } } },
          ...ok,
        },
      },
    });
    expect(lines).toEqual([
      'spec.yaml#/paths/~1a/post/x-mcp-bind: x-mcp-bind is not read here, so it would have no effect. portcullis reads x-mcp-bind only on parameters and the top-level properties of a JSON request body schema: move it there. [ERR_SPEC_EXTENSION]',
      'spec.yaml#/paths/~1a/post/requestBody/content/application~1json/schema/properties/inner/properties/tenantId/x-mcp-bind: x-mcp-bind cannot apply here: only parameters and the top-level properties of a JSON request body schema are bound. Move it to a top-level property of the request body schema (or to a parameter), or remove it. [ERR_SPEC_EXTENSION]',
      'spec.yaml#/paths/~1a/post/responses/200/content/application~1json/schema/properties/id/x-mcp-bind: x-mcp-bind cannot apply here: only parameters and the top-level properties of a JSON request body schema are bound. Move it to a top-level property of the request body schema (or to a parameter), or remove it. [ERR_SPEC_EXTENSION]',
      'spec.yaml#/paths/~1b/post/requestBody/content/application~1x-www-form-urlencoded/schema/properties/tenantId/x-mcp-bind: x-mcp-bind cannot apply here: only parameters and the top-level properties of a JSON request body schema are bound. Move it to a top-level property of the request body schema (or to a parameter), or remove it. [ERR_SPEC_EXTENSION]',
      'spec.yaml#/paths/~1a/post/parameters/0/x-mcp-bind: x-mcp-bind cannot apply to the header parameter "Authorization": it is no tool argument (the server sets it). Remove x-mcp-bind from it. [ERR_SPEC_EXTENSION]',
    ]);
  });

  it('#11 refuses x-mcp-bind on a Swagger 2.0 body parameter, located', () => {
    const document = {
      swagger: '2.0',
      info: { title: 'T', version: '1' },
      paths: { '/a': { post: { operationId: 'a', parameters: [{ name: 'payload', in: 'body', schema: { type: 'object' }, 'x-mcp-bind': 'sub' }], ...ok } } },
    };
    const { issues } = normalizeSpec({ file: 'spec.json', document, specVersion: '2.0' });
    expect(issues.map(formatIssue)).toEqual([
      'spec.json#/paths/~1a/post/parameters/0/x-mcp-bind: x-mcp-bind cannot apply to an in: body parameter: it binds path, query and header parameters and the top-level properties of a JSON body. Put x-mcp-bind on a property of the body schema instead. [ERR_SPEC_EXTENSION]',
    ]);
  });

  it('#11 a misspelled x-mcp-bind is an error', () => {
    const { lines } = generate({ '/a': { get: { operationId: 'a', parameters: [{ name: 'p', in: 'query', schema: { type: 'string' }, 'x-mcp-bnd': 'sub' }], ...ok } } });
    expect(lines).toEqual([
      'spec.yaml#/paths/~1a/get/parameters/0/x-mcp-bnd: unknown extension "x-mcp-bnd" is close to "x-mcp-bind", which portcullis reads on parameters and the top-level properties of a JSON request body schema. Did you mean "x-mcp-bind"? Rename it. [ERR_SPEC_EXTENSION]',
    ]);
  });
});

describe('#11 bind in the config', () => {
  const paths = {
    '/t/{tenantId}/items': {
      get: { operationId: 'listItems', tags: ['items'], parameters: [{ name: 'tenantId', in: 'path', required: true, schema: { type: 'string' }, 'x-mcp-bind': 'tenant' }], ...ok },
      post: {
        operationId: 'createItem',
        tags: ['items'],
        parameters: [{ name: 'tenantId', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { ownerId: { type: 'string' }, name: { type: 'string' } } } } } },
        ...ok,
      },
    },
    '/admin/{tenantId}': { get: { operationId: 'adminView', tags: ['admin'], parameters: [{ name: 'tenantId', in: 'path', required: true, schema: { type: 'string' } }], ...ok } },
  };

  it('#11 applies wherever the name occurs, narrowed by a selector, and wins over the spec (reported)', () => {
    const { tool, lines } = generate(paths, { bind: { tenantId: { claim: 'org.id', tags: ['items'] }, ownerId: 'sub', nowhere: 'x' } });
    expect(tool('listItems').bindings.map(({ argument, claim, from, source }) => [argument, claim, from, source])).toEqual([['tenantId', 'org.id', 'config', '#/bind/tenantId']]);
    expect(tool('createItem').bindings.map(({ argument, property, claim }) => [argument, property, claim])).toEqual([
      ['body', 'ownerId', 'sub'],
      ['tenantId', undefined, 'org.id'],
    ]);
    expect(tool('createItem').inputSchema.properties).toEqual({ body: { type: 'object', properties: { name: { type: 'string' } } } });
    // The admin tool is outside the selector: its tenantId stays an argument.
    expect(tool('adminView').bindings).toEqual([]);
    expect(Object.keys(tool('adminView').inputSchema.properties as object)).toEqual(['tenantId']);
    expect(lines).toEqual([
      'warning: portcullis.yaml#/bind/tenantId: bind entry "tenantId" (claim org.id) overrides x-mcp-bind: tenant at #/paths/~1t~1{tenantId}~1items/get/parameters/0/x-mcp-bind for GET /t/{tenantId}/items. The config wins; align the two, or narrow the entry with a selector. [WARN_CONFIG_OVERRIDES_SPEC]',
      'warning: portcullis.yaml#/bind/nowhere: bind entry "nowhere" matches no parameter or top-level JSON body property of any tool. Check the name (as written in the spec) and its selector, or remove the entry. [WARN_CONFIG_UNUSED]',
    ]);
  });

  it('#11 refuses a malformed bind map, located', () => {
    let error: unknown;
    try {
      parseConfig({ bind: { a: 'has space', b: { claim: '', tag: ['x'] }, c: 3, d: { tags: ['x'] } } }, 'portcullis.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map(formatIssue)).toEqual([
      'portcullis.yaml#/bind/a: the claim path "has space" contains " " (a space). Name a claim of the access token, or a dotted path into nested claims, e.g. tenant or org.id. Use printable ASCII without spaces. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/bind/b/tag: unknown key "tag". Allowed keys: claim, tags, operations, paths, methods. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/bind/b/claim: the claim path "" is empty. Name a claim of the access token, or a dotted path into nested claims, e.g. tenant or org.id. Use printable ASCII without spaces. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/bind/c: must be a claim path, or an object with claim and a selector (tags, operations, paths, methods). For example bind: { tenantId: org.id, ownerId: { claim: sub, tags: [tickets] } }. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/bind/d/claim: missing: the claim path the value is taken from. For example bind: { tenantId: org.id, ownerId: { claim: sub, tags: [tickets] } }. [ERR_CONFIG_INVALID]',
    ]);
  });
});

describe('#11 diff', () => {
  it('#11 flags a removed or changed binding as security-relevant and lists an added one', () => {
    const path = (bind: string | undefined) => ({
      '/t/{tenantId}': { get: { operationId: 'view', parameters: [{ name: 'tenantId', in: 'path', required: true, schema: { type: 'string' }, ...(bind ? { 'x-mcp-bind': bind } : {}) }], ...ok } },
    });
    const summary = (bind: string | undefined) => summarizeModel(generate(path(bind)).model);
    const kinds = (a: string | undefined, b: string | undefined) => diffModels(summary(a), summary(b)).map(({ kind, security, message }) => [kind, security, message]);
    expect(kinds(undefined, 'tenant')).toEqual([
      ['field-removed', false, 'tool view: field tenantId removed'],
      ['binding-added', false, 'tool view: tenantId now bound to the claim tenant (no longer chosen by the model)'],
    ]);
    expect(kinds('tenant', 'org.id')).toEqual([['binding-changed', true, 'tool view: tenantId bound to the claim org.id, was tenant']]);
    expect(kinds('tenant', undefined)).toEqual([
      ['field-added', false, 'tool view: field tenantId added (required)'],
      ['binding-removed', true, 'tool view: tenantId no longer bound to the claim tenant: the model may now choose it'],
    ]);
  });
});
