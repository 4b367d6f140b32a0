/**
 * normalizeSpec, table-driven: a small document in, the expected fragment of the NormalizedSpec (and the
 * formatted issues) out, compared as objects. Each version has its own table; shared behaviour is checked on all.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/errors.js';
import { normalizeSpec } from '../../src/normalize/normalize-spec.js';
import type { NormalizedSpec, SpecVersion } from '../../src/normalize/types.js';

interface Case {
  readonly name: string;
  /** The document without `openapi`/`swagger`/`info` (added per version). */
  readonly document: Record<string, unknown>;
  readonly pick: (spec: NormalizedSpec) => unknown;
  readonly expected: unknown;
  /** Formatted issues; none when absent. */
  readonly issues?: readonly string[];
}

const HEADERS: Record<SpecVersion, Record<string, unknown>> = {
  '2.0': { swagger: '2.0', info: { title: 'T', version: '1' } },
  '3.0': { openapi: '3.0.3', info: { title: 'T', version: '1' } },
  '3.1': { openapi: '3.1.0', info: { title: 'T', version: '1' } },
};

function normalize(version: SpecVersion, document: Record<string, unknown>) {
  return normalizeSpec({ file: 'spec.yaml', document: { ...HEADERS[version], ...document }, specVersion: version });
}

function run(version: SpecVersion, cases: readonly Case[]): void {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { value: spec, issues } = normalize(version, c.document);
    expect(c.pick(spec!)).toEqual(c.expected);
    expect(issues.map(formatIssue)).toEqual(c.issues ?? []);
  });
}

const ok = { responses: { '200': { description: 'ok' } } };
const op = (spec: NormalizedSpec, index = 0) => spec.operations[index]!;
const params = (spec: NormalizedSpec, index = 0) => op(spec, index).parameters;

