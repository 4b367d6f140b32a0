/** The authorization settings: defaults, what is refused before listening (SettingError naming the variable), stdio. */

import { describe, expect, it } from 'vitest';
import { publicUrlFor, readAuthSettings } from '../../templates/runtime/auth-settings.js';
import type { AuthSettings } from '../../templates/runtime/auth-settings.js';
import type { ServerDefinition } from '../../templates/runtime/definition.js';
import { SettingError } from '../../templates/runtime/errors.js';
import { describeSettings, readSettings } from '../../templates/runtime/settings.js';
import { emptyDefinition } from './fixtures/definition.js';

const definition: ServerDefinition = emptyDefinition({ scopes: ['pets:read', 'pets:write'] });

const ISSUER = { OAUTH_ISSUER: 'https://auth.example.com' } as const;

function oauth(env: NodeJS.ProcessEnv, host = '127.0.0.1'): Extract<AuthSettings, { mode: 'oauth' }> {
  const settings = readAuthSettings(env, host);
  if (settings.mode !== 'oauth') throw new Error('expected oauth mode');
  return settings;
}

function settingError(env: NodeJS.ProcessEnv): SettingError {
  try {
    readSettings(env, definition);
  } catch (error) {
    if (error instanceof SettingError) return error;
    throw error;
  }
  throw new Error('readSettings accepted the settings');
}

