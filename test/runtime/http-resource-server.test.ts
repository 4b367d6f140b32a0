/**
 * The emitted server as an OAuth 2.1 resource server over HTTP (contract §§1–4, 7–9): every class of bad token is
 * answered 401 with the full challenge and never reaches the upstream; good tokens do, without being forwarded.
 * A real loopback authorization server (JWKS + RFC 8414 metadata) and a real recording upstream.
 */

import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { base64url, decodeJwt, exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT } from 'jose';
import type { CryptoKey } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RecordingUpstream } from '../support/upstream.js';
import { bearerChallengeParams } from '../support/challenge.js';
import type { ScriptedIssuer } from '../support/scripted-issuer.js';
import { scratchDir } from '../support/scratch.js';
import { MCP_HEADERS, rpc, startProtected, toolsCall, TOOLS_LIST, useProtectedStack } from './fixtures/protected.js';
import type { ProtectedServer } from './fixtures/protected.js';
import { JsonResponseTransport } from '../../templates/runtime/json-transport.js';

let as: ScriptedIssuer;
let upstream: RecordingUpstream;
let mcp: ProtectedServer;
/** The scopes_supported of authDefinition(), offered in every 401. */
const ALL_SCOPES = 'owners:read owners:write pets:delete pets:read pets:write';

useProtectedStack((stack) => ({ as, upstream, mcp } = stack));

const metadataUrl = () => `${new URL(mcp.server.publicUrl).origin}/.well-known/oauth-protected-resource/mcp`;

