/**
 * What an orchestrator and an operator rely on, over real loopback HTTP: /healthz and /readyz (authorization server
 * down → 503, back → 200, shutdown → 503), the per-caller rate limit (429 with Retry-After, audited, before the body
 * is parsed) and the structured JSON log lines (parseable, without tokens). Time moves with an injected clock or a
 * fake Date, never by sleeping.
 */

import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../../templates/runtime/audit.js';
import { startHttpServer } from '../../templates/runtime/http.js';
import type { HttpServerOptions } from '../../templates/runtime/http.js';
import { createLog } from '../../templates/runtime/log.js';
import { readSettings } from '../../templates/runtime/settings.js';
import { READINESS_RECHECK_MS, RETRY_AFTER_FAILURE_MS } from '../../templates/runtime/token-verifier.js';
import { startRecordingUpstream } from '../support/upstream.js';
import type { RecordingUpstream } from '../support/upstream.js';
import { startScriptedIssuer } from '../support/scripted-issuer.js';
import type { ScriptedIssuer } from '../support/scripted-issuer.js';
import { MCP_HEADERS, rpc, startProtected, toolsCall, TOOLS_LIST } from './fixtures/protected.js';
import { fixtureDefinition } from './fixtures/definition.js';

const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  vi.useRealTimers();
  // Last started, first closed: servers before the upstreams they call.
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function upstreamApi(): Promise<RecordingUpstream> {
  const upstream = await startRecordingUpstream();
  cleanup.push(() => upstream.close());
  return upstream;
}

async function authServer(): Promise<ScriptedIssuer> {
  const as = await startScriptedIssuer();
  cleanup.push(() => as.close());
  return as;
}

