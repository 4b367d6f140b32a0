/**
 * State the replicas share through Redis when REDIS_URL is set: the per-caller rate limit (redis-rate-limit.ts), the
 * single-use record of consent approvals and, with REDIS_CACHE_KEY, the tokens exchanged for users, encrypted
 * (redis-token-cache.ts). Without REDIS_URL none of this is created and everything stays in memory.
 *
 * Redis unreachable: rate limits fall back to per-process buckets; a consent claim rejects, so the approval is refused
 * (fail closed: an approval that cannot be recorded as used could be replayed on another replica); /readyz stays
 * ready and names Redis as down (probes.ts), since an outage of the one shared Redis would otherwise take every
 * replica out of service at once, while most calls can still be served safely.
 */

import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiter } from './limits.js';
import type { RateLimit } from './limits.js';
import { connectRedis } from './redis-connection.js';
import { createRedisRateLimit } from './redis-rate-limit.js';
import type { RedisSettings } from './redis-settings.js';
import { createRedisTokenStore } from './redis-token-cache.js';
import type { Log } from './settings.js';
import type { SingleUseRecord } from './single-use.js';
import type { ExchangedTokenStore } from './token-exchange.js';

/** What the replicas share, and whether Redis can be reached now. */
export interface RedisState {
  readonly rateLimit: RateLimit;
  /** Consent approvals' single-use record; claim rejects while Redis cannot be reached. */
  readonly singleUse: SingleUseRecord;
  /** With REDIS_CACHE_KEY: the store of one scheme's exchanged tokens; a store that cannot answer is a cache miss. */
  readonly exchangedTokens?: (scheme: string) => ExchangedTokenStore;
  /** Whether Redis is reachable now (readiness names it as down otherwise). */
  readonly up: boolean;
  close(): Promise<void>;
}

/** The Redis key of a single-use id: the prefix and a SHA-256 of the id, never the id itself. */
export function consentKey(prefix: string, id: string): string {
  return `${prefix}:consent:${createHash('sha256').update(id).digest('hex')}`;
}

/**
 * A SingleUseRecord in Redis: `SET <prefix>:consent:<sha256(id)> 1 NX PXAT <expiresAtMs>`, atomic across replicas.
 * An id whose expiry has passed (by this process's clock) is never claimed: it resolves false without asking Redis.
 * @see https://redis.io/docs/latest/commands/set/
 */
export function createRedisSingleUseRecord(client: Redis, keyPrefix: string, now: () => number = Date.now): SingleUseRecord {
  return {
    async claim(id, expiresAtMs) {
      if (!Number.isSafeInteger(expiresAtMs) || expiresAtMs <= now()) return false;
      // Rejects when Redis cannot answer (offline queue off, command timeout): the caller refuses.
      const answer = await client.set(consentKey(keyPrefix, id), '1', 'PXAT', expiresAtMs, 'NX');
      return answer === 'OK';
    },
  };
}

/** Connects to Redis and builds the shared state; resolves once the first connection attempt has settled. */
export async function openRedisState(settings: RedisSettings, limits: { readonly rateLimitPerMinute: number; readonly rateLimitBurst: number }, log: Log): Promise<RedisState> {
  const link = connectRedis(settings, log);
  const rateLimit = createRedisRateLimit(link.client, {
    perMinute: limits.rateLimitPerMinute,
    burst: limits.rateLimitBurst,
    keyPrefix: settings.keyPrefix,
    up: () => link.up,
    fallback: new RateLimiter(limits.rateLimitPerMinute, limits.rateLimitBurst),
  });
  await link.settled;
  const { cacheKey } = settings;
  return {
    rateLimit,
    singleUse: createRedisSingleUseRecord(link.client, settings.keyPrefix),
    ...(cacheKey === undefined ? {} : { exchangedTokens: (scheme: string) => createRedisTokenStore(link.client, { keyPrefix: settings.keyPrefix, scheme, cacheKey }) }),
    get up() {
      return link.up;
    },
    close: () => link.close(),
  };
}
