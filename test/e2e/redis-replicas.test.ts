/**
 * #14: several replicas share their state through one real Redis (redis-server on a loopback port, started here):
 * three in-process replicas of the runtime behind a round-robin proxy, with REDIS_URL set (a password in it, which no
 * log line may show). One caller's burst across the replicas is bounded by one bucket; a consent approval claimed on
 * one replica is refused on another; with Redis stopped, rate limits fall back to each replica's own bucket, consent
 * claims reject (fail closed), /readyz stays ready and names Redis as down; with Redis back, the bucket is shared again.
 */
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type RunningHttpServer } from '../../templates/runtime/http.js';
import { createRedisSingleUseRecord } from '../../templates/runtime/redis-state.js';
import { readSettings } from '../../templates/runtime/settings.js';
import { freePort } from '../support/free-port.js';
import { HAS_REDIS_SERVER, startRedisServer, stopRedisServer } from '../support/redis-server.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';
import { fixtureDefinition } from '../runtime/fixtures/definition.js';
import { MCP_HEADERS, rpc, toolsCall } from '../runtime/fixtures/protected.js';
import { startRoundRobinProxy, type RoundRobinProxy } from '../support/round-robin-proxy.js';

if (!HAS_REDIS_SERVER) console.warn('#14 redis-replicas: skipped, redis-server is not on PATH (apt-get install redis-server; CI installs it)');

const PASSWORD = 's3cret-redis-pw';
const PREFIX = 'e2e-replicas';
const BURST = 5;
const REPLICAS = 3;

/** Polls `check` every 50 ms, at most `tries` times; resolves once it holds. */
async function eventually(check: () => Promise<boolean> | boolean, tries = 300): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not reached');
}

