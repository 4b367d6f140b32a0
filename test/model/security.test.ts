import { describe, expect, it } from 'vitest';
import { IssueCollector } from '../../src/errors.js';
import { impliedScopesOf, securityOf, upperSnake, upstreamSchemes } from '../../src/model/security.js';
import type { NormalizedSecurityRequirement } from '../../src/normalize/types.js';
import { apiKey, oauth, operation, spec } from '../support/normalized.js';

const req = (...schemes: [string, string[]][]): NormalizedSecurityRequirement => ({
  schemes: schemes.map(([scheme, scopes]) => ({ scheme, scopes })),
  source: '#/security/0',
});
const api = spec({ securitySchemes: { oauth, key: apiKey } });

describe('caller scopes from security requirements', () => {
  it.each<[string, NormalizedSecurityRequirement[] | undefined, NormalizedSecurityRequirement[] | undefined, string[][]]>([
    ['no security anywhere is public', undefined, undefined, []],
    ['security: [] on the operation is public even if the document requires scopes', [req(['oauth', ['admin']])], [], []],
    ['the document level applies when the operation says nothing', [req(['oauth', ['pets:read']])], undefined, [['pets:read']]],
    ['the operation level overrides the document level', [req(['oauth', ['admin']])], [req(['oauth', ['pets:write', 'pets:read']])], [['pets:read', 'pets:write']]],
    ['alternatives are kept as OR of AND sets', undefined, [req(['oauth', ['pets:read']]), req(['oauth', ['admin']])], [['pets:read'], ['admin']]],
    ['an API key requirement asks nothing of the caller', undefined, [req(['key', []])], []],
    ['an OR with an API-key-only alternative is public', undefined, [req(['oauth', ['admin']]), req(['key', []])], []],
    ['an AND of API key and OAuth scopes asks the scopes', undefined, [req(['key', []], ['oauth', ['pets:read']])], [['pets:read']]],
    ['OAuth2 with an empty scope list asks nothing', undefined, [req(['oauth', []])], []],
    ['duplicate scopes and alternatives collapse', undefined, [req(['oauth', ['b', 'a', 'a']]), req(['oauth', ['a', 'b']])], [['a', 'b']]],
  ])('%s', (_name, documentSecurity, operationSecurity, expected) => {
    const op = operation({ method: 'GET', path: '/pets', ...(operationSecurity ? { security: operationSecurity } : {}) });
    const s = spec({ ...api, ...(documentSecurity ? { security: documentSecurity } : {}) });
    expect(securityOf(op, s, new IssueCollector('f')).scopes).toEqual(expected);
  });

  it('x-mcp-scopes overrides the spec, as one AND set or as alternatives', () => {
    const issues = new IssueCollector('f');
    const one = operation({ method: 'GET', path: '/a', security: [req(['oauth', ['admin']])], extensions: { 'x-mcp-scopes': ['x', 'y'] } });
    const many = operation({ method: 'GET', path: '/b', extensions: { 'x-mcp-scopes': [['x'], ['y', 'z']] } });
    const open = operation({ method: 'GET', path: '/c', security: [req(['oauth', ['admin']])], extensions: { 'x-mcp-scopes': [] } });
    expect(securityOf(one, api, issues)).toMatchObject({ scopes: [['x', 'y']], scopesFrom: 'x-mcp-scopes' });
    expect(securityOf(many, api, issues).scopes).toEqual([['x'], ['y', 'z']]);
    expect(securityOf(open, api, issues).scopes).toEqual([]);
    expect(issues.issues).toEqual([]);
  });

  it('reports a malformed x-mcp-scopes at its pointer and keeps the spec scopes', () => {
    const issues = new IssueCollector('f');
    const op = operation({ method: 'GET', path: '/a', security: [req(['oauth', ['admin']])], extensions: { 'x-mcp-scopes': 'admin' } });
    expect(securityOf(op, api, issues).scopes).toEqual([['admin']]);
    expect(issues.issues.map((i) => [i.code, i.pointer])).toEqual([['ERR_SPEC_EXTENSION', '#/paths/~1a/get/x-mcp-scopes']]);
  });
});

