/** Small builders of normalized specs for table-driven model tests. */
import type { NormalizedOperation, NormalizedSpec } from '../../src/normalize/types.js';

export function operation(overrides: Partial<NormalizedOperation> & Pick<NormalizedOperation, 'method' | 'path'>): NormalizedOperation {
  return {
    tags: [],
    deprecated: false,
    parameters: [],
    extensions: {},
    source: `#/paths/${overrides.path.replace(/~/g, '~0').replace(/\//g, '~1')}/${overrides.method.toLowerCase()}`,
    ...overrides,
  };
}

export function spec(overrides: Partial<NormalizedSpec> = {}): NormalizedSpec {
  return {
    specVersion: '3.0',
    schemaDialect: 'openapi-3.0',
    info: { title: 'Test API', version: '1.0.0' },
    servers: [{ url: 'https://api.example.com/v1', variables: {} }],
    securitySchemes: {},
    extensions: {},
    operations: [],
    document: {},
    ...overrides,
  };
}

export const oauth = {
  name: 'oauth',
  type: 'oauth2' as const,
  flows: [{ flow: 'authorizationCode' as const, authorizationUrl: 'https://as/authorize', tokenUrl: 'https://as/token', scopes: { 'pets:read': 'read', 'pets:write': 'write', admin: 'all' } }],
  source: '#/components/securitySchemes/oauth',
};

export const apiKey = { name: 'key', type: 'apiKey' as const, in: 'header' as const, parameterName: 'X-Key', source: '#/components/securitySchemes/key' };