describe.skipIf(!HAS_REDIS_SERVER)('#14 three replicas sharing one Redis behind a round-robin proxy', () => {
  let redisPort: number;
  let redis: ChildProcess | undefined;
  let upstream: RecordingUpstream;
  let proxy: RoundRobinProxy;
  let publicUrl: string;
  const replicas: RunningHttpServer[] = [];
  const logs: string[] = [];
  const inspector: { client?: Redis } = {};

  /** `count` tools/call requests through the proxy, one after the other; their statuses. */
  async function callThroughProxy(count: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) statuses.push((await rpc(publicUrl, undefined, toolsCall('get_pet', { petId: i + 1 }))).status);
    return statuses;
  }

  async function readiness(replica: RunningHttpServer): Promise<{ status: number; body: unknown }> {
    const response = await fetch(new URL('/readyz', replica.url));
    return { status: response.status, body: await response.json() };
  }

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedisServer(redisPort, PASSWORD);
    upstream = await startRecordingUpstream();
    const proxyPort = await freePort();
    publicUrl = `http://127.0.0.1:${proxyPort}/mcp`;
    const definition = fixtureDefinition();
    const ports: number[] = [];
    for (let index = 0; index < REPLICAS; index++) {
      // The same settings on every replica, as from one ConfigMap and Secret. AUTH_MODE=none: the caller is the
      // proxy's address, the same on every replica — one caller.
      const settings = readSettings(
        {
          AUTH_MODE: 'none',
          PORT: '0',
          MCP_PUBLIC_URL: publicUrl,
          UPSTREAM_BASE_URL: `${upstream.origin}/api`,
          REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redisPort}/0`,
          REDIS_KEY_PREFIX: PREFIX,
          // One token a minute: nothing refills during the test.
          RATE_LIMIT_PER_MINUTE: '1',
          RATE_LIMIT_BURST: String(BURST),
        },
        definition,
      );
      const replica = await startHttpServer(definition, settings, {
        audit: () => undefined,
        log: (level, message, fields) => logs.push(`${index} ${level} ${message} ${JSON.stringify(fields ?? {})}`),
      });
      replicas.push(replica);
      ports.push(Number(new URL(replica.url).port));
    }
    proxy = await startRoundRobinProxy(proxyPort, ports);
    inspector.client = new Redis({ port: redisPort, host: '127.0.0.1', password: PASSWORD, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    inspector.client.on('error', () => undefined);
    await inspector.client.connect();
  }, 60_000);

  afterAll(async () => {
    inspector.client?.disconnect();
    await Promise.allSettled(replicas.map((replica) => replica.close()));
    await new Promise((resolve) => proxy?.server.close(resolve));
    await upstream?.close();
    await stopRedisServer(redis);
  });

  it('#14 every replica is ready and names Redis as up', async () => {
    for (const replica of replicas) expect(await readiness(replica)).toEqual({ status: 200, body: { status: 'ready', redis: 'up' } });
  });

  it('#14 one caller across three replicas gets one bucket: exactly the burst is allowed, then 429 with Retry-After', async () => {
    upstream.received.length = 0;
    proxy.forwarded.length = 0;
    const statuses = await callThroughProxy(12);
    expect(statuses).toEqual([...Array(BURST).fill(200), ...Array(12 - BURST).fill(429)]);
    // Every replica answered some of them: the bucket is not per replica (per replica it would be 3 × 5 = 15 allowed).
    expect(new Set(proxy.forwarded.map((entry) => entry.backend)).size).toBe(REPLICAS);
    expect(new Set(proxy.forwarded.filter((entry) => entry.status === 200).map((entry) => entry.backend)).size).toBe(REPLICAS);
    expect(upstream.received).toHaveLength(BURST);
    const refused = await fetch(publicUrl, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(toolsCall('get_pet', { petId: 1 })) });
    expect(refused.status).toBe(429);
    // 1 token a minute: the next one is a minute away.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(50);
  });

  it('#14 Redis holds a hash of the caller key, never the caller key itself', async () => {
    const keys = await inspector.client!.keys(`${PREFIX}:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${PREFIX}:rate:[0-9a-f]{64}$`));
    expect(JSON.stringify(await inspector.client!.hgetall(keys[0]!))).not.toContain('127.0.0.1');
  });

  it('#14 a consent approval claimed on one replica is refused on another, and through a second Redis client', async () => {
    const expiresAt = Date.now() + 60_000;
    const [first, second, third] = replicas.map((replica) => replica.sharedState!.singleUse);
    expect(await first!.claim('approval-1', expiresAt)).toBe(true);
    expect(await second!.claim('approval-1', expiresAt)).toBe(false);
    expect(await third!.claim('approval-1', expiresAt)).toBe(false);
    // Two separate clients, as two processes would hold them.
    const other = new Redis({ port: redisPort, host: '127.0.0.1', password: PASSWORD, maxRetriesPerRequest: 0 });
    try {
      const record = createRedisSingleUseRecord(other, PREFIX);
      expect(await record.claim('approval-1', expiresAt)).toBe(false);
      expect(await record.claim('approval-2', expiresAt)).toBe(true);
      expect(await first!.claim('approval-2', expiresAt)).toBe(false);
      // Already expired: never claimable.
      expect(await record.claim('approval-3', Date.now() - 1)).toBe(false);
    } finally {
      other.disconnect();
    }
    const consentKeys = (await inspector.client!.keys(`${PREFIX}:consent:*`)).sort();
    expect(consentKeys).toHaveLength(2);
    for (const key of consentKeys) {
      expect(key).toMatch(new RegExp(`^${PREFIX}:consent:[0-9a-f]{64}$`));
      // PXAT: the record lasts as long as the approval.
      const ttl = await inspector.client!.pttl(key);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it('#14 Redis stopped: each replica falls back to its own bucket, consent claims reject, /readyz stays ready naming Redis down', async () => {
    await stopRedisServer(redis);
    redis = undefined;
    for (const replica of replicas) await eventually(() => !replica.sharedState!.up);
    for (const replica of replicas) expect(await readiness(replica)).toEqual({ status: 200, body: { status: 'ready', redis: 'down' } });

    // Per-process buckets, fresh: three replicas allow the burst each.
    proxy.forwarded.length = 0;
    const statuses = await callThroughProxy(REPLICAS * (BURST + 1));
    expect(statuses.filter((status) => status === 200)).toHaveLength(REPLICAS * BURST);
    expect(statuses.filter((status) => status === 429)).toHaveLength(REPLICAS);

    // Fail closed: an approval that cannot be recorded as used is not accepted.
    for (const replica of replicas) await expect(replica.sharedState!.singleUse.claim('approval-9', Date.now() + 60_000)).rejects.toThrow();

    // One line per replica for the outage, however many requests came; the password in no line.
    const outage = logs.filter((line) => line.includes('redis: unreachable'));
    expect(outage.map((line) => line.split(' ')[0]).sort()).toEqual(['0', '1', '2']);
    expect(outage[0]).toContain(`redis://127.0.0.1:${redisPort}`);
    expect(logs.join('\n')).not.toContain(PASSWORD);
  }, 60_000);

  it('#14 Redis back: the replicas reconnect, readiness names it up, and the bucket is shared again', async () => {
    redis = await startRedisServer(redisPort, PASSWORD);
    for (const replica of replicas) await eventually(() => replica.sharedState!.up);
    for (const replica of replicas) expect(await readiness(replica)).toEqual({ status: 200, body: { status: 'ready', redis: 'up' } });
    // The restarted Redis kept nothing: one full bucket for the caller, across all three.
    const statuses = await callThroughProxy(9);
    expect(statuses).toEqual([...Array(BURST).fill(200), ...Array(9 - BURST).fill(429)]);
    expect(logs.filter((line) => line.includes('redis: reachable again'))).toHaveLength(REPLICAS);
    expect(logs.join('\n')).not.toContain(PASSWORD);
  }, 60_000);
});