describe('upstream schemes', () => {
  it.each([
    ['petstore_auth', 'PETSTORE_AUTH'],
    ['apiKey', 'API_KEY'],
    ['Bearer Auth', 'BEARER_AUTH'],
    ['OAuth2', 'OAUTH2'], ['petstoreAuth', 'PETSTORE_AUTH'],
    ['---', 'SCHEME'],
  ])('%s → %s', (name, expected) => expect(upperSnake(name)).toBe(expected));

  it('maps scheme types and requests only the scopes tools need with client credentials', () => {
    const cc = { ...oauth, name: 'cc', flows: [{ flow: 'clientCredentials' as const, tokenUrl: 'https://as/token', scopes: { a: '', b: '', c: '' } }] };
    const s = spec({
      securitySchemes: {
        cc,
        code: oauth,
        key: apiKey,
        basic: { name: 'basic', type: 'http', scheme: 'Basic', source: '#/b' },
        digest: { name: 'digest', type: 'http', scheme: 'digest', source: '#/d' },
      },
    });
    const issues = new IssueCollector('f');
    const schemes = upstreamSchemes(s, new Set(['cc', 'code', 'key', 'basic', 'digest']), new Map([['cc', new Set(['b', 'a'])]]), issues);
    expect(schemes).toEqual([
      { name: 'basic', envPrefix: 'UPSTREAM_BASIC', type: 'basic' },
      { name: 'cc', envPrefix: 'UPSTREAM_CC', type: 'oauth2ClientCredentials', tokenUrl: 'https://as/token', scopes: ['a', 'b'] },
      { name: 'code', envPrefix: 'UPSTREAM_CODE', type: 'oauth2Token' },
      { name: 'digest', envPrefix: 'UPSTREAM_DIGEST', type: 'unsupported', reason: 'HTTP authentication scheme "digest" is not supported' },
      { name: 'key', envPrefix: 'UPSTREAM_KEY', type: 'apiKey', in: 'header', parameterName: 'X-Key' },
    ]);
    expect(issues.warnings.map((i) => i.pointer)).toEqual(['#/d']);
  });

  it('keeps environment prefixes unique when two names collide', () => {
    const s = spec({ securitySchemes: { 'api-key': { ...apiKey, name: 'api-key' }, api_key: { ...apiKey, name: 'api_key' } } });
    const schemes = upstreamSchemes(s, new Set(['api_key', 'api-key']), new Map(), new IssueCollector('f'));
    expect(schemes.map((x) => x.envPrefix)).toEqual(['UPSTREAM_API_KEY', 'UPSTREAM_API_KEY_2']);
  });
});

describe('scope configuration', () => {
  it('renames upstream scopes into the server\'s own, but not x-mcp-scopes', () => {
    const renamed = operation({ method: 'GET', path: '/a', security: [req(['oauth', ['pets:read', 'admin']])] });
    const declared = operation({ method: 'GET', path: '/b', extensions: { 'x-mcp-scopes': ['pets:read'] } });
    const rename = { 'pets:read': 'pets.read' };
    expect(securityOf(renamed, api, new IssueCollector('f'), rename).scopes).toEqual([['admin', 'pets.read']]);
    expect(securityOf(declared, api, new IssueCollector('f'), rename).scopes).toEqual([['pets:read']]);
  });

  it('closes the scope hierarchy transitively, tolerating cycles', () => {
    expect(impliedScopesOf({ admin: ['write'], write: ['read'], read: ['admin'] })).toEqual({
      admin: ['read', 'write'],
      read: ['admin', 'write'],
      write: ['admin', 'read'],
    });
    expect(impliedScopesOf(undefined)).toEqual({});
  });
});
