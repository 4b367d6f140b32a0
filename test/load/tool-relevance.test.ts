/**
 * #9: which places of a document no tool is affected by, as a class: by the role of each pointer segment (an
 * OpenAPI field, or a name the author chose), and by which `$ref`s a request-side place reaches.
 */
import { describe, expect, it } from 'vitest';
import { downgradeToolIrrelevant, toolFreePlaces } from '../../src/load/tool-relevance.js';

const schema = (ref: string) => ({ schema: { $ref: ref } });

/** An OpenAPI 3 document whose request side and response side share some components and not others. */
const DOCUMENT: Record<string, unknown> = {
  openapi: '3.0.3',
  info: { title: 'T', version: '1', description: 'd', contact: { email: 'a@b.c' } },
  tags: [{ name: 'pets' }],
  security: [{ example: [] }],
  paths: {
    '/pets': {
      parameters: [{ name: 'q', in: 'query', ...schema('#/components/schemas/Query') }],
      post: {
        tags: ['pets'],
        requestBody: {
          content: {
            'application/json': { ...schema('#/components/schemas/Pet'), encoding: { a: { headers: { 'X-Part': { $ref: '#/components/headers/Part' } } } } },
            'text/plain': schema('#/paths/~1pets/get/responses/200/content/text~1plain/schema'),
          },
        },
        responses: {
          '200': { description: 'ok', headers: { 'X-Rate': { $ref: '#/components/headers/Rate' } }, content: { 'application/json': schema('#/components/schemas/Listing') } },
        },
      },
      get: {
        responses: { '200': { description: 'ok', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
  },
  components: {
    schemas: {
      Pet: { type: 'object', properties: { example: { type: 'string' }, xml: { type: 'string' }, responses: { type: 'string' }, owner: { $ref: '#/components/schemas/Owner' } } },
      Owner: { type: 'object' },
      'Query/Part': { type: 'string' },
      Query: { allOf: [{ $ref: '#/components/schemas/Query~1Part' }] },
      Listing: { type: 'array', items: { $ref: '#/components/schemas/Owner' }, properties: { next: { $ref: '#/components/schemas/Cursor' } } },
      Cursor: { type: 'string' },
    },
    headers: { Part: { schema: { type: 'string' } }, Rate: { schema: { type: 'integer' } } },
    parameters: { Unused: { name: 'u', in: 'query', schema: { type: 'string' } } },
    securitySchemes: { example: { type: 'apiKey', in: 'header', name: 'X-Key' } },
  },
};

describe('#9 places no tool is affected by', () => {
  const toolFree = toolFreePlaces(DOCUMENT);

  it.each([
    ['#/info/description'],
    ['#/info/contact/email'],
    ['#/tags/0/name'],
    ['#/paths/~1pets/post/responses/200/description'],
    ['#/paths/~1pets/get/responses/200/description'],
    ['#/components/headers/Rate/schema'],
    ['#/components/schemas/Listing/properties/next'],
    ['#/components/schemas/Cursor/type'],
    ['#/components/schemas/Pet/properties/xml/xml/prefix'],
    ['#/components/schemas/Pet/example'],
    ['#/components/schemas/Pet/externalDocs'],
    ['#/paths/~1pets/post/parameters/0/examples/one/value'],
  ])('#9 %s is tool-free', (pointer) => {
    expect(toolFree(pointer)).toBe(true);
  });

  it.each([
    ['#/info', 'the info object itself'],
    ['#/info/title', 'the title names the server'],
    ['#/info/version', 'the version is the package version'],
    ['#/paths/~1pets/post/tags/0', 'operation tags select tools'],
    ['#/paths/~1pets/post/responses', 'an operation needs its responses object'],
    ['#/paths/~1pets/get/responses/200/content/text~1plain/schema/type', 'a request body $ref points there'],
    ['#/paths/~1pets/get/responses/200/content/text~1plain', 'it holds what a request body $ref points to'],
    ['#/components/schemas/Pet/properties/example/type', 'a property named example'],
    ['#/components/schemas/Pet/properties/xml', 'a property named xml'],
    ['#/components/schemas/Pet/properties/responses/type', 'a property named responses'],
    ['#/components/schemas/Owner/type', 'reached by a request body and a response'],
    ['#/components/schemas/Query~1Part/type', 'reached through a path-item parameter and allOf, escaped name'],
    ['#/components/headers/Part/schema', 'a multipart header of a request body'],
    ['#/components/parameters/Unused/schema', 'parameters are request-side even when unused'],
    ['#/components/securitySchemes/example/in', 'a security scheme named example'],
    ['#/security/0/example', 'a security requirement naming a scheme called example'],
    ['#/paths/~1pets/post/requestBody', 'a request body'],
    ['#/servers/0/url', 'servers'],
  ])('#9 %s stays an error: %s', (pointer) => {
    expect(toolFree(pointer)).toBe(false);
  });

  it('#9 Swagger 2.0: a definition a body parameter reaches stays an error, one only responses reach is a warning', () => {
    const swagger: Record<string, unknown> = {
      swagger: '2.0',
      paths: {
        '/a': {
          post: {
            parameters: [{ name: 'body', in: 'body', schema: { $ref: '#/definitions/In' } }],
            responses: { '200': { description: 'ok', schema: { $ref: '#/definitions/Out' } } },
          },
        },
      },
      definitions: { In: { type: 'object' }, Out: { type: 'object' } },
    };
    const free = toolFreePlaces(swagger);
    expect(free('#/definitions/In/type')).toBe(false);
    expect(free('#/definitions/Out/type')).toBe(true);
  });

  it('#9 only ERR_SPEC_INVALID errors become warnings, with the same place and words', () => {
    const issue = { severity: 'error' as const, file: 's.yaml', pointer: '#/info/contact/email', message: 'm', hint: 'h' };
    expect(downgradeToolIrrelevant([{ ...issue, code: 'ERR_SPEC_INVALID' }, { ...issue, code: 'ERR_SPEC_REF' }], toolFreePlaces(DOCUMENT))).toEqual([
      { ...issue, code: 'WARN_SPEC_INVALID', severity: 'warning' },
      { ...issue, code: 'ERR_SPEC_REF' },
    ]);
  });
});