/** Waits for the audit lines of finished requests (they are written when the response closes). */
async function auditLines(count = 1, server: ProtectedServer = mcp) {
  for (let i = 0; i < 100 && server.audit.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(server.audit.length).toBeGreaterThanOrEqual(count);
  return server.audit;
}

/** Calls get_pet (public: any valid token reaches the upstream) and expects a 401 of `reason`, with nothing sent upstream. */
async function expectUnauthorized(token: string | undefined, reason: string, options: { headers?: Record<string, string>; url?: string; server?: ProtectedServer } = {}) {
  const server = options.server ?? mcp;
  const response = await rpc(options.url ?? server.url, token, toolsCall('get_pet', { petId: 1 }), options.headers);
  expect(response.status).toBe(401);
  const params = bearerChallengeParams(response.headers.get('www-authenticate'));
  const expected: Record<string, unknown> = { resource_metadata: `${new URL(server.server.publicUrl).origin}/.well-known/oauth-protected-resource/mcp`, scope: ALL_SCOPES };
  if (reason !== 'missing_token') Object.assign(expected, { error: 'invalid_token', error_description: expect.stringMatching(/^[\x20\x21\x23-\x5B\x5D-\x7E]{5,}$/) });
  expect(params).toEqual(expected);
  expect(response.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
  expect(response.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
  expect(upstream.received).toHaveLength(0);
  const [line] = await auditLines(1, server);
  expect(line).toMatchObject({ decision: 'deny', reason });
  return params;
}

/** POSTs tools/list with an explicit Host header (fetch does not let one be set); resolves with the status. */
function postWithHost(url: string, host: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { ...MCP_HEADERS, Host: host, Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(JSON.stringify(TOOLS_LIST));
  });
}

describe('401 for every request without a valid token (contract §3)', () => {
  it('no Authorization header: a challenge without an error code (RFC 6750 §3.1)', async () => {
    await expectUnauthorized(undefined, 'missing_token');
  });

  it('another scheme counts as no token', async () => {
    await expectUnauthorized(undefined, 'missing_token', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
  });

  it.each(['GET', 'DELETE'])('%s without a token gets 401 too, not 405', async (method) => {
    const response = await fetch(mcp.server.url, { method });
    expect(response.status).toBe(401);
    expect(bearerChallengeParams(response.headers.get('www-authenticate'))).toMatchObject({ scope: ALL_SCOPES });
  });

  it('a session id is not authentication', async () => {
    await expectUnauthorized(undefined, 'missing_token', { headers: { 'Mcp-Session-Id': 'abc' } });
  });

  it.each([['Bearer'], ['Bearer a b'], ['Bearer "quoted"']])('a malformed header %j', async (header) => {
    await expectUnauthorized(undefined, 'invalid_token:malformed', { headers: { Authorization: header } });
  });

  it('a token in the query string is ignored, and never logged or audited', async () => {
    const token = await as.mint(mcp.server.publicUrl);
    await expectUnauthorized(undefined, 'missing_token', { url: `${mcp.url}?access_token=${token}` });
    expect(JSON.stringify(mcp.audit)).not.toContain(token);
    expect(mcp.logs.join('\n')).not.toContain(token);
    expect(mcp.logs.join('\n')).toMatch(/^info request \{.*"method":"POST","path":"\/mcp","status":401,/m);
  });

  it('alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: as.issuer, aud: mcp.server.publicUrl, sub: 'x', iat: now, exp: now + 300 };
    const token = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${base64url.encode(JSON.stringify(payload))}.`;
    await expectUnauthorized(token, 'invalid_token:algorithm');
  });

  it('HS256 signed with the public key as the secret', async () => {
    const publicKey = await importJWK(as.keys[0]!.publicJwk, 'RS256', { extractable: true });
    for (const secret of [new TextEncoder().encode(await exportSPKI(publicKey as CryptoKey)), new TextEncoder().encode(JSON.stringify(as.keys[0]!.publicJwk))]) {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ iss: as.issuer, aud: mcp.server.publicUrl, sub: 'x', exp: now + 300 }).setProtectedHeader({ alg: 'HS256', kid: as.keys[0]!.kid }).sign(secret);
      await expectUnauthorized(token, 'invalid_token:algorithm');
      mcp.audit.length = 0;
    }
  });

  it('an embedded jwk header is ignored: the attacker key does not verify', async () => {
    const attacker = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(attacker.publicKey);
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ iss: as.issuer, aud: mcp.server.publicUrl, sub: 'x', exp: now + 300 })
      .setProtectedHeader({ alg: 'RS256', kid: as.keys[0]!.kid, jwk })
      .sign(attacker.privateKey);
    await expectUnauthorized(token, 'invalid_token:signature');
  });

  it('jku and x5u headers are never fetched', async () => {
    let trapHits = 0;
    const trap = createServer((_req, res) => {
      trapHits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    try {
      const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
      const attacker = await generateKeyPair('RS256');
      const now = Math.floor(Date.now() / 1000);
      for (const kid of [as.keys[0]!.kid, 'attacker']) {
        const token = await new SignJWT({ iss: as.issuer, aud: mcp.server.publicUrl, sub: 'x', exp: now + 300 })
          .setProtectedHeader({ alg: 'RS256', kid, jku: `${trapUrl}/jwks`, x5u: `${trapUrl}/cert.pem` })
          .sign(attacker.privateKey);
        await expectUnauthorized(token, kid === 'attacker' ? 'invalid_token:unknown_key' : 'invalid_token:signature');
        mcp.audit.length = 0;
      }
      expect(trapHits).toBe(0);
    } finally {
      trap.close();
    }
  });

  it('a tampered payload', async () => {
    const [header, , signature] = (await as.mint(mcp.server.publicUrl, { claims: { scope: 'pets:read' } })).split('.');
    const claims = { ...decodeJwt(await as.mint(mcp.server.publicUrl)), scope: 'pets:admin owners:write' };
    await expectUnauthorized(`${header}.${base64url.encode(JSON.stringify(claims))}.${signature}`, 'invalid_token:signature');
  });

  it.each([
    ['another resource', 'https://other.example.com/mcp'],
    ['a longer path (never by prefix)', 'PUBLIC-admin'],
    ['the origin only (a prefix)', 'ORIGIN'],
    ['no audience at all', undefined],
  ])('another audience: %s', async (_name, audience) => {
    const aud = audience?.replace('PUBLIC', mcp.server.publicUrl).replace('ORIGIN', new URL(mcp.server.publicUrl).origin);
    await expectUnauthorized(await as.mint(mcp.server.publicUrl, { claims: { aud } }), 'invalid_token:audience');
  });

  it('another issuer, even when signed by the right key', async () => {
    await expectUnauthorized(await as.mint(mcp.server.publicUrl, { claims: { iss: `${as.issuer}/other` } }), 'invalid_token:issuer');
  });

  it('a key the JWKS does not have', async () => {
    const stranger = await generateKeyPair('ES256');
    const token = await as.mint(mcp.server.publicUrl, { key: { kid: 'nobody', alg: 'ES256', privateKey: stranger.privateKey, publicJwk: {} } });
    await expectUnauthorized(token, 'invalid_token:unknown_key');
  });

  it('a token type other than an access token', async () => {
    await expectUnauthorized(await as.mint(mcp.server.publicUrl, { header: { typ: 'logout+jwt' } }), 'invalid_token:type');
  });

  it('an opaque token when no introspection endpoint is configured', async () => {
    await expectUnauthorized('2YotnFZFEjr1zCsicMWpAA', 'invalid_token:not_a_jwt');
  });
});

describe('token lifetime, with the clock frozen (contract §4)', () => {
  const T = 1_900_000_000;
  let frozen: ProtectedServer;

  beforeAll(async () => {
    frozen = await startProtected(as, `${upstream.origin}/api`, {}, { now: () => T * 1000 });
  });
  afterAll(() => frozen?.close());
  beforeEach(() => (frozen.audit.length = 0));

  const mint = (claims: Record<string, unknown>) => as.mint(frozen.server.publicUrl, { claims: { iat: T - 60, exp: T + 300, ...claims } });

  it('expired beyond the 30 s tolerance is refused; within it accepted', async () => {
    await expectUnauthorized(await mint({ exp: T - 31 }), 'invalid_token:expired', { server: frozen });
    expect((await rpc(frozen.url, await mint({ exp: T - 29 }), TOOLS_LIST)).status).toBe(200);
  });

  it('not yet valid (nbf) beyond the tolerance is refused; within it accepted', async () => {
    await expectUnauthorized(await mint({ nbf: T + 31 }), 'invalid_token:not_yet_valid', { server: frozen });
    expect((await rpc(frozen.url, await mint({ nbf: T + 29 }), TOOLS_LIST)).status).toBe(200);
  });

  it('issued in the future (iat) beyond the tolerance is refused', async () => {
    await expectUnauthorized(await mint({ iat: T + 31 }), 'invalid_token:not_yet_valid', { server: frozen });
    expect((await rpc(frozen.url, await mint({ iat: T + 29 }), TOOLS_LIST)).status).toBe(200);
  });

  it('a token without exp is refused', async () => {
    await expectUnauthorized(await mint({ exp: undefined }), 'invalid_token:missing_exp', { server: frozen });
  });
});

describe('a valid token', () => {
  it('reaches the tool; typ at+jwt, JWT or none; audience compared ignoring a trailing slash and scheme/host case', async () => {
    const publicUrl = mcp.server.publicUrl;
    const shouting = publicUrl.replace('http://127.0.0.1', 'HTTP://127.0.0.1') + '/';
    const tokens = [
      await as.mint(publicUrl),
      await as.mint(publicUrl, { header: { typ: 'JWT' } }),
      await as.mint(publicUrl, { header: { typ: undefined } }),
      await as.mint(publicUrl, { claims: { aud: shouting } }),
      await as.mint(publicUrl, { claims: { aud: ['https://other.example.com', publicUrl] } }),
    ];
    for (const token of tokens) {
      const response = await rpc(mcp.url, token, toolsCall('get_pet', { petId: 7 }));
      expect(response.status).toBe(200);
      expect(response.body.result.isError).toBeFalsy();
    }
    expect(upstream.received).toHaveLength(tokens.length);
  });

  it('is never forwarded upstream: not in any header, the query or the body (contract §7)', async () => {
    const token = await as.mint(mcp.server.publicUrl, { claims: { scope: 'pets:write' } });
    const calls = [toolsCall('get_pet', { petId: 1, tags: ['a'] }), toolsCall('create_pet', { body: { name: 'Rex' } }), toolsCall('get_pet', { petId: 2 }, 3)];
    for (const call of calls) {
      const response = await rpc(`${mcp.url}?access_token=${token}`, token, call, { Cookie: `token=${token}` });
      expect(response.status).toBe(200);
      expect(response.body.result.isError).toBeFalsy();
    }
    expect(upstream.received).toHaveLength(3);
    const [, , signature] = token.split('.');
    for (const request of upstream.received) {
      const everything = [request.method, request.url, ...request.rawHeaders, request.body.toString('utf8')].join('\n');
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(signature);
      expect(request.headers.authorization).toBeUndefined();
    }
  });

  it('is handed to the MCP server as extra.authInfo, with expiresAt, client id, scopes and resource', async () => {
    // What the connected Server receives with the message (the SDK passes it on to handlers as extra.authInfo).
    const delivered: unknown[] = [];
    const handle = JsonResponseTransport.prototype.handle;
    const spy = vi.spyOn(JsonResponseTransport.prototype, 'handle').mockImplementation(function (this: JsonResponseTransport, ...args) {
      const deliver = this.onmessage!;
      this.onmessage = (message, extra) => {
        delivered.push(extra?.authInfo);
        deliver(message, extra);
      };
      return handle.apply(this, args);
    });
    try {
      const token = await as.mint(mcp.server.publicUrl, { claims: { scope: 'pets:read pets:write', client_id: undefined, azp: 'the-app', exp: 2_000_000_000 } });
      expect((await rpc(mcp.url, token, TOOLS_LIST)).status).toBe(200);
      expect(delivered).toHaveLength(1);
      expect(delivered[0]).toBe(spy.mock.calls[0]![3]);
      expect(delivered[0]).toEqual({
        token,
        clientId: 'the-app',
        scopes: ['pets:read', 'pets:write'],
        expiresAt: 2_000_000_000,
        resource: new URL(mcp.server.publicUrl),
        extra: { subject: 'user-1', roles: [] },
      });
    } finally {
      spy.mockRestore();
    }
  });
});

describe('Protected Resource Metadata (RFC 9728, contract §2)', () => {
  it('is served at the inserted and the bare well-known path, CORS open', async () => {
    const origin = new URL(mcp.server.publicUrl).origin;
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const response = await fetch(`${origin}${path}`, { headers: { Origin: 'https://anywhere.example' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(await response.json()).toEqual({
        resource: mcp.server.publicUrl,
        authorization_servers: [as.issuer],
        scopes_supported: ['owners:read', 'owners:write', 'pets:delete', 'pets:read', 'pets:write'],
        bearer_methods_supported: ['header'],
        resource_name: 'Petstore (test)',
      });
    }
    expect(metadataUrl()).toBe(`${origin}/.well-known/oauth-protected-resource/mcp`);
  });

  it('answers a preflight, and 405 to other methods', async () => {
    const preflight = await fetch(metadataUrl(), { method: 'OPTIONS', headers: { Origin: 'https://anywhere.example', 'Access-Control-Request-Method': 'GET' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET');
    const post = await fetch(metadataUrl(), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, OPTIONS');
  });

  it('follows MCP_PUBLIC_URL: endpoint path, resource, audience and challenge URL; never offline_access', async () => {
    const definition = { ...(await import('./fixtures/protected.js')).authDefinition(), scopes: ['offline_access', 'pets:write'] };
    const custom = await startProtected(as, `${upstream.origin}/api`, { MCP_PUBLIC_URL: 'https://mcp.example.com/tenant-a/mcp' }, {}, definition);
    try {
      const local = new URL(custom.url);
      expect(local.pathname).toBe('/tenant-a/mcp');
      expect(custom.server.publicUrl).toBe('https://mcp.example.com/tenant-a/mcp');
      const metadata = await fetch(`${local.origin}/.well-known/oauth-protected-resource/tenant-a/mcp`);
      expect(await metadata.json()).toMatchObject({ resource: 'https://mcp.example.com/tenant-a/mcp', scopes_supported: ['pets:write'] });
      expect((await fetch(`${local.origin}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: '{}' })).status).toBe(404);

      const missing = await rpc(custom.url, undefined, TOOLS_LIST);
      expect(bearerChallengeParams(missing.headers.get('www-authenticate'))).toEqual({
        resource_metadata: 'https://mcp.example.com/.well-known/oauth-protected-resource/tenant-a/mcp',
        scope: 'pets:write',
      });
      // The audience is the public URL, not the address it listens on.
      expect((await rpc(custom.url, await as.mint('https://mcp.example.com/tenant-a/mcp'), TOOLS_LIST)).status).toBe(200);
      expect((await rpc(custom.url, await as.mint(custom.url), TOOLS_LIST)).status).toBe(401);
      // Behind a proxy the Host is the public one; other names are still refused on a loopback bind (DNS rebinding).
      const token = await as.mint('https://mcp.example.com/tenant-a/mcp');
      expect(await postWithHost(custom.url, 'mcp.example.com', token)).toBe(200);
      expect(await postWithHost(custom.url, 'evil.example.com', token)).toBe(403);
    } finally {
      await custom.close();
    }
  });

  it('OAUTH_CHALLENGE_SCOPES and OAUTH_AUDIENCE override the defaults', async () => {
    const custom = await startProtected(as, `${upstream.origin}/api`, { OAUTH_CHALLENGE_SCOPES: 'pets:read', OAUTH_AUDIENCE: 'api://petstore' });
    try {
      const missing = await rpc(custom.url, undefined, TOOLS_LIST);
      expect(bearerChallengeParams(missing.headers.get('www-authenticate')).scope).toBe('pets:read');
      expect((await rpc(custom.url, await as.mint('api://petstore'), TOOLS_LIST)).status).toBe(200);
      expect((await rpc(custom.url, await as.mint(custom.server.publicUrl), TOOLS_LIST)).status).toBe(401);
    } finally {
      await custom.close();
    }
  });
});

