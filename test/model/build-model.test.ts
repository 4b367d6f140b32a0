import { describe, expect, it } from 'vitest';
import { annotationsFor, buildModel, packageNameFromTitle, serverUrl } from '../../src/model/build-model.js';
import { toServerDefinition } from '../../src/emit/emit-server.js';
import { oauth, operation, spec } from '../support/normalized.js';

const requirement = (scopes: string[]) => ({ schemes: [{ scheme: 'oauth', scopes }], source: '#/x' });

const api = spec({
  securitySchemes: { oauth: { ...oauth, flows: [{ ...oauth.flows[0]!, scopes: { ...oauth.flows[0]!.scopes, offline_access: 'refresh' } }] } },
  servers: [{ url: 'https://{region}.example.com/{version}', variables: { region: { default: 'eu' }, version: { default: 'v2' } } }],
  operations: [
    operation({ method: 'GET', path: '/pets', operationId: 'listPets', summary: 'List pets', tags: ['pets'], security: [requirement(['pets:read', 'offline_access'])] }),
    operation({ method: 'POST', path: '/pets', operationId: 'createPet', tags: ['pets'], security: [] }),
    operation({ method: 'DELETE', path: '/pets/{id}', operationId: 'deletePet', tags: ['admin'], extensions: { 'x-mcp-roles': ['owner'] } }),
    operation({ method: 'PATCH', path: '/pets/{id}', operationId: 'patchPet', deprecated: true, description: 'Changes a pet.' }),
  ],
});

describe('buildModel', () => {
  const { value, issues } = buildModel(api, { roles: { keeper: { tags: ['admin'], methods: ['PATCH'] } } }, { specFile: 'spec.yaml' });
  const model = value!;

  it('builds one tool per operation with roles from the spec and the config', () => {
    expect(model.tools.map((tool) => [tool.name, tool.security.scopes, tool.roles])).toEqual([
      ['listPets', [['offline_access', 'pets:read']], []],
      ['createPet', [], []],
      ['deletePet', [], ['keeper', 'owner']],
      ['patchPet', [], ['keeper']],
    ]);
    expect(model.roles).toEqual(['keeper', 'owner']);
    expect(model.tools[3]!.description).toBe('[Deprecated] Changes a pet.');
  });

  it('warns about operations that change data and ask nothing of the caller', () => {
    expect(issues.filter((issue) => issue.severity === 'warning').map((issue) => [issue.code, issue.pointer])).toEqual([['WARN_SPEC_UNPROTECTED_WRITE', '#/paths/~1pets/post']]);
  });

  it('never advertises offline_access in scopes_supported', () => {
    expect(model.scopes.map((scope) => scope.name)).toEqual(['offline_access', 'pets:read']);
    expect(toServerDefinition(model).scopes).toEqual(['pets:read']);
  });

  it('fills server variables with their defaults', () => {
    expect(model.baseUrl).toBe('https://eu.example.com/v2');
    expect(serverUrl({ url: 'https://{unknown}.example.com', variables: {} })).toBe('https://{unknown}.example.com');
  });

  it('fails with ERR_SPEC_NO_TOOLS when everything is excluded', () => {
    const none = buildModel(api, { include: { tags: ['nothing'] } }, { specFile: 'spec.yaml' });
    expect(none.issues.filter((issue) => issue.severity === 'error').map((issue) => issue.code)).toEqual(['ERR_SPEC_NO_TOOLS']);
  });
});

describe('annotations and names', () => {
  it.each([
    ['GET', { readOnlyHint: true, idempotentHint: true, openWorldHint: true }],
    ['HEAD', { readOnlyHint: true, idempotentHint: true, openWorldHint: true }],
    ['POST', { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true }],
    ['PUT', { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true }],
    ['PATCH', { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true }],
    ['DELETE', { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true }],
  ] as const)('%s', (method, expected) => expect(annotationsFor({ method })).toEqual(expected));

  it('derives the package name from the title', () => {
    expect(packageNameFromTitle('Swagger Petstore - OpenAPI 3.0')).toBe('swagger-petstore-openapi-3-0-mcp');
    expect(packageNameFromTitle('!!!')).toBe('api-mcp');
  });
});
