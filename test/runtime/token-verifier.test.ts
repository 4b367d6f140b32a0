/**
 * Where keys come from (contract §4): discovery once and lazily (RFC 8414, falling back to OpenID discovery), a
 * cached JWKS that picks up rotated keys without a restart but cannot be made to hammer the authorization server,
 * RFC 7662 introspection for opaque tokens, and the cost of a warm verification. Time is moved with a fake Date
 * (jose's JWKS cooldown reads Date.now) or a frozen verifier clock, never by sleeping.
 */

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenVerifier, discoveryUrls, JWT_CACHE_MS, sameAudience } from '../../templates/runtime/token-verifier.js';
import { startRecordingUpstream } from '../support/upstream.js';
import type { RecordingUpstream } from '../support/upstream.js';
import { INTROSPECTION_CLIENT, startScriptedIssuer } from '../support/scripted-issuer.js';
import type { ScriptedIssuer } from '../support/scripted-issuer.js';
import { rpc, startProtected, toolsCall, TOOLS_LIST } from './fixtures/protected.js';
import type { ProtectedServer } from './fixtures/protected.js';

let upstream: RecordingUpstream;
const cleanup: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  upstream = await startRecordingUpstream();
  cleanup.push(() => upstream.close());
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(cleanup.splice(0).map((close) => close()));
});

async function setUp(options: { issuerPath?: string; env?: (as: ScriptedIssuer) => Record<string, string>; now?: () => number } = {}) {
  const as = await startScriptedIssuer(options.issuerPath === undefined ? {} : { issuerPath: options.issuerPath });
  const mcp = await startProtected(as, `${upstream.origin}/api`, options.env?.(as) ?? {}, options.now ? { now: options.now } : {});
  cleanup.push(() => mcp.close(), () => as.close());
  return { as, mcp };
}

/** Freezes Date (only Date: sockets and timers keep running) at the current time. */
function freezeDate(): { advance(ms: number): void } {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
  return { advance: (ms) => vi.setSystemTime(Date.now() + ms) };
}

const status = async (mcp: ProtectedServer, token: string | undefined) => (await rpc(mcp.url, token, TOOLS_LIST)).status;

describe('discovery', () => {
  it('lists the metadata URLs as MCP orders them (RFC 8414 §3.1 path insertion, then OpenID)', () => {
    expect(discoveryUrls('https://as.example.com')).toEqual(['https://as.example.com/.well-known/oauth-authorization-server', 'https://as.example.com/.well-known/openid-configuration']);
    expect(discoveryUrls('https://as.example.com/')).toEqual(['https://as.example.com/.well-known/oauth-authorization-server', 'https://as.example.com/.well-known/openid-configuration']);
    expect(discoveryUrls('https://as.example.com/realms/t1')).toEqual([
      'https://as.example.com/.well-known/oauth-authorization-server/realms/t1',
      'https://as.example.com/.well-known/openid-configuration/realms/t1',
      'https://as.example.com/realms/t1/.well-known/openid-configuration',
    ]);
  });

  it('happens once, lazily, with path insertion, and the JWKS is fetched once', async () => {
    const { as, mcp } = await setUp({ issuerPath: '/realms/t1' });
    expect(as.hits.size).toBe(0);
    const token = await as.mint(mcp.server.publicUrl);
    const statuses = await Promise.all(Array.from({ length: 10 }, () => status(mcp, token)));
    for (let i = 0; i < 10; i++) statuses.push(await status(mcp, token));
    expect(statuses.every((code) => code === 200)).toBe(true);
    expect(Object.fromEntries(as.hits)).toEqual({ '/.well-known/oauth-authorization-server/realms/t1': 1, '/jwks': 1 });
  });

  it('falls back to OpenID discovery when RFC 8414 metadata is missing', async () => {
    const { as, mcp } = await setUp();
    as.discovery.oauth = false;
    expect(await status(mcp, await as.mint(mcp.server.publicUrl))).toBe(200);
    expect(await status(mcp, await as.mint(mcp.server.publicUrl))).toBe(200);
    expect(Object.fromEntries(as.hits)).toEqual({ '/.well-known/oauth-authorization-server': 1, '/.well-known/openid-configuration': 1, '/jwks': 1 });
  });

  it('a failure answers 503 and is retried after a pause, not on every request, and not cached forever', async () => {
    const clock = freezeDate();
    const { as, mcp } = await setUp();
    as.discovery.fail = true;
    const token = await as.mint(mcp.server.publicUrl);
    const first = await rpc(mcp.url, token, toolsCall('get_pet', { petId: 1 }));
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('10');
    expect(first.headers.get('www-authenticate')).toBeNull();
    for (let i = 0; i < 5; i++) expect(await status(mcp, token)).toBe(503);
    as.discovery.fail = false;
    expect(await status(mcp, token)).toBe(503);
    expect(as.hitsOf('/.well-known/oauth-authorization-server')).toBe(1);
    expect(mcp.logs.some((line) => line.startsWith('warn authorization server discovery failed'))).toBe(true);

    clock.advance(10_001);
    expect(await status(mcp, await as.mint(mcp.server.publicUrl))).toBe(200);
    expect(as.hitsOf('/.well-known/oauth-authorization-server')).toBe(2);
    expect(upstream.received).toHaveLength(0);
    expect(mcp.audit.some((line) => line.reason === 'auth_server_unavailable')).toBe(true);
  });

  it('refuses metadata naming another issuer (RFC 8414 §3.3)', async () => {
    // The configured issuer has a trailing slash; the documents say it without: not the same identifier.
    const { as, mcp } = await setUp({ env: (server) => ({ OAUTH_ISSUER: `${server.issuer}/` }) });
    expect(await status(mcp, await as.mint(mcp.server.publicUrl, { claims: { iss: `${as.issuer}/` } }))).toBe(503);
    expect(as.hitsOf('/jwks')).toBe(0);
  });

  it('is skipped when OAUTH_JWKS_URL is set', async () => {
    const { as, mcp } = await setUp({ env: (server) => ({ OAUTH_JWKS_URL: server.jwksUrl }) });
    expect(await status(mcp, await as.mint(mcp.server.publicUrl))).toBe(200);
    expect(Object.fromEntries(as.hits)).toEqual({ '/jwks': 1 });
  });
});