/** An AUTH_MODE=none server on an ephemeral loopback port. */
async function openServer(upstream: RecordingUpstream, env: Record<string, string> = {}, options: HttpServerOptions = {}) {
  const settings = readSettings({ AUTH_MODE: 'none', PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api`, ...env }, fixtureDefinition());
  const server = await startHttpServer(fixtureDefinition(), settings, { audit: () => undefined, log: () => undefined, ...options });
  cleanup.push(() => server.close());
  return server;
}

/** Freezes Date (only Date: sockets and timers keep running) at the current time. */
function freezeDate(): { advance(ms: number): void } {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
  return { advance: (ms) => vi.setSystemTime(Date.now() + ms) };
}

async function probe(mcpUrl: string, path: '/healthz' | '/readyz'): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const response = await fetch(new URL(path, mcpUrl));
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), text, headers: response.headers };
}

/** The probe bodies reveal nothing: no URL, host, port, version or setting. */
function expectNothingRevealed(text: string, ...secrets: string[]) {
  expect(text).not.toMatch(/https?:|127\.0\.0\.1|localhost|\d+\.\d+\.\d+/);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('/healthz', () => {
  it('answers 200 {"status":"ok"} without a token, even when the authorization server is down', async () => {
    const as = await authServer();
    as.discovery.fail = true;
    const upstream = await upstreamApi();
    const mcp = await startProtected(as, `${upstream.origin}/api`);
    cleanup.push(() => mcp.close());
    const health = await probe(mcp.url, '/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    expect(health.headers.get('cache-control')).toBe('no-store');
    expect(health.headers.get('www-authenticate')).toBeNull();
    const post = await fetch(new URL('/healthz', mcp.url), { method: 'POST' });
    expect(post.status).toBe(405);
    // Probes are not authorization decisions: nothing is audited.
    expect(mcp.audit).toEqual([]);
  });
});

describe('/readyz', () => {
  it('follows the authorization server: down → 503, back → 200, JWKS down → 503, reaching it at most once per recheck', async () => {
    const clock = freezeDate();
    const as = await authServer();
    as.discovery.fail = true;
    const upstream = await upstreamApi();
    const mcp = await startProtected(as, `${upstream.origin}/api`);
    cleanup.push(() => mcp.close());

    const down = await probe(mcp.url, '/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: 'unavailable', reason: 'authorization_server_unreachable' });
    expectNothingRevealed(down.text, as.origin);
    const discoveryHits = as.hitsOf('/.well-known/oauth-authorization-server');
    expect(discoveryHits).toBe(1);
    // A burst of probes is answered from the last check.
    for (let i = 0; i < 5; i++) expect((await probe(mcp.url, '/readyz')).status).toBe(503);
    expect(as.hitsOf('/.well-known/oauth-authorization-server')).toBe(discoveryHits);

    as.discovery.fail = false;
    expect((await probe(mcp.url, '/readyz')).status).toBe(503);
    clock.advance(Math.max(RETRY_AFTER_FAILURE_MS, READINESS_RECHECK_MS) + 1);
    const back = await probe(mcp.url, '/readyz');
    expect(back.status).toBe(200);
    expect(back.body).toEqual({ status: 'ready' });
    expect(as.hitsOf('/jwks')).toBe(1);
    for (let i = 0; i < 5; i++) expect((await probe(mcp.url, '/readyz')).status).toBe(200);
    expect(as.hitsOf('/jwks')).toBe(1);

    // Keys unreachable: noticed at the next recheck, not before.
    as.jwksDown = true;
    expect((await probe(mcp.url, '/readyz')).status).toBe(200);
    clock.advance(READINESS_RECHECK_MS + 1);
    expect((await probe(mcp.url, '/readyz')).body).toEqual({ status: 'unavailable', reason: 'authorization_server_unreachable' });
    as.jwksDown = false;
    clock.advance(Math.max(RETRY_AFTER_FAILURE_MS, READINESS_RECHECK_MS) + 1);
    expect((await probe(mcp.url, '/readyz')).status).toBe(200);
    // The same discovery serves tokens: a token still verifies without another metadata fetch.
    const token = await as.mint(mcp.server.publicUrl);
    expect((await rpc(mcp.url, token, TOOLS_LIST)).status).toBe(200);
    expect(as.hitsOf('/.well-known/oauth-authorization-server')).toBe(discoveryHits + 1);
  });

  it('with AUTH_MODE=none checks only that the upstream base URL is configured', async () => {
    const upstream = await upstreamApi();
    const ready = await openServer(upstream);
    expect(await probe(ready.url, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    const settings = readSettings({ AUTH_MODE: 'none', PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api` }, fixtureDefinition());
    const unconfigured = await startHttpServer(fixtureDefinition(), { ...settings, upstreamBaseUrl: '' }, { audit: () => undefined, log: () => undefined });
    cleanup.push(() => unconfigured.close());
    expect(await probe(unconfigured.url, '/readyz')).toMatchObject({ status: 503, body: { status: 'unavailable', reason: 'upstream_not_configured' } });
  });

  it('turns 503 as soon as shutdown starts, for a probe already being answered', async () => {
    // A JWKS that answers only when told, so a readiness check is in progress when shutdown starts.
    const as = await authServer();
    const jwks = await upstreamApi();
    let releaseJwks!: () => void;
    const jwksAsked = new Promise<void>((asked) => {
      jwks.answer = (res) =>
        new Promise<void>((done) => {
          releaseJwks = () => {
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: as.keys.map((key) => key.publicJwk) }));
            done();
          };
          asked();
        });
    });
    const upstream = await upstreamApi();
    const mcp = await startProtected(as, `${upstream.origin}/api`, { OAUTH_JWKS_URL: `${jwks.origin}/jwks` });
    cleanup.push(() => mcp.close());

    const readiness = probe(mcp.url, '/readyz');
    await jwksAsked;
    const closed = mcp.server.close();
    const started = Date.now();
    releaseJwks();
    const answer = await readiness;
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ status: 'unavailable', reason: 'shutting_down' });
    await closed;
    // The probe's keep-alive connection is ended with its answer: close() does not wait for a keep-alive timeout.
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(fetch(new URL('/readyz', mcp.url))).rejects.toThrow();
  });
});

