/**
 * Protecting the upstream API, against real loopback servers: at most UPSTREAM_MAX_CONCURRENCY requests in flight
 * (the rest queue, bounded, within the timeout), and retries only of idempotent methods, only on network errors,
 * 502/503/504 and 429 (honouring a bounded Retry-After), at most UPSTREAM_RETRIES times.
 */

import type { ServerResponse } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { loadUpstreamCredentials } from '../../templates/runtime/credentials.js';
import type { HttpMethod, ToolDefinition } from '../../templates/runtime/definition.js';
import { startHttpServer } from '../../templates/runtime/http.js';
import { ConcurrencyLimiter } from '../../templates/runtime/limits.js';
import { readSettings } from '../../templates/runtime/settings.js';
import { callUpstream, retryAfterMs } from '../../templates/runtime/upstream.js';
import type { UpstreamContext } from '../../templates/runtime/upstream.js';
import { startRecordingUpstream } from '../support/upstream.js';
import type { RecordingUpstream } from '../support/upstream.js';
import { MCP_HEADERS, toolsCall } from './fixtures/protected.js';
import { fixtureDefinition } from './fixtures/definition.js';

const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function upstreamApi(): Promise<RecordingUpstream> {
  const upstream = await startRecordingUpstream();
  cleanup.push(() => upstream.close());
  return upstream;
}

function tool(method: HttpMethod): ToolDefinition {
  return {
    name: 'op', description: '', annotations: {}, inputSchema: { type: 'object' }, definitions: [], method, path: '/items',
    parameters: [], scopes: [], roles: [], upstreamSecurity: [], source: '#/paths/~1items',
  };
}

function text(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');
}

function context(upstream: RecordingUpstream, extra: Partial<UpstreamContext> = {}): UpstreamContext {
  return { baseUrl: `${upstream.origin}/api`, credentials: loadUpstreamCredentials({}, {}), timeoutMs: 5_000, maxResponseBytes: 100_000, retryBaseDelayMs: 1, ...extra };
}

/**
 * Resolves once `condition` holds, checking every few milliseconds for at most 20 s of wall-clock time: a count of
 * event-loop turns is not enough when the whole suite loads both cores (npm installs and builds in other files).
 */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

/** An upstream that holds every request until released, counting how many it holds at once. */
function holding(upstream: RecordingUpstream) {
  const held: ServerResponse[] = [];
  const state = { inFlight: 0, max: 0, held };
  upstream.answer = (res) => {
    state.inFlight++;
    state.max = Math.max(state.max, state.inFlight);
    res.once('finish', () => state.inFlight--);
    held.push(res);
  };
  const releaseOne = () => held.shift()!.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  return { state, releaseOne };
}