describe('the JWKS cache', () => {
  it('picks up a rotated key without a restart, once the cooldown after the last fetch has passed', async () => {
    const clock = freezeDate();
    const { as, mcp } = await setUp();
    expect(await status(mcp, await as.mint(mcp.server.publicUrl))).toBe(200);
    const rotated = await as.addKey('ES256');
    // Right after a fetch, an unknown kid does not refetch (jose's cooldown, 30 s).
    expect(await status(mcp, await as.mint(mcp.server.publicUrl, { key: rotated }))).toBe(401);
    expect(as.hitsOf('/jwks')).toBe(1);

    clock.advance(30_001);
    expect(await status(mcp, await as.mint(mcp.server.publicUrl, { key: rotated }))).toBe(200);
    expect(as.hitsOf('/jwks')).toBe(2);
    expect(await status(mcp, await as.mint(mcp.server.publicUrl))).toBe(200);
    expect(as.hitsOf('/jwks')).toBe(2);
  });

  it('a flood of forged kids hits the JWKS at most once per cooldown', async () => {
    const clock = freezeDate();
    const { as, mcp } = await setUp();
    expect(await status(mcp, await as.mint(mcp.server.publicUrl))).toBe(200);
    const forger = await startScriptedIssuer();
    cleanup.push(() => forger.close());
    const forged = () => Promise.all(Array.from({ length: 50 }, (_, i) => forger.mint(mcp.server.publicUrl, { header: { kid: `forged-${Math.random()}-${i}` } })));

    const flood = async () => (await Promise.all((await forged()).map((token) => status(mcp, token)))).every((code) => code === 401);
    expect(await flood()).toBe(true);
    expect(as.hitsOf('/jwks')).toBe(1);
    clock.advance(30_001);
    expect(await flood()).toBe(true);
    expect(await flood()).toBe(true);
    expect(as.hitsOf('/jwks')).toBe(2);
    clock.advance(15_000);
    expect(await flood()).toBe(true);
    expect(as.hitsOf('/jwks')).toBe(2);
    expect(upstream.received).toHaveLength(0);
  });

  it('a failing JWKS is not refetched on every request either', async () => {
    const clock = freezeDate();
    const { as, mcp } = await setUp();
    as.jwksDown = true;
    const token = await as.mint(mcp.server.publicUrl);
    for (let i = 0; i < 5; i++) expect(await status(mcp, token)).toBe(503);
    expect(as.hitsOf('/jwks')).toBe(1);
    as.jwksDown = false;
    clock.advance(10_001);
    expect(await status(mcp, token)).toBe(200);
    expect(as.hitsOf('/jwks')).toBe(2);
  });
});

