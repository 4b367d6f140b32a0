/**
 * #16 item 9: a JSON-RPC batch pays for every message. The per-caller token bucket is charged one token per HTTP
 * request before the body is read, and the rest of a batch once it is parsed, all or nothing; batching is refused for
 * protocol revisions from 2025-06-18 on. The recording upstream counts what actually ran.
 */

import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../templates/runtime/audit.js';
import { startHttpServer } from '../../templates/runtime/http.js';
import { readSettings } from '../../templates/runtime/settings.js';
import { startRecordingUpstream } from '../support/upstream.js';
import type { RecordingUpstream } from '../support/upstream.js';
import { fixtureDefinition } from './fixtures/definition.js';
import { MCP_HEADERS, rpc, toolsCall } from './fixtures/protected.js';

const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** A batch of `count` get_pet calls with ids 1…count. */
function callBatch(count: number) {
  return Array.from({ length: count }, (_, index) => toolsCall('get_pet', { petId: index + 1 }, index + 1));
}

/** Batching is part of protocol revision 2025-03-26 and earlier only. */
const LEGACY = { 'MCP-Protocol-Version': '2025-03-26' };

/** An AUTH_MODE=none server (one bucket: every request comes from 127.0.0.1) with a frozen rate-limit clock, and what it audits. */
async function start(env: Record<string, string>) {
  const upstream: RecordingUpstream = await startRecordingUpstream();
  cleanup.push(() => upstream.close());
  const definition = fixtureDefinition();
  const settings = readSettings({ AUTH_MODE: 'none', PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api`, ...env }, definition);
  const audit: AuditRecord[] = [];
  const server = await startHttpServer(definition, settings, { audit: (record) => audit.push(record), log: () => undefined, rateLimitClock: () => 0 });
  cleanup.push(() => server.close());
  /** The audit lines, once at least `count` have been written (they are written when the response closes). */
  const audited = async (count: number) => {
    for (let i = 0; i < 100 && audit.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return audit;
  };
  return { upstream, url: server.url, audited };
}

describe('#16 rate limit per JSON-RPC message', () => {
  it('#16 refuses a batch of 100 tools/call under 60/min with burst 2 whole: 429, Retry-After, nothing upstream, each message audited', async () => {
    const { upstream, url, audited } = await start({ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '2' });
    const response = await rpc(url, undefined, callBatch(100), LEGACY);
    expect(response.status).toBe(429);
    expect(response.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32000, message: expect.stringContaining('at most 2 requests') }, id: null });
    expect(upstream.received).toHaveLength(0);
    const audit = await audited(100);
    expect(audit).toHaveLength(100);
    expect(audit.map((line) => [line.method, line.tool, line.decision, line.reason])).toEqual(Array.from({ length: 100 }, () => ['tools/call', 'get_pet', 'deny', 'rate_limited']));
  });

  it('#16 five batches of 100 make no upstream call at all (they made 200 before the fix)', async () => {
    const { upstream, url } = await start({ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '2' });
    for (let i = 0; i < 5; i++) expect((await rpc(url, undefined, callBatch(100), LEGACY)).status).toBe(429);
    expect(upstream.received).toHaveLength(0);
  });

  it('#16 single calls: exactly the burst passes', async () => {
    const { upstream, url } = await start({ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '2' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await rpc(url, undefined, toolsCall('get_pet', { petId: i + 1 }))).status);
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    expect(upstream.received).toHaveLength(2);
  });

  it('#16 a batch costs one token per message, all or nothing: the bucket pays for 3 + 2, then refuses a batch of 2 with 1 token left', async () => {
    const { upstream, url, audited } = await start({ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '6' });
    expect((await rpc(url, undefined, callBatch(3), LEGACY)).status).toBe(200);
    expect((await rpc(url, undefined, callBatch(2), LEGACY)).status).toBe(200);
    expect(upstream.received).toHaveLength(5);
    // One token left: the first message pays before the body is read, the second finds the bucket empty.
    const refused = await rpc(url, undefined, callBatch(2), LEGACY);
    expect(refused.status).toBe(429);
    // 60 per minute: one token a second.
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(upstream.received).toHaveLength(5);
    const audit = await audited(7);
    expect(audit.slice(5).map((line) => [line.decision, line.reason])).toEqual([
      ['deny', 'rate_limited'],
      ['deny', 'rate_limited'],
    ]);
    // The refused batch took no token of its own beyond the first: nothing is left, so even one call waits.
    expect((await rpc(url, undefined, toolsCall('get_pet', { petId: 1 }))).status).toBe(429);
  });

  it('#16 notifications and responses in a batch count as messages too', async () => {
    const { url } = await start({ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '2' });
    const notifications = Array.from({ length: 3 }, () => ({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    expect((await rpc(url, undefined, notifications, LEGACY)).status).toBe(429);
  });
});

describe('#16 batching by protocol revision', () => {
  it.each(['2025-06-18', '2025-11-25', '2026-01-01'])('#16 refuses an array body when MCP-Protocol-Version is %s: 400, -32600, audited, nothing runs', async (version) => {
    const { upstream, url, audited } = await start({});
    const response = await rpc(url, undefined, callBatch(2), { 'MCP-Protocol-Version': version });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ jsonrpc: '2.0', error: { code: -32600, message: `Invalid Request: batching is not supported in protocol version ${version}` }, id: null });
    expect(upstream.received).toHaveLength(0);
    expect((await audited(2)).map((line) => [line.tool, line.decision, line.reason])).toEqual([
      ['get_pet', 'deny', 'batching_unsupported'],
      ['get_pet', 'deny', 'batching_unsupported'],
    ]);
    // A single message under the same revision is served (400 only when the revision is unknown to the server).
    const single = await rpc(url, undefined, toolsCall('get_pet', { petId: 1 }), { 'MCP-Protocol-Version': version });
    expect(single.status).toBe(SUPPORTED_PROTOCOL_VERSIONS.includes(version) ? 200 : 400);
    expect(JSON.stringify(single.body)).not.toContain('batching');
  });

  it('#16 keeps batches for 2025-03-26 and for requests without the header, charged per message', async () => {
    const { upstream, url } = await start({ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '4' });
    expect((await rpc(url, undefined, callBatch(2), LEGACY)).status).toBe(200);
    const { 'MCP-Protocol-Version': _omitted, ...withoutVersion } = MCP_HEADERS;
    const response = await fetch(url, { method: 'POST', headers: withoutVersion, body: JSON.stringify(callBatch(2)) });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { id: number }[]).map((answer) => answer.id)).toEqual([1, 2]);
    expect(upstream.received).toHaveLength(4);
    // Four tokens spent.
    expect((await rpc(url, undefined, toolsCall('get_pet', { petId: 1 }))).status).toBe(429);
  });
});
