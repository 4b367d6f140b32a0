/**
 * The per-caller token bucket shared by every replica, kept in Redis: one bucket per caller, so a burst spread over N
 * replicas is bounded by RATE_LIMIT_BURST, not N times it. A small Lua script refills and takes tokens atomically,
 * with Redis's own clock (TIME), so the replicas' clocks do not matter.
 *
 * Why a script rather than a fixed-window library: RATE_LIMIT_PER_MINUTE and RATE_LIMIT_BURST describe a token bucket
 * (a steady refill, a bucket of `burst`), the same rule as the in-memory limiter (limits.ts). A window counter allows
 * twice its limit across a window edge and cannot express the burst separately from the rate.
 *
 * The key is `<prefix>:rate:<sha256 of the caller key>`: no subject, client id or address is stored in Redis.
 *
 * Redis unreachable (or a command timing out): the decision falls back to this process's own bucket for the caller,
 * so an outage of Redis does not refuse every caller on every replica; the limit is then per replica, as without
 * Redis. The change of state is logged by redis-connection.ts.
 */

import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RateDecision, RateLimit, RateLimiter } from './limits.js';

/**
 * KEYS[1]: the bucket (a hash of tokens and the time of their count, in ms). ARGV: refill per ms, burst, count.
 * Returns {1, 0} when `count` tokens were taken, else {0, seconds until they could be}.
 */
const TAKE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(bucket[1])
local updated = tonumber(bucket[2])
if tokens == nil or updated == nil then
  tokens = burst
  updated = now
end
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
local allowed = 0
if tokens >= count then
  tokens = tokens - count
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'updated', now)
-- Forgotten once it would be full again: a full bucket and no bucket are the same.
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
if allowed == 1 then
  return {1, 0}
end
local wanted = math.min(count, burst)
return {0, math.max(1, math.ceil((wanted - tokens) / rate / 1000))}
`;

/** The Redis command the script is registered as. */
const COMMAND = 'portcullisTakeTokens';

type ScriptClient = Redis & { [COMMAND](key: string, rate: string, burst: number, count: number): Promise<[number, number]> };

/** The Redis key of a caller's bucket: the prefix and a SHA-256 of the caller key, never the key itself. */
export function rateBucketKey(prefix: string, callerKey: string): string {
  return `${prefix}:rate:${createHash('sha256').update(callerKey).digest('hex')}`;
}

export interface RedisRateLimitOptions {
  readonly perMinute: number;
  readonly burst: number;
  readonly keyPrefix: string;
  /** Whether the connection is usable now; when it is not, no command is tried. */
  readonly up: () => boolean;
  /** This process's own bucket, used while Redis cannot be asked. */
  readonly fallback: RateLimiter;
}

/** A RateLimit whose buckets live in Redis, falling back to `options.fallback` while Redis cannot answer. */
export function createRedisRateLimit(client: Redis, options: RedisRateLimitOptions): RateLimit {
  if (!(COMMAND in client)) client.defineCommand(COMMAND, { numberOfKeys: 1, lua: TAKE_SCRIPT });
  const scripted = client as ScriptClient;
  // Enough digits that a slow rate (1 per minute is 1.7e-5 per ms) keeps its precision.
  const ratePerMs = (options.perMinute / 60_000).toPrecision(12);
  const enabled = options.perMinute > 0;

  async function take(key: string, count = 1): Promise<RateDecision> {
    if (!enabled) return { allowed: true };
    if (!options.up()) return options.fallback.take(key, count);
    try {
      const [allowed, retryAfterSeconds] = await scripted[COMMAND](rateBucketKey(options.keyPrefix, key), ratePerMs, options.burst, count);
      return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterSeconds };
    } catch {
      // Timed out or the connection dropped mid-command: this process decides alone (the connection logs the outage).
      return options.fallback.take(key, count);
    }
  }

  return {
    enabled,
    fits: (count) => !enabled || count <= options.burst,
    take,
  };
}
