/**
 * #8 the config's upstream section in the model: upstream security only for operations that declare none, never
 * caller scopes; config schemes beside the spec's; fixed headers replace header arguments; config errors located.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { formatIssue } from '../../src/errors.js';
import { buildModel } from '../../src/model/build-model.js';
import type { NormalizedOperation, NormalizedParameter, NormalizedSecurityScheme } from '../../src/normalize/types.js';
import { apiKey, oauth, operation, spec } from '../support/normalized.js';

const headerParam = (name: string, required = false): NormalizedParameter => ({
  name, in: 'header', required, deprecated: false, style: 'simple', explode: false, allowReserved: false, schema: { schema: { type: 'string' }, source: '#/h' }, source: `#/h/${name}`,
});
const queryParam = (name: string): NormalizedParameter => ({ ...headerParam(name), in: 'query', style: 'form', explode: true, source: `#/q/${name}` });

const byOauth = (scopes: string[]) => [{ schemes: [{ scheme: 'oauth', scopes }], source: '#/x' }];
const spc = (securitySchemes: Record<string, NormalizedSecurityScheme>, operations: NormalizedOperation[], security?: ReturnType<typeof byOauth>) =>
  spec({ securitySchemes, operations, ...(security ? { security } : {}) });

const OPERATIONS: NormalizedOperation[] = [
  operation({ method: 'GET', path: '/pages', operationId: 'listPages', parameters: [headerParam('Notion-Version', true), queryParam('q'), headerParam('X-Trace')] }),
  operation({ method: 'POST', path: '/pages', operationId: 'createPage', parameters: [headerParam('notion-version')] }),
  operation({ method: 'GET', path: '/public', operationId: 'health', security: [] }),
  operation({ method: 'GET', path: '/admin', operationId: 'admin', security: byOauth(['admin']) }),
];

const UPSTREAM = {
  securitySchemes: { token: { type: 'http', scheme: 'bearer' }, cc: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://auth.example.com/token', scopes: { 'up:read': 'r' } } } } },
  security: [{ token: [] }, { cc: ['up:read'] }],
  headers: { 'Notion-Version': '2022-06-28' },
};

function build(config: unknown, operations = OPERATIONS, schemes: Record<string, NormalizedSecurityScheme> = { oauth }, security?: ReturnType<typeof byOauth>) {
  const { value, issues } = buildModel(spc(schemes, operations, security), parseConfig(config, 'portcullis.yaml'), { specFile: 'spec.yaml' });
  const model = value!;
  return { model, lines: issues.map(formatIssue), tool: (name: string) => model.tools.find((t) => t.name === name)! };
}

describe('#8 upstream security from the config', () => {
  it('#8 applies only to operations without operation- or document-level security, and asks no scope of callers', () => {
    const { model, lines, tool } = build({ upstream: UPSTREAM });
    expect(lines).toEqual([
      'warning: spec.yaml#/paths/~1pages/post: POST /pages (tool createPage) changes data but requires no scope or role: any caller with a valid token may use it. Add security with scopes, x-mcp-scopes, x-mcp-roles or a scopes.require rule in the config, mark it x-mcp-public: true if that is intended, or exclude the operation. [WARN_SPEC_UNPROTECTED_WRITE]',
    ]);
    expect(tool('listPages').upstreamSecurity).toEqual([['token'], ['cc']]);
    expect(tool('listPages').upstreamSecurityFrom).toBe('config');
    expect(tool('createPage').upstreamSecurity).toEqual([['token'], ['cc']]);
    // security: [] and operation security are declarations: the config does not touch them.
    expect(tool('health').upstreamSecurity).toEqual([]);
    expect(tool('health').upstreamSecurityFrom).toBeUndefined();
    expect(tool('admin').upstreamSecurity).toEqual([['oauth']]);
    // An oauth2 scheme in upstream.security is how the server authenticates; callers are asked for nothing.
    for (const name of ['listPages', 'createPage']) expect([tool(name).security.scopes, tool(name).security.scopesFrom]).toEqual([[], 'none']);
    expect(tool('admin').security.scopes).toEqual([['admin']]);
    expect(model.scopes.map((scope) => scope.name)).toEqual(['admin']);
    // Both config schemes reach tools.json with their variables; the client credentials token asks for up:read.
    expect(model.securitySchemes).toEqual([
      { name: 'cc', envPrefix: 'UPSTREAM_CC', type: 'oauth2ClientCredentials', tokenUrl: 'https://auth.example.com/token', scopes: ['up:read'] },
      { name: 'oauth', envPrefix: 'UPSTREAM_OAUTH', type: 'oauth2Token' },
      { name: 'token', envPrefix: 'UPSTREAM_TOKEN', type: 'bearer' },
    ]);
  });

  it('#8 caller scopes still come from scopes.require, never from upstream.security', () => {
    const { tool } = build({ upstream: UPSTREAM, scopes: { require: [{ methods: ['GET'], scopes: ['notion:read'] }] } });
    expect(tool('listPages').security.scopes).toEqual([['notion:read']]);
    expect(tool('createPage').security.scopes).toEqual([]);
  });

  it('#8 a document-level security keeps the config out of every operation', () => {
    const { tool, lines } = build({ upstream: { security: [{ oauth: [] }] } }, OPERATIONS, { oauth }, byOauth(['pets:read']));
    expect(tool('listPages').upstreamSecurity).toEqual([['oauth']]);
    expect(tool('listPages').security.scopes).toEqual([['pets:read']]);
    expect(lines).toContain('warning: portcullis.yaml#/upstream/security: every operation that becomes a tool declares its own security, so upstream.security applies to none. Remove it, or check the spec\'s security. [WARN_CONFIG_UNUSED]');
  });

  it('#8 may name a scheme the spec declares but never requires', () => {
    const { tool, model } = build({ upstream: { security: [{ key: [] }] } }, OPERATIONS, { oauth, key: apiKey });
    expect(tool('listPages').upstreamSecurity).toEqual([['key']]);
    expect(model.securitySchemes.map((scheme) => scheme.name)).toEqual(['key', 'oauth']);
  });

  it('#8 reports, in the config file, a scheme declared nowhere, a name also in the spec, an unused config scheme and a header an API key uses', () => {
    const { lines } = build(
      {
        upstream: {
          securitySchemes: { oauth: { type: 'http', scheme: 'bearer' }, spare: { type: 'http', scheme: 'basic' } },
          security: [{ missing: [] }, { oauth: [] }],
          headers: { 'x-key': 'fixed' },
        },
      },
      OPERATIONS.filter((o) => o.operationId !== 'admin'),
      { oauth, key: apiKey },
      undefined,
    );
    expect(lines.filter((l) => l.includes('portcullis.yaml'))).toEqual([
      'portcullis.yaml#/upstream/securitySchemes/oauth: security scheme "oauth" is also declared by the spec (#/components/securitySchemes/oauth). Rename this one, or use the spec\'s scheme in upstream.security and remove this one. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/upstream/security/0/missing: security scheme "missing" is declared neither by the spec nor under upstream.securitySchemes. Declare it under upstream.securitySchemes, or use one of: "oauth", "key", "spare". [ERR_CONFIG_INVALID]',
      'warning: portcullis.yaml#/upstream/security: every operation that becomes a tool declares its own security, so upstream.security applies to none. Remove it, or check the spec\'s security. [WARN_CONFIG_UNUSED]',
      'warning: portcullis.yaml#/upstream/securitySchemes/spare: security scheme "spare" is not named in upstream.security, so no call uses it. Add { spare: [] } to upstream.security, or remove it. [WARN_CONFIG_UNUSED]',
    ]);
    const withKey = build({ upstream: { security: [{ key: [] }], headers: { 'x-key': 'fixed' } }, unprotected: 'expose' }, OPERATIONS, { oauth, key: apiKey });
    expect(withKey.lines).toContain('portcullis.yaml#/upstream/headers/x-key: header "x-key" is the one the API key of security scheme "key" is sent in. Remove it: the server sets it from UPSTREAM_KEY_API_KEY. [ERR_CONFIG_INVALID]');
  });
});

describe('#8 fixed headers in the model', () => {
  it('#8 removes a header parameter of the same name (any case) from every tool, keeps the others, records the headers', () => {
    const { model, tool } = build({ upstream: { headers: { 'Notion-Version': '2022-06-28' } } });
    expect(model.fixedHeaders).toEqual([['Notion-Version', '2022-06-28']]);
    expect(tool('listPages').parameters.map((p) => p.name)).toEqual(['q', 'X-Trace']);
    expect(Object.keys(tool('listPages').inputSchema.properties as object)).toEqual(['q', 'X-Trace']);
    // It was required: the fixed value supplies it, so the model is not asked for it.
    expect(tool('listPages').inputSchema.required ?? []).not.toContain('Notion-Version');
    expect(tool('createPage').parameters).toEqual([]);
    expect(Object.keys((tool('createPage').inputSchema.properties ?? {}) as object)).toEqual([]);
  });

  it('#8 without upstream.headers nothing changes', () => {
    const { model, tool } = build({});
    expect(model.fixedHeaders).toEqual([]);
    expect(tool('listPages').parameters.map((p) => p.name)).toEqual(['q', 'Notion-Version', 'X-Trace']);
  });
});