describe('per-caller rate limit', () => {
  it('answers 429 with Retry-After once a subject has used its burst, audited and before the body is parsed; others pass', async () => {
    const as = await authServer();
    const upstream = await upstreamApi();
    let now = 0;
    const mcp = await startProtected(as, `${upstream.origin}/api`, { RATE_LIMIT_PER_MINUTE: '30', RATE_LIMIT_BURST: '3' }, { rateLimitClock: () => now });
    cleanup.push(() => mcp.close());
    const alice = await as.mint(mcp.server.publicUrl, { claims: { sub: 'alice' } });
    const bob = await as.mint(mcp.server.publicUrl, { claims: { sub: 'bob' } });

    for (let i = 0; i < 3; i++) expect((await rpc(mcp.url, alice, toolsCall('get_pet', { petId: 1 }))).status).toBe(200);
    expect(upstream.received).toHaveLength(3);
    // Not JSON at all: a 429 rather than a 400 shows the body was never parsed.
    const limited = await fetch(mcp.url, { method: 'POST', headers: { ...MCP_HEADERS, Authorization: `Bearer ${alice}` }, body: '{not json' });
    expect(limited.status).toBe(429);
    // 30 per minute: one request every 2 s.
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(await limited.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
    expect((await rpc(mcp.url, alice, toolsCall('get_pet', { petId: 1 }))).status).toBe(429);
    expect(upstream.received).toHaveLength(3);

    // Another subject has its own bucket.
    expect((await rpc(mcp.url, bob, toolsCall('get_pet', { petId: 2 }))).status).toBe(200);
    expect(upstream.received).toHaveLength(4);

    for (let i = 0; i < 50 && mcp.audit.filter((line) => line.reason === 'rate_limited').length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(mcp.audit.filter((line) => line.reason === 'rate_limited')).toEqual([
      expect.objectContaining({ decision: 'deny', subject: 'alice', clientId: 'client-1' }),
      expect.objectContaining({ decision: 'deny', subject: 'alice' }),
    ]);

    // The bucket refills with time.
    now += 2_000;
    expect((await rpc(mcp.url, alice, toolsCall('get_pet', { petId: 1 }))).status).toBe(200);
    expect((await rpc(mcp.url, alice, toolsCall('get_pet', { petId: 1 }))).status).toBe(429);
  });

  it('keys a token without subject by its client id, and RATE_LIMIT_PER_MINUTE=0 turns the limit off', async () => {
    const as = await authServer();
    const upstream = await upstreamApi();
    const limitedServer = await startProtected(as, `${upstream.origin}/api`, { RATE_LIMIT_BURST: '1' }, { rateLimitClock: () => 0 });
    cleanup.push(() => limitedServer.close());
    const c1 = await as.mint(limitedServer.server.publicUrl, { claims: { sub: undefined, client_id: 'c1' } });
    const c2 = await as.mint(limitedServer.server.publicUrl, { claims: { sub: undefined, client_id: 'c2' } });
    expect((await rpc(limitedServer.url, c1, TOOLS_LIST)).status).toBe(200);
    expect((await rpc(limitedServer.url, c1, TOOLS_LIST)).status).toBe(429);
    expect((await rpc(limitedServer.url, c2, TOOLS_LIST)).status).toBe(200);

    const unlimited = await startProtected(as, `${upstream.origin}/api`, { RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_BURST: '1' }, { rateLimitClock: () => 0 });
    cleanup.push(() => unlimited.close());
    const token = await as.mint(unlimited.server.publicUrl);
    for (let i = 0; i < 5; i++) expect((await rpc(unlimited.url, token, TOOLS_LIST)).status).toBe(200);
  });
});

describe('structured logs (pino)', () => {
  it('writes one JSON line per request with id, method, path without query, status and duration, and never a token', async () => {
    const as = await authServer();
    const upstream = await upstreamApi();
    let output = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString('utf8');
        done();
      },
    });
    const audit: AuditRecord[] = [];
    const mcp = await startProtected(as, `${upstream.origin}/api`, {}, { log: createLog('debug', sink), audit: (record) => audit.push(record) });
    cleanup.push(() => mcp.close());
    const token = await as.mint(mcp.server.publicUrl, { claims: { scope: 'pets:write' } });
    const signature = token.split('.')[2]!;

    expect((await rpc(mcp.url, token, toolsCall('create_pet', { body: { name: 'Rex' } }), { 'X-Request-Id': 'req-1' })).status).toBe(200);
    expect((await rpc(`${mcp.url}?access_token=${token}`, undefined, TOOLS_LIST, { 'X-Request-Id': 'req-2' })).status).toBe(401);
    expect((await rpc(mcp.url, `${token}x`, TOOLS_LIST, { 'X-Request-Id': 'req-3', Cookie: `session=${signature}` })).status).toBe(401);
    await fetch(new URL('/readyz', mcp.url));

    const lines = output.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = lines.filter((line) => line.msg === 'request');
    expect(requests).toEqual([
      expect.objectContaining({ level: 'info', requestId: 'req-1', method: 'POST', path: '/mcp', status: 200, durationMs: expect.any(Number) }),
      expect.objectContaining({ level: 'info', requestId: 'req-2', method: 'POST', path: '/mcp', status: 401 }),
      expect.objectContaining({ level: 'info', requestId: 'req-3', method: 'POST', path: '/mcp', status: 401 }),
      expect.objectContaining({ level: 'debug', method: 'GET', path: '/readyz', status: 200 }),
    ]);
    for (const line of lines) expect(line).toMatchObject({ time: expect.any(String), pid: process.pid });
    expect(output).not.toContain(signature);
    expect(output).not.toContain('access_token');
    // The audit stream is separate: no audit record went to the log, no log line to the audit.
    expect(lines.some((line) => 'decision' in line)).toBe(false);
    expect(audit.length).toBeGreaterThanOrEqual(3);
  });

  it('honours the level and redacts credentials should headers ever be logged', () => {
    let output = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString('utf8');
        done();
      },
    });
    const log = createLog('warn', sink);
    log('info', 'hidden');
    log('warn', 'shown', { headers: { authorization: 'Bearer secret-token', cookie: 'sid=secret-cookie', accept: 'application/json' } });
    const lines = output.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'shown', headers: { authorization: '[redacted]', cookie: '[redacted]', accept: 'application/json' } })]);
    expect(output).not.toContain('secret');
  });
});
