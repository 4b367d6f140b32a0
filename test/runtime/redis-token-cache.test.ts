/**
 * #14: the exchanged-token cache shared by the replicas in Redis (redis-token-cache.ts, the store seam of
 * token-exchange.ts), against a real redis-server on loopback: a caller token exchanged on one replica is reused by
 * another; Redis holds no caller token, no hash of one and no exchanged token in the clear; an entry moved, altered
 * or sealed with another key is a miss; entries expire with the exchange; Redis unreachable costs an exchange, never
 * a call.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisTokenStore } from '../../templates/runtime/redis-token-cache.js';
import { CallerToken, createTokenExchanger, readExchangeSettings } from '../../templates/runtime/token-exchange.js';
import { freePort } from '../support/free-port.js';
import { HAS_REDIS_SERVER, startRedisServer, stopRedisServer } from '../support/redis-server.js';

if (!HAS_REDIS_SERVER) console.warn('#14 redis-token-cache: skipped, redis-server is not on PATH (apt-get install redis-server; CI installs it)');

const PREFIX = 'cache-test';
const CONFIG = readExchangeSettings(
  { name: 'token', envPrefix: 'UP_TOKEN', type: 'oauth2Token' },
  { UP_TOKEN_EXCHANGE: 'token-exchange', UP_TOKEN_TOKEN_URL: 'https://as.example.com/token', UP_TOKEN_CLIENT_ID: 'mcp-server', UP_TOKEN_CLIENT_SECRET: 'secret' },
)!;

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token endpoint answering each exchange with a new JWT-shaped token for the caller's `sub`, valid 600 s. */
function tokenEndpoint() {
  const issued: string[] = [];
  const fetchImpl: typeof fetch = async (_input, init) => {
    const subject = new URLSearchParams(String(init?.body)).get('subject_token')!;
    const sub = (JSON.parse(Buffer.from(subject.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
    const token = `${part({ alg: 'RS256' })}.${part({ sub, n: issued.length })}.exchanged-${issued.length}`;
    issued.push(token);
    return Response.json({ access_token: token, token_type: 'Bearer', expires_in: 600 });
  };
  return { issued, fetch: fetchImpl };
}

function callerToken(sub: string, tag: string): CallerToken {
  return new CallerToken(`${part({ alg: 'RS256' })}.${part({ sub })}.caller-${tag}`, undefined, sub);
}

describe.skipIf(!HAS_REDIS_SERVER)('#14 exchanged tokens cached in Redis, encrypted', () => {
  let redis: ChildProcess | undefined;
  let port: number;
  const clients: Redis[] = [];
  const cacheKey = randomBytes(32);

  /** A new connection, as each replica holds its own. */
  function connection(): Redis {
    const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  }

  /** One replica's exchanger over the shared store. */
  async function replica(endpoint: ReturnType<typeof tokenEndpoint>, key = cacheKey) {
    const client = connection();
    await client.connect();
    return createTokenExchanger(CONFIG, { fetch: endpoint.fetch, now: Date.now, timeoutMs: 1000, store: () => createRedisTokenStore(client, { keyPrefix: PREFIX, scheme: 'token', cacheKey: key }) });
  }

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedisServer(port);
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await stopRedisServer(redis);
  });

  it('#14 a caller token exchanged on one replica is reused by another; another caller gets its own', async () => {
    const endpoint = tokenEndpoint();
    const [first, second] = [await replica(endpoint), await replica(endpoint)];
    const alice = await first(callerToken('alice', 'a'));
    expect(await second(callerToken('alice', 'a'))).toEqual(alice);
    expect(endpoint.issued).toHaveLength(1);
    const bob = await second(callerToken('bob', 'b'));
    expect(bob.token).not.toBe(alice.token);
    expect(bob.onBehalfOf).toBe('bob');
    expect(endpoint.issued).toHaveLength(2);
  });

  it('#14 Redis holds no caller token, no hash of one, and no exchanged token in the clear; entries expire with the exchange', async () => {
    const inspector = connection();
    await inspector.connect();
    const endpoint = tokenEndpoint();
    const caller = callerToken('carol', 'c');
    const before = Date.now();
    await (await replica(endpoint))(caller);
    const keys = await inspector.keys(`${PREFIX}:exchange:*`);
    const everything = (await Promise.all(keys.map(async (key) => `${key} ${await inspector.get(key)}`))).join('\n');
    const hash = createHash('sha256').update(caller.value).digest('base64url');
    for (const secret of [caller.value, hash, 'caller-c', endpoint.issued[0]!, 'exchanged-0', part({ sub: 'carol', n: 0 })]) expect(everything).not.toContain(secret);
    for (const key of keys) expect(key).toMatch(new RegExp(`^${PREFIX}:exchange:[0-9a-f]{64}$`));
    // Renewed 30 s before its 600 s: Redis forgets it then (the newest entry is carol's).
    const ttls = await Promise.all(keys.map((key) => inspector.pttl(key)));
    for (const ttl of ttls) expect(ttl).toBeLessThanOrEqual(570_000);
    expect(Math.max(...ttls)).toBeGreaterThan(570_000 - (Date.now() - before) - 1000);
  });

  it('#14 an entry moved under another caller, altered, or sealed with another cache key is a miss', async () => {
    const inspector = connection();
    await inspector.connect();
    await inspector.flushall();
    const endpoint = tokenEndpoint();
    const exchange = await replica(endpoint);
    const dave = await exchange(callerToken('dave', 'd'));
    await exchange(callerToken('erin', 'e'));
    const [daveKey, erinKey] = await inspector.keys(`${PREFIX}:exchange:*`);
    expect([daveKey, erinKey].every(Boolean)).toBe(true);
    // Whichever key is whose: swap the two values; neither opens under the other key.
    const [a, b] = [await inspector.get(daveKey!), await inspector.get(erinKey!)];
    await inspector.set(daveKey!, b!, 'KEEPTTL');
    await inspector.set(erinKey!, a!, 'KEEPTTL');
    const again = await exchange(callerToken('dave', 'd'));
    expect(again.token).not.toBe(dave.token);
    expect(again.onBehalfOf).toBe('dave');
    expect(endpoint.issued).toHaveLength(3);
    // Altered ciphertext: a miss.
    const keys = await inspector.keys(`${PREFIX}:exchange:*`);
    for (const key of keys) {
      const value = Buffer.from((await inspector.get(key))!, 'base64url');
      value[value.length - 1]! ^= 1;
      await inspector.set(key, value.toString('base64url'), 'KEEPTTL');
    }
    await exchange(callerToken('dave', 'd'));
    expect(endpoint.issued).toHaveLength(4);
    // Another cache key (a replica configured differently, or after a rotation): a miss, never a wrong token.
    const rotated = await replica(endpoint, randomBytes(32));
    const fresh = await rotated(callerToken('dave', 'd'));
    expect(endpoint.issued).toHaveLength(5);
    expect(fresh.token).toBe(endpoint.issued[4]);
  });

  it('#14 Redis unreachable: each call exchanges again, and none fails', async () => {
    const endpoint = tokenEndpoint();
    // Never connected: with the offline queue off every command rejects at once.
    const down = new Redis({ port: await freePort(), host: '127.0.0.1', lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    down.on('error', () => undefined);
    clients.push(down);
    const exchange = createTokenExchanger(CONFIG, { fetch: endpoint.fetch, now: Date.now, timeoutMs: 1000, store: () => createRedisTokenStore(down, { keyPrefix: PREFIX, scheme: 'token', cacheKey }) });
    const first = await exchange(callerToken('frank', 'f'));
    const second = await exchange(callerToken('frank', 'f'));
    expect(endpoint.issued).toEqual([first.token, second.token]);
  });
});