describe('Origin and CORS (contract §8)', () => {
  let cors: ProtectedServer;
  beforeAll(async () => {
    cors = await startProtected(as, `${upstream.origin}/api`, { MCP_ALLOWED_ORIGINS: 'https://app.example.com' });
  });
  afterAll(() => cors?.close());

  it('lets requests without Origin, from its own origin and from MCP_ALLOWED_ORIGINS through; 403 otherwise', async () => {
    const token = await as.mint(cors.server.publicUrl);
    expect((await rpc(cors.url, token, TOOLS_LIST)).status).toBe(200);
    const own = await rpc(cors.url, token, TOOLS_LIST, { Origin: new URL(cors.server.publicUrl).origin });
    expect(own.status).toBe(200);
    const app = await rpc(cors.url, token, TOOLS_LIST, { Origin: 'https://app.example.com' });
    expect(app.status).toBe(200);
    expect(app.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(app.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate, Mcp-Session-Id');

    upstream.received.length = 0;
    for (const origin of ['https://evil.example', 'http://app.example.com', 'https://app.example.com.evil.example', 'null', 'http://localhost:6274']) {
      const refused = await rpc(cors.url, token, toolsCall('get_pet', { petId: 1 }), { Origin: origin });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }
    expect(upstream.received).toHaveLength(0);
    const audit = await auditLines(1, cors);
    expect(audit.some((line) => line.reason === 'origin' && line.decision === 'deny')).toBe(true);
  });

  it('answers the preflight of an allowed origin without a token, and refuses others', async () => {
    const preflight = await fetch(cors.url, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type, mcp-param-region, x-evil' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    // #10: the 2026-07-28 request headers, trace context and the Mcp-Param-* headers asked for; nothing else asked for.
    expect(preflight.headers.get('access-control-allow-headers')).toBe(
      'authorization, content-type, mcp-protocol-version, mcp-session-id, last-event-id, mcp-method, mcp-name, traceparent, tracestate, mcp-param-region',
    );
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const refused = await fetch(cors.url, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(refused.status).toBe(403);
  });

  it('a 401 to an allowed browser origin exposes WWW-Authenticate', async () => {
    const response = await rpc(cors.url, undefined, TOOLS_LIST, { Origin: 'https://app.example.com' });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(response.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
  });
});

describe('audit (contract §9)', () => {
  afterEach(() => vi.useRealTimers());

  it('one line per decision with the documented fields, never the token or argument values', async () => {
    const token = await as.mint(mcp.server.publicUrl, { claims: { scope: 'pets:read openid', sub: 'ann', client_id: 'app-7' } });
    await rpc(mcp.url, token, toolsCall('get_pet', { petId: 4242, tags: ['secret-tag'] }, 11), { 'X-Request-Id': 'req-123' });
    await rpc(mcp.url, token, toolsCall('create_pet', { body: { name: 'Hidden' } }, 12));
    await rpc(mcp.url, `${token}x`, TOOLS_LIST);
    await rpc(mcp.url, token, toolsCall('list_owners', {}, 13), { 'X-Request-Id': 'bad id with spaces' });
    const lines = await auditLines(4);

    const byReason = Object.fromEntries(lines.map((line) => [`${line.tool ?? line.method ?? '-'}:${line.reason}`, line]));
    expect(byReason['get_pet:ok']).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      requestId: 'req-123',
      subject: 'ann',
      clientId: 'app-7',
      method: 'tools/call',
      tool: 'get_pet',
      decision: 'allow',
      reason: 'ok',
      requiredScopes: [],
      grantedScopes: ['pets:read', 'openid'],
      upstreamStatus: 200,
      durationMs: expect.any(Number),
    });
    expect(byReason['create_pet:insufficient_scope']).toMatchObject({ decision: 'deny', requiredScopes: [['pets:write']], grantedScopes: ['pets:read', 'openid'] });
    expect(byReason['create_pet:insufficient_scope']).not.toHaveProperty('upstreamStatus');
    expect(byReason['-:invalid_token:signature']).toMatchObject({ decision: 'deny' });
    expect(byReason['-:invalid_token:signature']).not.toHaveProperty('subject');
    const roleLine = byReason['list_owners:role']!;
    expect(roleLine).toMatchObject({ decision: 'deny', subject: 'ann' });
    expect(roleLine.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const text = lines.map((line) => JSON.stringify(line)).join('\n');
    for (const secret of [token, token.split('.')[2]!, '4242', 'secret-tag', 'Hidden']) expect(text).not.toContain(secret);
  });

  it('echoes the request id in X-Request-Id', async () => {
    const response = await rpc(mcp.url, undefined, TOOLS_LIST, { 'X-Request-Id': 'trace-42' });
    expect(response.headers.get('x-request-id')).toBe('trace-42');
    const generated = await rpc(mcp.url, undefined, TOOLS_LIST, { 'X-Request-Id': 'x'.repeat(200) });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('AUDIT_LOG appends JSON lines to the file', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { openAuditSink } = await import('../../templates/runtime/audit.js');
    const file = join(scratchDir('audit'), 'audit.log');
    writeFileSync(file, 'earlier line\n');
    const custom = await startProtected(as, `${upstream.origin}/api`, { AUDIT_LOG: file }, { audit: openAuditSink(file) });
    try {
      await rpc(custom.url, undefined, TOOLS_LIST);
      await rpc(custom.url, await as.mint(custom.server.publicUrl), TOOLS_LIST);
      for (let i = 0; i < 100 && readFileSync(file, 'utf8').split('\n').filter(Boolean).length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const [earlier, ...lines] = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      expect(earlier).toBe('earlier line');
      expect(lines.map((line) => JSON.parse(line).reason)).toEqual(['missing_token', 'ok']);
    } finally {
      await custom.close();
    }
    expect(() => openAuditSink('/nonexistent-dir/audit.log')).toThrow(/^AUDIT_LOG: cannot open/);
  });
});
