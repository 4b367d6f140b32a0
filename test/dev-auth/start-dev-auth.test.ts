/**
 * dev-auth in-process: its tokens verify against its own JWKS with the right issuer, audience, scopes and roles; it
 * refuses to listen anywhere but loopback, foreign resources, unknown roles and non-loopback redirect URIs; the CLI
 * prints what it promises.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { NonLoopbackError, startDevAuth, type DevAuthEvent, type DevAuthServer } from '../../src/dev-auth/start-dev-auth.js';

const RESOURCE = 'http://127.0.0.1:3999/mcp';
const SCOPES = ['tickets:read', 'tickets:write', 'reports:read'];
const ROLES = ['analyst', 'supervisor'];

async function tokenRequest(issuer: string, fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('startDevAuth', () => {
  let auth: DevAuthServer;
  const events: DevAuthEvent[] = [];

  beforeAll(async () => {
    auth = await startDevAuth({ host: '127.0.0.1', port: 0, resource: RESOURCE, scopes: SCOPES, roles: ROLES, onEvent: (event) => events.push(event) });
  });
  afterAll(async () => {
    await auth.close();
  });

  it('#9 mints an RFC 9068 token that verifies against the JWKS its discovery document names', async () => {
    const token = await auth.mintToken({ scopes: ['tickets:read', 'reports:read'], roles: ['analyst'] });
    const discovery = (await (await fetch(`${auth.issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
    expect(discovery.issuer).toBe(auth.issuer);
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: auth.issuer,
      audience: RESOURCE,
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toMatch(/^dev-[0-9a-f]{12}$/);
    expect(payload).toMatchObject({ sub: 'dev-client', client_id: 'dev-client', scope: 'tickets:read reports:read', roles: ['analyst'] });
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('#9 leaves out roles nobody asked for and drops scopes the resource does not know', async () => {
    const token = await auth.mintToken({ scopes: ['tickets:write', 'not-a-scope'] });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${auth.issuer}/jwks`)), { issuer: auth.issuer, audience: RESOURCE });
    expect(payload.scope).toBe('tickets:write');
    expect(payload.roles).toBeUndefined();
  });

  it('#9 serves the same metadata at the RFC 8414 location', async () => {
    const response = await fetch(`${auth.issuer}/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ issuer: auth.issuer, token_endpoint: `${auth.issuer}/token`, registration_endpoint: `${auth.issuer}/reg` });
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials']));
  });

  it('#9 refuses roles it does not know, a foreign resource and a wrong client secret', async () => {
    const base = { grant_type: 'client_credentials', client_id: auth.devClient.clientId, client_secret: auth.devClient.clientSecret, scope: 'tickets:read' };
    expect(await tokenRequest(auth.issuer, { ...base, resource: RESOURCE, roles: 'analyst root' })).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'unknown roles: root (known: analyst supervisor)' },
    });
    const foreign = await tokenRequest(auth.issuer, { ...base, resource: 'https://api.example.com/mcp' });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error).toBe('invalid_target');
    const wrongSecret = await tokenRequest(auth.issuer, { ...base, resource: RESOURCE, client_secret: 'guess' });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error).toBe('invalid_client');
  });

  it('#9 registers clients with loopback redirect URIs only', async () => {
    const register = (redirectUris: string[]) =>
      fetch(`${auth.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: redirectUris, token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'], scope: 'tickets:read' }),
      });
    const refused = await register(['http://127.0.0.1:6274/cb', 'https://evil.example/cb']);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: 'invalid_redirect_uri',
      error_description:
        'redirect_uris must be loopback http(s) URLs (127.0.0.1, [::1] or localhost) at this development server, which approves every request automatically: https://evil.example/cb',
    });
    const accepted = await register(['http://localhost:6274/oauth/callback']);
    expect(accepted.status).toBe(201);
    const client = (await accepted.json()) as Record<string, unknown>;
    // The registered scope is not kept: it would become an allow-list that blocks a later step-up.
    expect(client.scope).toBeUndefined();
    expect(events).toContainEqual({ type: 'registration', clientId: client.client_id, redirectUris: ['http://localhost:6274/oauth/callback'] });
  });

  it('#9 signs with a key made at this start: two servers never share one', async () => {
    const other = await startDevAuth({ host: '127.0.0.1', port: 0, resource: RESOURCE, scopes: SCOPES, roles: ROLES });
    try {
      const mine = decodeProtectedHeader(await auth.mintToken({ scopes: [] })).kid;
      const theirs = decodeProtectedHeader(await other.mintToken({ scopes: [] })).kid;
      expect(mine).not.toBe(theirs);
      expect(other.devClient.clientSecret).not.toBe(auth.devClient.clientSecret);
    } finally {
      await other.close();
    }
  });
});

describe('the loopback-only bind', () => {
  it.each(['0.0.0.0', '::', '192.168.1.20', 'example.com'])('#9 startDevAuth refuses to listen on %j', async (host) => {
    await expect(startDevAuth({ host, port: 0, resource: RESOURCE, scopes: SCOPES, roles: ROLES })).rejects.toBeInstanceOf(NonLoopbackError);
  });

  it('#9 the CLI refuses a non-loopback --host with exit code 1 and says what to use', async () => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['node', 'portcullis', 'dev-auth', '--host', '0.0.0.0', '--port', '0'], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'error: --host "0.0.0.0" is not a loopback address: dev-auth is for development on this machine only and listens on 127.0.0.1 or ::1, e.g. --host 127.0.0.1\n',
    );
  });

  it('#9 the CLI refuses an unreadable --tools file with exit code 1', async () => {
    let stderr = '';
    const code = await runCli(['node', 'portcullis', 'dev-auth', '--port', '0', '--tools', 'no/such/tools.json'], { stdout: () => undefined, stderr: (t) => void (stderr += t) });
    expect(code).toBe(1);
    expect(stderr).toBe('error: --tools "no/such/tools.json" cannot be read (ENOENT); pass the tools.json of a generated server, e.g. --tools generated/helpdesk/tools.json\n');
  });
});

describe('portcullis dev-auth', () => {
  it('#9 prints the banner, the settings for the emitted server and a token with every scope and role of tools.json', async () => {
    const controller = new AbortController();
    let stdout = '';
    let stderr = '';
    let exit!: Promise<number>;
    const ready = new Promise<void>((resolve) => {
      const io = {
        stdout: (text: string) => {
          stdout += text;
          if (stdout.includes('Another token')) resolve();
        },
        stderr: (text: string) => void (stderr += text),
        signal: controller.signal,
      };
      exit = runCli(['node', 'portcullis', 'dev-auth', '--port', '0', '--resource', RESOURCE, '--tools', 'generated/helpdesk/tools.json', '--roles', 'auditor'], io);
    });
    await ready;
    controller.abort();
    expect(await exit).toBe(0);

    expect(stdout).toMatch(/^={78}\n  DEVELOPMENT ONLY: /);
    const issuer = /^issuer {5}(http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout)![1]!;
    expect(stdout).toContain(`\n  OAUTH_ISSUER=${issuer} MCP_PUBLIC_URL=${RESOURCE} PORT=3999 npm start\n`);
    const token = /authorization: Bearer ([\w.-]+)'/.exec(stdout)![1]!;
    expect(stdout).toContain(`\n  ${token}\n`);
    expect(stderr).toBe('dev-auth: token for dev-client (client_credentials): reports:read tickets:delete tickets:read tickets:triage tickets:write tickets:admin\n');
    // The server is gone once the command returns.
    await expect(fetch(`${issuer}/jwks`)).rejects.toThrow();
  });
});

describe('interactions', () => {
  it('#9 answers an unknown or expired interaction with a 400 the browser can show, not a 500', async () => {
    const auth = await startDevAuth({ host: '127.0.0.1', port: 0, resource: RESOURCE, scopes: SCOPES, roles: ROLES });
    try {
      const response = await fetch(`${auth.issuer}/interaction/not-a-real-one`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    } finally {
      await auth.close();
    }
  });
});
