/**
 * What one caller may cost the MCP endpoint: a rate-limit token per JSON-RPC message (per caller, RATE_LIMIT_PER_MINUTE
 * and RATE_LIMIT_BURST) and an in-flight slot per message (MCP_MAX_CONCURRENT_REQUESTS), both taken for the first
 * message before the body is read and for the rest of a batch once it is parsed, all or none. Refusals are 429 and
 * 503 with Retry-After (RFC 6585 §4, RFC 9110 §15.6.4 and §10.2.3). The token buckets are this process's, or with
 * REDIS_URL one per caller shared by every replica (redis-rate-limit.ts): taking a token is therefore asynchronous.
 */

import type { Caller } from './caller.js';
import { InFlightLimit, localRateLimit, RateLimiter } from './limits.js';
import type { RateLimit } from './limits.js';
import type { Refusal } from './refusal.js';

/** Seconds a client is asked to wait when every in-flight slot is taken: requests are short. */
const RETRY_AFTER_OVERLOAD_SECONDS = 1;
const SLOW_DOWN = 'Too many requests: slow down and retry after the Retry-After delay';

export interface RequestLimitSettings {
  readonly rateLimitPerMinute: number;
  readonly rateLimitBurst: number;
  readonly maxConcurrentRequests: number;
}

/** Frees the in-flight slots it stands for (idempotent). */
export type Release = () => void;

export interface RequestLimits {
  /** Caps MCP requests in flight; readable for tests and metrics. */
  readonly inFlight: InFlightLimit;
  /** Takes the rate-limit token of a request's first message for `key` (rateKeyOf); the 429 refusal when there is none. */
  admit(key: string): Promise<Refusal | undefined>;
  /** Takes the in-flight slot of a request's first message; the 503 refusal when every slot is taken. */
  takeSlot(): Release | Refusal;
  /** Pays for the messages of a batch of `count` after the first: their tokens and slots, or the refusal of the whole batch. */
  chargeBatch(count: number, key: string): Promise<Release | Refusal>;
}

/** Where the rate limit's buckets live: this process (default, with `clock`), or a shared RateLimit (Redis). */
export interface RequestLimitOptions {
  /** The in-memory rate limiter's monotonic clock in ms (tests move it). */
  readonly clock?: (() => number) | undefined;
  /** A shared rate limit (redis-rate-limit.ts) used instead of the in-memory one. */
  readonly rateLimit?: RateLimit | undefined;
}

/** The limits of an endpoint; the rate limit's buckets are in this process unless `options.rateLimit` is given. */
export function createRequestLimits(settings: RequestLimitSettings, options: RequestLimitOptions = {}): RequestLimits {
  const rateLimiter = options.rateLimit ?? localRateLimit(new RateLimiter(settings.rateLimitPerMinute, settings.rateLimitBurst, options.clock));
  const inFlight = new InFlightLimit(settings.maxConcurrentRequests);

  async function take(key: string, count: number): Promise<Refusal | undefined> {
    const limited = await rateLimiter.take(key, count);
    return limited.allowed ? undefined : { status: 429, reason: 'rate_limited', message: SLOW_DOWN, headers: { 'Retry-After': String(limited.retryAfterSeconds) } };
  }

  function slots(count: number): Release | Refusal {
    return inFlight.tryTake(count) ?? overloaded();
  }

  return {
    inFlight,
    admit: (key) => take(key, 1),
    takeSlot: () => slots(1),
    async chargeBatch(count, key) {
      if (count <= 1) return () => undefined;
      // A refused batch is refused whole: nothing in it runs.
      if (!rateLimiter.fits(count)) {
        return { status: 429, reason: 'rate_limited', message: `Too many requests: a batch may hold at most ${settings.rateLimitBurst} requests; send fewer at once` };
      }
      // Checked before any token is taken: a batch refused for its size costs its sender nothing.
      if (count > inFlight.max) return { status: 400, reason: 'batch_too_large', message: `Invalid Request: a batch may hold at most ${inFlight.max} requests`, code: -32600 };
      const limited = await take(key, count - 1);
      if (limited) return limited;
      return slots(count - 1);
    },
  };
}

/**
 * The rate limiter's key: the token's subject, else its client id, else (AUTH_MODE=none, or a token naming neither)
 * the address the connection comes from. X-Forwarded-For is not trusted: any client can send it.
 */
export function rateKeyOf(caller: Caller, remoteAddress: string | undefined): string {
  if (caller.subject !== undefined) return `sub:${caller.subject}`;
  if (caller.clientId !== undefined) return `client:${caller.clientId}`;
  return `addr:${remoteAddress ?? 'unknown'}`;
}

/** The 503 refusal when every in-flight slot is taken (MCP_MAX_CONCURRENT_REQUESTS). */
function overloaded(): Refusal {
  const message = 'Service unavailable: too many requests in flight; retry after the Retry-After delay';
  return { status: 503, reason: 'overloaded', message, headers: { 'Retry-After': String(RETRY_AFTER_OVERLOAD_SECONDS) } };
}