describe('authorization settings', () => {
  it('defaults', () => {
    expect(oauth({ ...ISSUER })).toEqual({
      mode: 'oauth',
      publicUrl: undefined,
      path: '/mcp',
      allowedOrigins: [],
      auditLog: undefined,
      issuer: 'https://auth.example.com',
      jwksUrl: undefined,
      audience: undefined,
      rolesClaim: 'roles',
      algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      clockToleranceSeconds: 30,
      introspection: undefined,
      challengeScopes: undefined,
    });
    expect(readSettings({ ...ISSUER }, definition).auth?.mode).toBe('oauth');
  });

  it('reads every variable', () => {
    expect(
      oauth(
        {
          MCP_PUBLIC_URL: 'https://MCP.example.com/tenant/mcp',
          OAUTH_ISSUER: 'https://auth.example.com/realms/t1/',
          OAUTH_JWKS_URL: 'https://auth.example.com/keys?v=2',
          OAUTH_AUDIENCE: 'api://petstore',
          OAUTH_ROLES_CLAIM: 'https://example.com/roles',
          OAUTH_ALGORITHMS: 'ES256, EdDSA',
          OAUTH_CLOCK_TOLERANCE: '0',
          OAUTH_INTROSPECTION_URL: 'https://auth.example.com/introspect',
          OAUTH_INTROSPECTION_CLIENT_ID: 'rs',
          OAUTH_INTROSPECTION_CLIENT_SECRET: 'pw',
          OAUTH_CHALLENGE_SCOPES: 'pets:read  openid',
          MCP_ALLOWED_ORIGINS: 'https://App.example.com, http://localhost:6274/',
          AUDIT_LOG: '/tmp/audit.log',
        },
        '0.0.0.0',
      ),
    ).toEqual({
      mode: 'oauth',
      publicUrl: 'https://mcp.example.com/tenant/mcp',
      path: '/tenant/mcp',
      allowedOrigins: ['https://app.example.com', 'http://localhost:6274'],
      auditLog: '/tmp/audit.log',
      // The issuer is compared as an exact string: kept as given.
      issuer: 'https://auth.example.com/realms/t1/',
      jwksUrl: 'https://auth.example.com/keys?v=2',
      audience: 'api://petstore',
      rolesClaim: 'https://example.com/roles',
      algorithms: ['ES256', 'EdDSA'],
      clockToleranceSeconds: 0,
      introspection: { url: 'https://auth.example.com/introspect', clientId: 'rs', clientSecret: 'pw' },
      challengeScopes: ['pets:read', 'openid'],
    });
  });

  it('accepts plain http for loopback hosts only', () => {
    expect(oauth({ OAUTH_ISSUER: 'http://127.0.0.1:8080', MCP_PUBLIC_URL: 'http://localhost:3000/mcp' }).issuer).toBe('http://127.0.0.1:8080');
    expect(oauth({ OAUTH_ISSUER: 'http://localhost/realms/x', MCP_PUBLIC_URL: 'http://[::1]:3000/mcp' }).publicUrl).toBe('http://[::1]:3000/mcp');
  });

  it('the default public URL is the bound loopback address with the actual port', () => {
    const settings = oauth({ ...ISSUER });
    expect(publicUrlFor(settings, '127.0.0.1', 41_234)).toBe('http://127.0.0.1:41234/mcp');
    expect(publicUrlFor(settings, '::1', 3000)).toBe('http://[::1]:3000/mcp');
    expect(publicUrlFor(oauth({ ...ISSUER, MCP_PUBLIC_URL: 'https://mcp.example.com/mcp' }), '127.0.0.1', 1)).toBe('https://mcp.example.com/mcp');
  });

  it('AUTH_MODE=none needs no issuer, on a loopback HOST', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost']) {
      expect(readSettings({ AUTH_MODE: 'none', HOST: host }, definition).auth).toMatchObject({ mode: 'none', path: '/mcp' });
    }
    expect(readSettings({ AUTH_MODE: 'NONE', OAUTH_ISSUER: 'not even a url' }, definition).auth?.mode).toBe('none');
  });

  it('stdio reads no authorization settings and needs none', () => {
    const settings = readSettings({ AUTH_MODE: 'bogus', HOST: '0.0.0.0' }, definition, { transport: 'stdio' });
    expect(settings.auth).toBeUndefined();
  });

  it.each([
    ['OAUTH_ISSUER', {}],
    ['OAUTH_ISSUER', { OAUTH_ISSUER: 'http://auth.example.com' }],
    ['OAUTH_ISSUER', { OAUTH_ISSUER: 'auth.example.com' }],
    ['OAUTH_ISSUER', { OAUTH_ISSUER: 'https://auth.example.com/?tenant=1' }],
    ['OAUTH_ISSUER', { OAUTH_ISSUER: 'https://auth.example.com/#x' }],
    ['MCP_PUBLIC_URL', { ...ISSUER, MCP_PUBLIC_URL: 'http://mcp.example.com/mcp' }],
    ['MCP_PUBLIC_URL', { ...ISSUER, MCP_PUBLIC_URL: 'https://mcp.example.com/mcp?x=1' }],
    ['MCP_PUBLIC_URL', { ...ISSUER, MCP_PUBLIC_URL: 'https://user:pw@mcp.example.com/mcp' }],
    ['MCP_PUBLIC_URL', { ...ISSUER, MCP_PUBLIC_URL: 'ws://mcp.example.com/mcp' }],
    ['MCP_PUBLIC_URL', { ...ISSUER, HOST: '0.0.0.0' }],
    ['AUTH_MODE', { AUTH_MODE: 'none', HOST: '0.0.0.0' }],
    ['AUTH_MODE', { AUTH_MODE: 'none', HOST: 'mcp.internal' }],
    ['AUTH_MODE', { AUTH_MODE: 'off' }],
    ['OAUTH_JWKS_URL', { ...ISSUER, OAUTH_JWKS_URL: 'http://auth.example.com/jwks' }],
    ['OAUTH_ALGORITHMS', { ...ISSUER, OAUTH_ALGORITHMS: 'HS256' }],
    ['OAUTH_ALGORITHMS', { ...ISSUER, OAUTH_ALGORITHMS: 'RS256,none' }],
    ['OAUTH_ALGORITHMS', { ...ISSUER, OAUTH_ALGORITHMS: 'RS256 hs512' }],
    ['OAUTH_ALGORITHMS', { ...ISSUER, OAUTH_ALGORITHMS: 'RSA256' }],
    ['OAUTH_ALGORITHMS', { ...ISSUER, OAUTH_ALGORITHMS: ',' }],
    ['OAUTH_CLOCK_TOLERANCE', { ...ISSUER, OAUTH_CLOCK_TOLERANCE: '-1' }],
    ['OAUTH_CLOCK_TOLERANCE', { ...ISSUER, OAUTH_CLOCK_TOLERANCE: '301' }],
    ['OAUTH_CLOCK_TOLERANCE', { ...ISSUER, OAUTH_CLOCK_TOLERANCE: '30s' }],
    ['OAUTH_ROLES_CLAIM', { ...ISSUER, OAUTH_ROLES_CLAIM: 'realm access' }],
    ['OAUTH_INTROSPECTION_URL', { ...ISSUER, OAUTH_INTROSPECTION_CLIENT_ID: 'rs' }],
    ['OAUTH_INTROSPECTION_URL', { ...ISSUER, OAUTH_INTROSPECTION_URL: 'http://auth.example.com/introspect', OAUTH_INTROSPECTION_CLIENT_ID: 'rs', OAUTH_INTROSPECTION_CLIENT_SECRET: 'pw' }],
    ['OAUTH_INTROSPECTION_CLIENT_ID', { ...ISSUER, OAUTH_INTROSPECTION_URL: 'https://auth.example.com/introspect' }],
    ['OAUTH_INTROSPECTION_CLIENT_SECRET', { ...ISSUER, OAUTH_INTROSPECTION_URL: 'https://auth.example.com/introspect', OAUTH_INTROSPECTION_CLIENT_ID: 'rs' }],
    ['OAUTH_CHALLENGE_SCOPES', { ...ISSUER, OAUTH_CHALLENGE_SCOPES: 'pets:read "quoted"' }],
    ['MCP_ALLOWED_ORIGINS', { ...ISSUER, MCP_ALLOWED_ORIGINS: 'https://app.example.com/path' }],
    ['MCP_ALLOWED_ORIGINS', { ...ISSUER, MCP_ALLOWED_ORIGINS: '*' }],
    ['MCP_ALLOWED_ORIGINS', { ...ISSUER, MCP_ALLOWED_ORIGINS: 'null' }],
  ] as const)('refuses %s in %j, naming it with an accepted example', (variable, env) => {
    const error = settingError(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(new RegExp(`^${variable}: .+ Example: ${variable}=\\S+$`));
    // The example, put in place of the offending value, is accepted (with the rest of a working environment).
    const fixed = { ...ISSUER, MCP_PUBLIC_URL: 'https://mcp.example.com/mcp', ...env, [variable]: error.example };
    if (variable === 'OAUTH_INTROSPECTION_URL') Object.assign(fixed, { OAUTH_INTROSPECTION_CLIENT_ID: 'rs', OAUTH_INTROSPECTION_CLIENT_SECRET: 'pw' });
    if (variable === 'OAUTH_INTROSPECTION_CLIENT_ID') Object.assign(fixed, { OAUTH_INTROSPECTION_CLIENT_SECRET: 'pw' });
    expect(() => readSettings(fixed, definition)).not.toThrow();
  });

  it('says why HMAC is refused', () => {
    expect(settingError({ ...ISSUER, OAUTH_ALGORITHMS: 'RS256,HS256' }).message).toContain('"HS256" is refused: only asymmetric algorithms');
  });

  it('documents the challenge scopes default from the definition', () => {
    const described = describeSettings(definition);
    expect(described.find((setting) => setting.variable === 'OAUTH_CHALLENGE_SCOPES')).toMatchObject({ default: 'pets:read pets:write', example: 'pets:read' });
    expect(described.find((setting) => setting.variable === 'OAUTH_ISSUER')?.description).toContain('Required unless AUTH_MODE=none');
  });
});