describe('introspection (RFC 7662) of opaque tokens', () => {
  let clock = 0;
  async function withIntrospection(secret: string = INTROSPECTION_CLIENT.secret) {
    clock = Date.now();
    return setUp({
      now: () => clock,
      env: (as) => ({ OAUTH_INTROSPECTION_URL: as.introspectionUrl, OAUTH_INTROSPECTION_CLIENT_ID: INTROSPECTION_CLIENT.id, OAUTH_INTROSPECTION_CLIENT_SECRET: secret }),
    });
  }
  const active = (mcp: ProtectedServer, claims: Record<string, unknown> = {}) => ({
    active: true,
    iss: undefined,
    aud: mcp.server.publicUrl,
    sub: 'svc',
    client_id: 'backend',
    scope: 'pets:write',
    exp: Math.floor(clock / 1000) + 300,
    ...claims,
  });

  it('accepts an active token, caching the answer briefly, and verifies JWTs locally', async () => {
    const { as, mcp } = await withIntrospection();
    as.introspection.set('opaque-1', active(mcp));
    const first = await rpc(mcp.url, 'opaque-1', toolsCall('create_pet', { body: { name: 'Rex' } }));
    expect(first.status).toBe(200);
    expect(first.body.result.isError).toBeFalsy();
    expect(await status(mcp, 'opaque-1')).toBe(200);
    expect(as.hitsOf('/introspect')).toBe(1);
    clock += 60_001;
    expect(await status(mcp, 'opaque-1')).toBe(200);
    expect(as.hitsOf('/introspect')).toBe(2);

    expect(await status(mcp, await as.mint(mcp.server.publicUrl))).toBe(200);
    expect(as.hitsOf('/introspect')).toBe(2);
  });

  it('never caches past the token expiry', async () => {
    const { as, mcp } = await withIntrospection();
    as.introspection.set('short', active(mcp, { exp: Math.floor(clock / 1000) + 10 }));
    expect(await status(mcp, 'short')).toBe(200);
    clock += 41_000;
    expect(await status(mcp, 'short')).toBe(401);
    expect(as.hitsOf('/introspect')).toBe(2);
  });

  it.each([
    ['inactive', { active: false }, 'invalid_token:inactive'],
    ['unknown', undefined, 'invalid_token:inactive'],
    ['for another audience', { aud: 'https://other.example.com/mcp' }, 'invalid_token:audience'],
    ['without audience', { aud: undefined }, 'invalid_token:audience'],
    ['without expiry', { exp: undefined }, 'invalid_token:missing_exp'],
    ['of another issuer', { iss: 'https://evil.example.com' }, 'invalid_token:issuer'],
  ])('refuses a token that is %s', async (_name, claims, reason) => {
    const { as, mcp } = await withIntrospection();
    if (claims) as.introspection.set('tok', { ...active(mcp), ...claims });
    const response = await rpc(mcp.url, 'tok', toolsCall('get_pet', { petId: 1 }));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(upstream.received).toHaveLength(0);
    for (let i = 0; i < 100 && mcp.audit.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(mcp.audit[0]).toMatchObject({ decision: 'deny', reason });
  });

  it('answers 503 when the introspection endpoint refuses the server (wrong credentials)', async () => {
    const { as, mcp } = await withIntrospection('wrong');
    as.introspection.set('opaque-1', active(mcp));
    expect(await status(mcp, 'opaque-1')).toBe(503);
  });
});

describe('audience comparison (contract §1)', () => {
  it('ignores one trailing slash and the case of scheme and host; never a prefix', () => {
    const mcp = 'https://mcp.example.com/mcp';
    expect(sameAudience('https://mcp.example.com/mcp/', mcp)).toBe(true);
    expect(sameAudience('HTTPS://MCP.Example.COM/mcp', mcp)).toBe(true);
    expect(sameAudience('https://mcp.example.com/MCP', mcp)).toBe(false);
    expect(sameAudience('https://mcp.example.com/mcp//', mcp)).toBe(false);
    expect(sameAudience('https://mcp.example.com', mcp)).toBe(false);
    expect(sameAudience('https://mcp.example.com/mcp-admin', mcp)).toBe(false);
    expect(sameAudience('https://mcp.example.com/mcp/x', mcp)).toBe(false);
    expect(sameAudience('https://mcp.example.com.evil.com/mcp', mcp)).toBe(false);
    expect(sameAudience('api://petstore', 'api://petstore')).toBe(true);
  });
});

// Timing is measured by `npm run bench`, never asserted here; this proves the warm path does no I/O.
describe('warm verification', () => {
  it('verifies hundreds of tokens with one discovery and one JWKS fetch', async () => {
    const as = await startScriptedIssuer();
    cleanup.push(() => as.close());
    const es256 = await as.addKey('ES256');
    const audience = 'https://mcp.example.com/mcp';
    const verifier = createTokenVerifier({ issuer: as.issuer, audience, algorithms: ['RS256', 'ES256'], clockToleranceSeconds: 30, rolesClaim: 'roles' });
    const tokens = [await as.mint(audience, { claims: { scope: 'a b' } }), await as.mint(audience, { key: es256 })];
    for (const token of tokens) await verifier.verify(token);
    for (let i = 0; i < 500; i++) await verifier.verify(tokens[i % 2]!);
    expect(as.hitsOf('/jwks')).toBe(1);
    expect(as.hitsOf('/.well-known/oauth-authorization-server')).toBe(1);
  });
});

/**
 * Verified JWTs are reused (keyed by the sha256 of the whole token) for at most JWT_CACHE_MS and never past exp. The
 * verifier's clock is frozen; jose's own JWKS cooldown reads the real Date and is not reached here.
 */
describe('the verified-token cache', () => {
  const audience = 'https://mcp.example.com/mcp';
  async function cachedSetUp() {
    const as = await startScriptedIssuer();
    cleanup.push(() => as.close());
    const clock = { ms: Date.now() };
    const verifier = createTokenVerifier({ issuer: as.issuer, audience, algorithms: ['RS256'], clockToleranceSeconds: 0, rolesClaim: 'roles', now: () => clock.ms });
    return { as, clock, verifier };
  }

  it('does not consult the JWKS on a hit, and holds a result JWT_CACHE_MS at most', async () => {
    const { as, clock, verifier } = await cachedSetUp();
    const signer = as.keys[0]!;
    const token = await as.mint(audience);
    const first = await verifier.verify(token);
    expect(as.hitsOf('/jwks')).toBe(1);
    // The key leaves the JWKS and the verifier reloads it: a full verification of anything signed with it now fails.
    as.keys.splice(0);
    await as.addKey('RS256');
    expect(await verifier.ready()).toBe(true);
    expect(as.hitsOf('/jwks')).toBe(2);
    expect(await verifier.verify(token)).toBe(first);
    expect(as.hitsOf('/jwks')).toBe(2);
    const other = await as.mint(audience, { key: signer, claims: { sub: 'user-2' } });
    await expect(verifier.verify(other)).rejects.toMatchObject({ reason: 'unknown_key' });
    // Past JWT_CACHE_MS (the token itself is still valid) the entry is gone and the token is verified in full again.
    clock.ms += JWT_CACHE_MS + 1;
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'unknown_key' });
  });

  it('refuses a cached token once it is past its exp', async () => {
    const { as, clock, verifier } = await cachedSetUp();
    const token = await as.mint(audience, { claims: { exp: Math.floor(clock.ms / 1000) + 30 } });
    const first = await verifier.verify(token);
    clock.ms += 20_000;
    expect(await verifier.verify(token)).toBe(first);
    clock.ms += 11_000;
    await expect(verifier.verify(token)).rejects.toMatchObject({ name: 'InvalidTokenError', reason: 'expired' });
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'expired' });
  });

  it('a tampered token misses the cache and is refused', async () => {
    const { as, verifier } = await cachedSetUp();
    const token = await as.mint(audience, { claims: { scope: 'pets:read' } });
    await verifier.verify(token);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const widened = Buffer.from(JSON.stringify({ ...claims, scope: 'pets:admin' })).toString('base64url');
    await expect(verifier.verify(`${header}.${widened}.${signature}`)).rejects.toMatchObject({ reason: 'signature' });
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(verifier.verify(`${header}.${payload}.${flipped}`)).rejects.toMatchObject({ reason: 'signature' });
    expect((await verifier.verify(token)).caller.scopes).toEqual(['pets:read']);
  });
});