/** Behaviour every version shares, written once with the version's own parameter syntax. */
function shared(version: SpecVersion): Case[] {
  const stringParam = (name: string, location: string, extra: Record<string, unknown> = {}) =>
    version === '2.0'
      ? { name, in: location, type: 'string', ...(location === 'path' ? { required: true } : {}), ...extra }
      : { name, in: location, schema: { type: 'string' }, ...(location === 'path' ? { required: true } : {}), ...extra };
  const securityAt = version === '2.0' ? '#/securityDefinitions' : '#/components/securitySchemes';
  const oauth =
    version === '2.0'
      ? { securityDefinitions: { oauth: { type: 'oauth2', flow: 'application', tokenUrl: 'https://a/t', scopes: { read: 'Read' } }, key: { type: 'apiKey', in: 'header', name: 'K' } } }
      : { components: { securitySchemes: { oauth: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://a/t', scopes: { read: 'Read' } } } }, key: { type: 'apiKey', in: 'header', name: 'K' } } } };
  const scopesAt = version === '2.0' ? '#/securityDefinitions/oauth/scopes' : '#/components/securitySchemes/oauth/flows/clientCredentials/scopes';

  return [
    {
      name: 'operations in document order, methods in OpenAPI order',
      document: {
        paths: {
          '/b': { post: ok, get: ok, patch: ok, delete: ok, put: ok, head: ok, options: ok, 'x-note': 1 },
          '/a': { get: ok },
        },
      },
      pick: (spec) => spec.operations.map((o) => `${o.method} ${o.path} ${o.source}`),
      expected: [
        'GET /b #/paths/~1b/get',
        'PUT /b #/paths/~1b/put',
        'POST /b #/paths/~1b/post',
        'DELETE /b #/paths/~1b/delete',
        'OPTIONS /b #/paths/~1b/options',
        'HEAD /b #/paths/~1b/head',
        'PATCH /b #/paths/~1b/patch',
        'GET /a #/paths/~1a/get',
      ],
    },
    {
      name: 'operation fields, with defaults',
      document: {
        paths: {
          '/a': {
            get: { operationId: 'getA', summary: 'S', description: 'D', tags: ['t1', 't2'], deprecated: true, ...ok },
            put: ok,
          },
        },
      },
      pick: (spec) => spec.operations.map(({ parameters, extensions, source, ...rest }) => rest),
      expected: [
        { method: 'GET', path: '/a', operationId: 'getA', summary: 'S', description: 'D', tags: ['t1', 't2'], deprecated: true },
        { method: 'PUT', path: '/a', tags: [], deprecated: false },
      ],
    },
    {
      name: 'path-item and operation parameters merged, the operation winning on name+in',
      document: {
        paths: {
          '/a/{id}': {
            parameters: [stringParam('id', 'path'), stringParam('q', 'query'), stringParam('q', 'header')],
            get: { parameters: [stringParam('q', 'query', { description: 'mine' }), stringParam('r', 'query')], ...ok },
          },
        },
      },
      pick: (spec) => params(spec).map((p) => `${p.in} ${p.name} ${p.description ?? ''} ${p.source}`),
      expected: [
        'path id  #/paths/~1a~1{id}/parameters/0',
        'query q mine #/paths/~1a~1{id}/get/parameters/0',
        'header q  #/paths/~1a~1{id}/parameters/2',
        'query r  #/paths/~1a~1{id}/get/parameters/1',
      ],
    },
    {
      name: 'parameter $refs resolved: source at the use, schema where it is written',
      document: {
        paths: { '/a': { get: { parameters: [{ $ref: version === '2.0' ? '#/parameters/q' : '#/components/parameters/q' }], ...ok } } },
        ...(version === '2.0' ? { parameters: { q: stringParam('q', 'query') } } : { components: { parameters: { q: stringParam('q', 'query') } } }),
      },
      pick: (spec) => [params(spec)[0]!.source, params(spec)[0]!.schema],
      expected:
        version === '2.0'
          ? ['#/paths/~1a/get/parameters/0', { schema: { type: 'string' }, source: '#/parameters/q' }]
          : ['#/paths/~1a/get/parameters/0', { schema: { type: 'string' }, source: '#/components/parameters/q/schema' }],
    },
    {
      name: 'a parameter $ref cycle is an error',
      document: {
        paths: { '/a': { get: { parameters: [{ $ref: '#/x/p1' }], ...ok } } },
        x: { p1: { $ref: '#/x/p2' }, p2: { $ref: '#/x/p1' } },
      },
      pick: (spec) => params(spec),
      expected: [],
      issues: ['spec.yaml#/x/p2: $ref "#/x/p1" is part of a $ref cycle. Point it at a parameter in this document. [ERR_SPEC_REF]'],
    },
    {
      name: 'path template checked against path parameters (each problem once)',
      document: {
        paths: {
          '/a/{id}/{other}': {
            parameters: [stringParam('id', 'path'), stringParam('stray', 'path')],
            get: ok,
            put: { parameters: [stringParam('other', 'path')], ...ok },
          },
        },
      },
      pick: (spec) => spec.operations.length,
      expected: 2,
      issues: [
        'spec.yaml#/paths/~1a~1{id}~1{other}/get: {other} in the path template "/a/{id}/{other}" is not declared as a path parameter. Declare "other" under parameters (in: path, required: true), here or on the path item. [ERR_SPEC_PATH_PARAMETER]',
        'warning: spec.yaml#/paths/~1a~1{id}~1{other}/parameters/1: path parameter "stray" does not appear in the path template "/a/{id}/{other}". Remove the parameter, or add {stray} to the path. [WARN_SPEC_PATH_PARAMETER]',
      ],
    },
    {
      name: 'security: absent, public ([]) and required are told apart',
      document: {
        ...oauth,
        paths: {
          '/a': {
            get: ok,
            put: { security: [], ...ok },
            post: { security: [{ oauth: ['read'] }, { oauth: [], key: [] }], ...ok },
          },
        },
      },
      pick: (spec) => [spec.security, ...spec.operations.map((o) => o.security)],
      expected: [
        undefined,
        undefined,
        [],
        [
          { schemes: [{ scheme: 'oauth', scopes: ['read'] }], source: '#/paths/~1a/post/security/0' },
          {
            schemes: [
              { scheme: 'oauth', scopes: [] },
              { scheme: 'key', scopes: [] },
            ],
            source: '#/paths/~1a/post/security/1',
          },
        ],
      ],
    },
    {
      name: 'document-level security',
      document: { ...oauth, security: [{ key: [] }], paths: {} },
      pick: (spec) => spec.security,
      expected: [{ schemes: [{ scheme: 'key', scopes: [] }], source: '#/security/0' }],
    },
    {
      name: 'an undeclared scheme is an error, an undeclared scope a warning',
      document: {
        ...oauth,
        security: [{ oauht: [] }],
        paths: { '/a': { get: { security: [{ oauth: ['read', 'write'], key: ['anything'] }], ...ok } } },
      },
      pick: (spec) => op(spec).security,
      expected: [
        {
          schemes: [
            { scheme: 'oauth', scopes: ['read', 'write'] },
            { scheme: 'key', scopes: ['anything'] },
          ],
          source: '#/paths/~1a/get/security/0',
        },
      ],
      issues: [
        `spec.yaml#/security/0/oauht: security scheme "oauht" is not declared. Declare it under ${securityAt}, or use one of the declared schemes: "oauth", "key". [ERR_SPEC_UNKNOWN_SCHEME]`,
        `warning: spec.yaml#/paths/~1a/get/security/0/oauth: scope "write" is not declared. Declare it under ${scopesAt} or remove it here. [WARN_SPEC_UNKNOWN_SCOPE]`,
      ],
    },
    {
      name: 'a scheme named when none is declared',
      document: { paths: { '/a': { get: { security: [{ auth: [] }], ...ok } } } },
      pick: (spec) => spec.securitySchemes,
      expected: {},
      issues: [
        `spec.yaml#/paths/~1a/get/security/0/auth: security scheme "auth" is not declared. No security schemes are declared; declare "auth" under ${securityAt}. [ERR_SPEC_UNKNOWN_SCHEME]`,
      ],
    },
    {
      name: 'extensions: the document\'s, and the path item\'s overridden by the operation\'s',
      document: {
        'x-root': { a: 1 },
        paths: { 'x-paths': true, '/a': { 'x-both': 'item', 'x-item': 1, get: { 'x-both': 'operation', ...ok } } },
      },
      pick: (spec) => [spec.extensions, op(spec).extensions],
      expected: [{ 'x-root': { a: 1 } }, { 'x-both': 'operation', 'x-item': 1 }],
    },
    {
      name: 'info and the schema dialect of the version',
      document: { info: { title: 'Pets', version: '2.1', description: 'All pets' }, paths: {} },
      pick: (spec) => [spec.specVersion, spec.schemaDialect, spec.info],
      expected: [version, { '2.0': 'openapi-2.0', '3.0': 'openapi-3.0', '3.1': 'json-schema-2020-12' }[version], { title: 'Pets', version: '2.1', description: 'All pets' }],
    },
  ];
}

describe('normalizeSpec: OpenAPI 3.0', () => {
  run('3.0', shared('3.0'));
  run('3.0', [
    {
      name: 'style and explode defaults per location',
      document: {
        paths: {
          '/a/{p}': {
            get: {
              parameters: [
                { name: 'p', in: 'path', required: true, schema: { type: 'array', items: { type: 'string' } } },
                { name: 'q', in: 'query', schema: { type: 'string' } },
                { name: 'h', in: 'header', schema: { type: 'string' } },
                { name: 'c', in: 'cookie', schema: { type: 'string' } },
                { name: 'd', in: 'query', style: 'deepObject', schema: { type: 'object' } },
                { name: 'e', in: 'query', explode: false, allowReserved: true, deprecated: true, schema: { type: 'string' } },
              ],
              ...ok,
            },
          },
        },
      },
      pick: (spec) => params(spec).map((p) => [p.name, p.style, p.explode, p.required, p.allowReserved, p.deprecated]),
      expected: [
        ['p', 'simple', false, true, false, false],
        ['q', 'form', true, false, false, false],
        ['h', 'simple', false, false, false, false],
        ['c', 'form', true, false, false, false],
        ['d', 'deepObject', false, false, false, false],
        ['e', 'form', false, false, true, true],
      ],
    },
    {
      name: 'a content parameter: the schema of its media type, and the media type',
      document: {
        paths: {
          '/a': {
            get: {
              parameters: [{ name: 'filter', in: 'query', required: true, content: { 'application/json': { schema: { type: 'object' } } } }],
              ...ok,
            },
          },
        },
      },
      pick: (spec) => params(spec)[0],
      expected: {
        name: 'filter',
        in: 'query',
        required: true,
        deprecated: false,
        style: 'form',
        explode: true,
        allowReserved: false,
        schema: { schema: { type: 'object' }, source: '#/paths/~1a/get/parameters/0/content/application~1json/schema' },
        contentType: 'application/json',
        source: '#/paths/~1a/get/parameters/0',
      },
    },
    {
      name: 'request body: $ref resolved, media types in order with schema and encoding',
      document: {
        paths: { '/a': { post: { requestBody: { $ref: '#/components/requestBodies/Pet' }, ...ok } } },
        components: {
          requestBodies: {
            Pet: {
              description: 'A pet',
              required: true,
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/Pet' } },
                'multipart/form-data': {
                  schema: { type: 'object' },
                  encoding: { photo: { contentType: 'image/png' }, tags: { style: 'form', explode: false } },
                },
                'text/plain': {},
              },
            },
          },
          schemas: { Pet: { type: 'object' } },
        },
      },
      pick: (spec) => op(spec).requestBody,
      expected: {
        description: 'A pet',
        required: true,
        content: [
          {
            mediaType: 'application/json',
            schema: { schema: { $ref: '#/components/schemas/Pet' }, source: '#/components/requestBodies/Pet/content/application~1json/schema' },
            source: '#/components/requestBodies/Pet/content/application~1json',
          },
          {
            mediaType: 'multipart/form-data',
            schema: { schema: { type: 'object' }, source: '#/components/requestBodies/Pet/content/multipart~1form-data/schema' },
            encoding: { photo: { contentType: 'image/png' }, tags: { style: 'form', explode: false } },
            source: '#/components/requestBodies/Pet/content/multipart~1form-data',
          },
          { mediaType: 'text/plain', source: '#/components/requestBodies/Pet/content/text~1plain' },
        ],
        source: '#/paths/~1a/post/requestBody',
      },
    },
    {
      name: 'servers with variables; "/" when there are none; path-item and operation overrides',
      document: {
        servers: [
          { url: 'https://{region}.example.com/{version}', description: 'Main', variables: { region: { default: 'eu', enum: ['eu', 'us'] }, version: { default: 'v1' } } },
        ],
        paths: {
          '/a': { servers: [{ url: 'https://item.example.com' }], get: ok, put: { servers: [{ url: 'https://op.example.com' }], ...ok } },
          '/b': { get: ok },
        },
      },
      pick: (spec) => [spec.servers, ...spec.operations.map((o) => o.servers)],
      expected: [
        [
          {
            url: 'https://{region}.example.com/{version}',
            description: 'Main',
            variables: { region: { default: 'eu', enum: ['eu', 'us'] }, version: { default: 'v1' } },
          },
        ],
        [{ url: 'https://item.example.com', variables: {} }],
        [{ url: 'https://op.example.com', variables: {} }],
        undefined,
      ],
    },
    {
      name: 'no servers means the host serving the document',
      document: { servers: [], paths: {} },
      pick: (spec) => spec.servers,
      expected: [{ url: '/', variables: {} }],
    },
    {
      name: 'security schemes of every type, in document order, $refs followed',
      document: {
        paths: {},
        components: {
          securitySchemes: {
            key: { type: 'apiKey', in: 'cookie', name: 'session', description: 'Cookie' },
            bearer: { type: 'http', scheme: 'Bearer', bearerFormat: 'JWT' },
            basic: { type: 'http', scheme: 'basic' },
            oidc: { type: 'openIdConnect', openIdConnectUrl: 'https://a/.well-known/openid-configuration' },
            oauth: {
              type: 'oauth2',
              flows: {
                authorizationCode: { authorizationUrl: 'https://a/authorize', tokenUrl: 'https://a/token', refreshUrl: 'https://a/refresh', scopes: { read: 'Read' } },
                implicit: { authorizationUrl: 'https://a/authorize', scopes: {} },
              },
            },
            alias: { $ref: '#/components/securitySchemes/basic' },
          },
        },
      },
      pick: (spec) => spec.securitySchemes,
      expected: {
        key: { name: 'key', description: 'Cookie', source: '#/components/securitySchemes/key', type: 'apiKey', in: 'cookie', parameterName: 'session' },
        bearer: { name: 'bearer', source: '#/components/securitySchemes/bearer', type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        basic: { name: 'basic', source: '#/components/securitySchemes/basic', type: 'http', scheme: 'basic' },
        oidc: { name: 'oidc', source: '#/components/securitySchemes/oidc', type: 'openIdConnect', openIdConnectUrl: 'https://a/.well-known/openid-configuration' },
        oauth: {
          name: 'oauth',
          source: '#/components/securitySchemes/oauth',
          type: 'oauth2',
          flows: [
            { flow: 'authorizationCode', authorizationUrl: 'https://a/authorize', tokenUrl: 'https://a/token', refreshUrl: 'https://a/refresh', scopes: { read: 'Read' } },
            { flow: 'implicit', authorizationUrl: 'https://a/authorize', scopes: {} },
          ],
        },
        alias: { name: 'alias', source: '#/components/securitySchemes/alias', type: 'http', scheme: 'basic' },
      },
    },
  ]);
});

describe('normalizeSpec: OpenAPI 3.1', () => {
  run('3.1', shared('3.1'));
  run('3.1', [
    {
      name: 'no paths, and webhooks ignored',
      document: { webhooks: { newPet: { post: ok } }, components: { schemas: {} } },
      pick: (spec) => spec.operations,
      expected: [],
    },
    {
      name: 'a path item $ref: operations point where they are written, own fields win',
      document: {
        paths: { '/a': { $ref: '#/components/pathItems/A', summary: 'mine', 'x-own': 1 } },
        components: { pathItems: { A: { 'x-own': 0, 'x-shared': 2, get: ok } } },
      },
      pick: (spec) => [op(spec).source, op(spec).extensions],
      expected: ['#/components/pathItems/A/get', { 'x-own': 1, 'x-shared': 2 }],
    },
    {
      name: 'mutualTLS and scopes on non-OAuth schemes (roles, not checked)',
      document: {
        components: { securitySchemes: { mtls: { type: 'mutualTLS' }, key: { type: 'apiKey', in: 'header', name: 'K' } } },
        security: [{ mtls: [], key: ['admin'] }],
      },
      pick: (spec) => [spec.securitySchemes.mtls, spec.security],
      expected: [
        { name: 'mtls', source: '#/components/securitySchemes/mtls', type: 'mutualTLS' },
        [{ schemes: [{ scheme: 'mtls', scopes: [] }, { scheme: 'key', scopes: ['admin'] }], source: '#/security/0' }],
      ],
    },
    {
      name: 'a schema dialect other than 2020-12 is warned about',
      document: { jsonSchemaDialect: 'https://json-schema.org/draft/2019-09/schema', paths: {} },
      pick: (spec) => spec.schemaDialect,
      expected: 'json-schema-2020-12',
      issues: [
        'warning: spec.yaml#/jsonSchemaDialect: schemas are read as JSON Schema 2020-12, not as "https://json-schema.org/draft/2019-09/schema". Remove jsonSchemaDialect, or check that the schemas mean the same in 2020-12. [WARN_SPEC_UNSUPPORTED]',
      ],
    },
  ]);
});

describe('normalizeSpec: Swagger 2.0', () => {
  run('2.0', shared('2.0'));
  run('2.0', [
    {
      name: 'parameter keywords become a schema (source: the parameter)',
      document: {
        paths: {
          '/a': {
            get: {
              parameters: [
                {
                  name: 'tags',
                  in: 'query',
                  description: 'Tags',
                  required: true,
                  type: 'array',
                  maxItems: 5,
                  uniqueItems: true,
                  items: { type: 'string', enum: ['a', 'b'], default: 'a', pattern: '^[ab]$' },
                  collectionFormat: 'multi',
                  'x-ignored': true,
                },
                { name: 'n', in: 'query', type: 'integer', format: 'int32', minimum: 1, exclusiveMaximum: true, maximum: 10, multipleOf: 1 },
              ],
              ...ok,
            },
          },
        },
      },
      pick: (spec) => params(spec),
      expected: [
        {
          name: 'tags',
          in: 'query',
          description: 'Tags',
          required: true,
          deprecated: false,
          style: 'form',
          explode: true,
          allowReserved: false,
          schema: {
            schema: { type: 'array', maxItems: 5, uniqueItems: true, items: { type: 'string', enum: ['a', 'b'], default: 'a', pattern: '^[ab]$' } },
            source: '#/paths/~1a/get/parameters/0',
          },
          source: '#/paths/~1a/get/parameters/0',
        },
        {
          name: 'n',
          in: 'query',
          required: false,
          deprecated: false,
          style: 'form',
          explode: true,
          allowReserved: false,
          schema: { schema: { type: 'integer', format: 'int32', minimum: 1, exclusiveMaximum: true, maximum: 10, multipleOf: 1 }, source: '#/paths/~1a/get/parameters/1' },
          source: '#/paths/~1a/get/parameters/1',
        },
      ],
    },
    {
      name: 'collectionFormat into style and explode; tsv warned about',
      document: {
        paths: {
          '/a/{p}': {
            get: {
              parameters: [
                { name: 'p', in: 'path', required: true, type: 'array', items: { type: 'string' } },
                { name: 'h', in: 'header', type: 'array', items: { type: 'string' }, collectionFormat: 'csv' },
                { name: 'csv', in: 'query', type: 'array', items: { type: 'string' } },
                { name: 'ssv', in: 'query', type: 'array', items: { type: 'string' }, collectionFormat: 'ssv' },
                { name: 'pipes', in: 'query', type: 'array', items: { type: 'string' }, collectionFormat: 'pipes' },
                { name: 'multi', in: 'query', type: 'array', items: { type: 'string' }, collectionFormat: 'multi' },
                { name: 'tsv', in: 'query', type: 'array', items: { type: 'string' }, collectionFormat: 'tsv' },
                { name: 'scalar', in: 'query', type: 'string' },
              ],
              ...ok,
            },
          },
        },
      },
      pick: (spec) => params(spec).map((p) => [p.name, p.style, p.explode]),
      expected: [
        ['p', 'simple', false],
        ['h', 'simple', false],
        ['csv', 'form', false],
        ['ssv', 'spaceDelimited', false],
        ['pipes', 'pipeDelimited', false],
        ['multi', 'form', true],
        ['tsv', 'form', false],
        ['scalar', 'form', true],
      ],
      issues: [
        'warning: spec.yaml#/paths/~1a~1{p}/get/parameters/6/collectionFormat: collectionFormat "tsv" is not supported in query; values are sent comma-separated. Use csv, ssv, pipes or multi. [WARN_SPEC_UNSUPPORTED]',
      ],
    },
    {
      name: 'a body parameter: one media type per consumes (the operation\'s)',
      document: {
        consumes: ['application/xml'],
        paths: {
          '/a': {
            post: {
              consumes: ['application/json', 'text/json'],
              parameters: [{ name: 'pet', in: 'body', description: 'The pet', required: true, schema: { $ref: '#/definitions/Pet' } }],
              ...ok,
            },
          },
        },
        definitions: { Pet: { type: 'object' } },
      },
      pick: (spec) => [params(spec), op(spec).requestBody],
      expected: [
        [],
        {
          description: 'The pet',
          required: true,
          content: ['application/json', 'text/json'].map((mediaType) => ({
            mediaType,
            schema: { schema: { $ref: '#/definitions/Pet' }, source: '#/paths/~1a/post/parameters/0/schema' },
            source: '#/paths/~1a/post/parameters/0',
          })),
          source: '#/paths/~1a/post/parameters/0',
        },
      ],
    },
    {
      name: 'a body parameter: the document\'s consumes, else JSON',
      document: {
        paths: { '/a': { post: { parameters: [{ name: 'b', in: 'body', schema: { type: 'string' } }], ...ok } } },
      },
      pick: (spec) => op(spec).requestBody?.content.map((m) => m.mediaType),
      expected: ['application/json'],
    },
    {
      name: 'formData parameters: a url-encoded object body, arrays keeping their collectionFormat',
      document: {
        paths: {
          '/a': {
            post: {
              parameters: [
                { name: 'q', in: 'query', type: 'string' },
                { name: 'name', in: 'formData', type: 'string', required: true, description: 'The name' },
                { name: 'tags', in: 'formData', type: 'array', items: { type: 'string' }, collectionFormat: 'multi' },
                { name: 'ids', in: 'formData', type: 'array', items: { type: 'integer' } },
              ],
              ...ok,
            },
          },
        },
      },
      pick: (spec) => [params(spec).map((p) => p.name), op(spec).requestBody],
      expected: [
        ['q'],
        {
          required: true,
          content: [
            {
              mediaType: 'application/x-www-form-urlencoded',
              schema: {
                schema: {
                  type: 'object',
                  properties: {
                    name: { type: 'string', description: 'The name' },
                    tags: { type: 'array', items: { type: 'string' } },
                    ids: { type: 'array', items: { type: 'integer' } },
                  },
                  required: ['name'],
                },
                source: '#/paths/~1a/post',
              },
              encoding: { tags: { style: 'form', explode: true }, ids: { style: 'form', explode: false } },
              source: '#/paths/~1a/post',
            },
          ],
          source: '#/paths/~1a/post',
        },
      ],
    },
    {
      name: 'formData with a file, or consuming multipart: a multipart body',
      document: {
        paths: {
          '/file': { post: { consumes: ['multipart/form-data'], parameters: [{ name: 'f', in: 'formData', type: 'file' }], ...ok } },
          '/text': { post: { consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'], parameters: [{ name: 't', in: 'formData', type: 'string' }], ...ok } },
        },
      },
      pick: (spec) => spec.operations.map((o) => [o.requestBody?.required, o.requestBody?.content[0]?.mediaType, o.requestBody?.content[0]?.schema?.schema]),
      expected: [
        [false, 'multipart/form-data', { type: 'object', properties: { f: { type: 'string', format: 'binary' } } }],
        [false, 'multipart/form-data', { type: 'object', properties: { t: { type: 'string' } } }],
      ],
    },
    {
      name: 'servers from schemes, host and basePath; operation schemes override',
      document: { schemes: ['http', 'https'], host: 'api.example.com:8080', basePath: '/v2', paths: { '/a': { get: ok, put: { schemes: ['https'], ...ok } } } },
      pick: (spec) => [spec.servers, ...spec.operations.map((o) => o.servers)],
      expected: [[{ url: 'http://api.example.com:8080/v2', variables: {} }], undefined, [{ url: 'https://api.example.com:8080/v2', variables: {} }]],
    },
    {
      name: 'servers: https by default; basePath alone without a host',
      document: { paths: {}, basePath: '/v1', 'x-case': 1 },
      pick: (spec) => [spec.servers, normalize('2.0', { host: 'h.example.com', paths: {} }).value!.servers],
      expected: [[{ url: '/v1', variables: {} }], [{ url: 'https://h.example.com', variables: {} }]],
    },
    {
      name: 'securityDefinitions: basic, apiKey, and each oauth2 flow',
      document: {
        paths: {},
        securityDefinitions: {
          basic: { type: 'basic', description: 'Basic' },
          key: { type: 'apiKey', in: 'query', name: 'api_key' },
          implicit: { type: 'oauth2', flow: 'implicit', authorizationUrl: 'https://a/authorize', scopes: { read: 'Read' } },
          password: { type: 'oauth2', flow: 'password', tokenUrl: 'https://a/token', scopes: {} },
          application: { type: 'oauth2', flow: 'application', tokenUrl: 'https://a/token', scopes: {} },
          accessCode: { type: 'oauth2', flow: 'accessCode', authorizationUrl: 'https://a/authorize', tokenUrl: 'https://a/token', scopes: { write: 'Write' } },
        },
      },
      pick: (spec) => spec.securitySchemes,
      expected: {
        basic: { name: 'basic', description: 'Basic', source: '#/securityDefinitions/basic', type: 'http', scheme: 'basic' },
        key: { name: 'key', source: '#/securityDefinitions/key', type: 'apiKey', in: 'query', parameterName: 'api_key' },
        implicit: { name: 'implicit', source: '#/securityDefinitions/implicit', type: 'oauth2', flows: [{ flow: 'implicit', authorizationUrl: 'https://a/authorize', scopes: { read: 'Read' } }] },
        password: { name: 'password', source: '#/securityDefinitions/password', type: 'oauth2', flows: [{ flow: 'password', tokenUrl: 'https://a/token', scopes: {} }] },
        application: { name: 'application', source: '#/securityDefinitions/application', type: 'oauth2', flows: [{ flow: 'clientCredentials', tokenUrl: 'https://a/token', scopes: {} }] },
        accessCode: {
          name: 'accessCode',
          source: '#/securityDefinitions/accessCode',
          type: 'oauth2',
          flows: [{ flow: 'authorizationCode', authorizationUrl: 'https://a/authorize', tokenUrl: 'https://a/token', scopes: { write: 'Write' } }],
        },
      },
    },
  ]);
});

describe('normalizeSpec', () => {
  it('keeps the bundled document for schema $refs', () => {
    const document = { ...HEADERS['3.0'], paths: {} };
    expect(normalizeSpec({ file: 'spec.yaml', document, specVersion: '3.0' }).value!.document).toBe(document);
  });
});