describe('UPSTREAM_MAX_CONCURRENCY', () => {
  it('never lets more than N tool calls be in flight upstream; the others wait their turn and all complete', async () => {
    const upstream = await upstreamApi();
    const { state, releaseOne } = holding(upstream);
    const settings = readSettings({ AUTH_MODE: 'none', PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api`, UPSTREAM_MAX_CONCURRENCY: '2' }, fixtureDefinition());
    const server = await startHttpServer(fixtureDefinition(), settings, { audit: () => undefined, log: () => undefined });
    cleanup.push(() => server.close());

    const calls = Array.from({ length: 7 }, (_, i) =>
      fetch(server.url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(toolsCall('get_pet', { petId: i + 1 }, i)) }).then((response) => response.json()),
    );
    await until(() => upstream.received.length === 2 && server.upstreamLimiter.queued === 5);
    expect(state.inFlight).toBe(2);
    for (let done = 0; done < 7; done++) {
      await until(() => state.held.length > 0);
      expect(state.inFlight).toBeLessThanOrEqual(2);
      releaseOne();
    }
    const results = (await Promise.all(calls)) as { result: CallToolResult }[];
    expect(results.every((reply) => reply.result.isError === undefined)).toBe(true);
    expect(upstream.received).toHaveLength(7);
    expect(state.max).toBe(2);
    expect(server.upstreamLimiter.inFlight).toBe(0);
  }, 60_000);

  it('bounds the queue, and the upstream timeout covers the wait', async () => {
    const upstream = await upstreamApi();
    const { releaseOne } = holding(upstream);
    const limiter = new ConcurrencyLimiter(1, 1);
    const first = callUpstream(tool('GET'), {}, context(upstream, { limiter }));
    await until(() => upstream.received.length === 1);
    const queued = callUpstream(tool('GET'), {}, context(upstream, { limiter, timeoutMs: 100 }));
    await until(() => limiter.queued === 1);
    const refused = await callUpstream(tool('GET'), {}, context(upstream, { limiter }));
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/busy/);
    const timedOut = await queued;
    expect(text(timedOut)).toBe(`The upstream API at ${upstream.origin} did not answer within 100 ms.`);
    expect(limiter.queued).toBe(0);
    releaseOne();
    expect((await first).isError).toBeUndefined();
    expect(upstream.received).toHaveLength(1);
    expect(limiter.inFlight).toBe(0);
  });
});

describe('UPSTREAM_RETRIES', () => {
  /** Fails the first `failures` requests with `fail`, then answers 200. */
  function flaky(upstream: RecordingUpstream, failures: number, fail: (res: ServerResponse) => void) {
    upstream.answer = (res) => {
      if (upstream.received.length <= failures) return fail(res);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
  }
  const unavailable = (res: ServerResponse) => void res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');

  it.each<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'])('retries %s after 503s and succeeds', async (method) => {
    const upstream = await upstreamApi();
    flaky(upstream, 2, unavailable);
    const statuses: number[] = [];
    const result = await callUpstream(tool(method), {}, context(upstream, { retries: 2, onResponse: (status) => statuses.push(status) }));
    expect(result.isError).toBeUndefined();
    expect(upstream.received.map((request) => request.method)).toEqual([method, method, method]);
    // The audit hears of the final answer only.
    expect(statuses).toEqual([200]);
  });

  it.each<HttpMethod>(['POST', 'PATCH'])('never retries %s', async (method) => {
    const upstream = await upstreamApi();
    flaky(upstream, 2, unavailable);
    const result = await callUpstream(tool(method), {}, context(upstream, { retries: 2 }));
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('HTTP 503');
    expect(upstream.received).toHaveLength(1);
  });

  it('retries a GET after a network error (connection reset)', async () => {
    const upstream = await upstreamApi();
    flaky(upstream, 1, (res) => res.socket!.destroy());
    const result = await callUpstream(tool('GET'), {}, context(upstream, { retries: 2 }));
    expect(result.isError).toBeUndefined();
    expect(upstream.received).toHaveLength(2);
  });

  it('stops after UPSTREAM_RETRIES attempts and returns the last answer', async () => {
    const upstream = await upstreamApi();
    flaky(upstream, 10, (res) => void res.writeHead(502).end());
    const result = await callUpstream(tool('GET'), {}, context(upstream, { retries: 2 }));
    expect(text(result)).toContain('HTTP 502');
    expect(upstream.received).toHaveLength(3);
    upstream.received.length = 0;
    await callUpstream(tool('GET'), {}, context(upstream, { retries: 0 }));
    expect(upstream.received).toHaveLength(1);
  });

  it('does not retry other errors (500, 404)', async () => {
    const upstream = await upstreamApi();
    for (const status of [500, 404]) {
      upstream.received.length = 0;
      flaky(upstream, 10, (res) => void res.writeHead(status).end());
      await callUpstream(tool('GET'), {}, context(upstream, { retries: 2 }));
      expect(upstream.received).toHaveLength(1);
    }
  });

  it('honours a short Retry-After on 429, and returns a long one to the caller without waiting', async () => {
    const upstream = await upstreamApi();
    flaky(upstream, 1, (res) => void res.writeHead(429, { 'retry-after': '0' }).end());
    expect((await callUpstream(tool('GET'), {}, context(upstream, { retries: 2 }))).isError).toBeUndefined();
    expect(upstream.received).toHaveLength(2);

    upstream.received.length = 0;
    flaky(upstream, 10, (res) => void res.writeHead(429, { 'retry-after': '3600' }).end());
    const started = Date.now();
    const result = await callUpstream(tool('GET'), {}, context(upstream, { retries: 2 }));
    expect(text(result)).toContain('HTTP 429');
    expect(upstream.received).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('is wired from the settings: a GET tool call through the HTTP server is retried, a POST one is not', async () => {
    const upstream = await upstreamApi();
    const settings = readSettings({ AUTH_MODE: 'none', PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api`, UPSTREAM_RETRIES: '1' }, fixtureDefinition());
    const server = await startHttpServer(fixtureDefinition(), settings, { audit: () => undefined, log: () => undefined, retryBaseDelayMs: 1 });
    cleanup.push(() => server.close());
    const call = async (name: string, args: Record<string, unknown>) =>
      ((await (await fetch(server.url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(toolsCall(name, args)) })).json()) as { result: CallToolResult }).result;

    flaky(upstream, 1, unavailable);
    expect((await call('get_pet', { petId: 1 })).isError).toBeUndefined();
    expect(upstream.received.map((request) => request.method)).toEqual(['GET', 'GET']);

    upstream.received.length = 0;
    flaky(upstream, 1, unavailable);
    expect((await call('create_pet', { body: { name: 'Rex' } })).isError).toBe(true);
    expect(upstream.received.map((request) => request.method)).toEqual(['POST']);
  });
});
