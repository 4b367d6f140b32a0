/**
 * Limits that keep one caller, or a slow upstream, from taking the server down: a per-caller token bucket (requests
 * per minute with a burst), a cap on MCP requests in flight, and a cap on concurrent upstream requests with a bounded
 * queue.
 */

import { PortcullisError } from './errors.js';

/** Outcome of RateLimiter.take: allowed, or refused with the seconds until a request would be allowed. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * A per-key token bucket that may live elsewhere (redis-rate-limit.ts keeps one bucket per caller for every replica):
 * `take` resolves the decision, and never rejects.
 */
export interface RateLimit {
  /** Whether rate limiting is on at all (RATE_LIMIT_PER_MINUTE=0 turns it off). */
  readonly enabled: boolean;
  /** Whether `count` tokens could ever be taken at once (a bucket never holds more than `burst`). */
  fits(count: number): boolean;
  /** Takes `count` tokens of `key`'s bucket, all or none. */
  take(key: string, count?: number): Promise<RateDecision>;
}

/** The in-memory limiter as a RateLimit: one bucket per caller in this process. */
export function localRateLimit(limiter: RateLimiter): RateLimit {
  return {
    get enabled() {
      return limiter.enabled;
    },
    fits: (count) => limiter.fits(count),
    take: (key, count) => Promise.resolve(limiter.take(key, count)),
  };
}

/** Buckets kept at most; beyond it the least recently used is forgotten (it would be full again soon anyway). */
const MAX_BUCKETS = 10_000;

/** A token bucket per key: `burst` tokens, refilled at `perMinute` per minute. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updated: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    /** Milliseconds on any monotonic scale (tests inject one); default performance.now. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether rate limiting is on at all (RATE_LIMIT_PER_MINUTE=0 turns it off). */
  get enabled(): boolean {
    return this.perMinute > 0;
  }

  /** Whether `count` tokens could ever be taken at once (a bucket never holds more than `burst`). */
  fits(count: number): boolean {
    return !this.enabled || count <= this.burst;
  }

  /** Takes `count` tokens of `key`'s bucket, all or none: a batch is paid for whole or refused whole. */
  take(key: string, count = 1): RateDecision {
    if (!this.enabled) return { allowed: true };
    const now = this.now();
    const ratePerMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updated: now };
    // Re-inserted on every use, so the Map's order is least recently used first.
    this.buckets.delete(key);
    bucket.tokens = Math.min(this.burst, bucket.tokens + Math.max(0, now - bucket.updated) * ratePerMs);
    bucket.updated = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= count) {
      bucket.tokens -= count;
      return { allowed: true };
    }
    const wanted = Math.min(count, this.burst);
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((wanted - bucket.tokens) / ratePerMs / 1000)) };
  }
}

/** At most `max` units in flight at once, taken without waiting: what does not fit is refused at once. */
export class InFlightLimit {
  private active = 0;

  constructor(readonly max: number) {}

  /** Units in flight right now (tests and metrics). */
  get inFlight(): number {
    return this.active;
  }

  /** Takes `count` units, all or none; returns their release function (idempotent), or undefined when they do not fit. */
  tryTake(count = 1): (() => void) | undefined {
    if (this.active + count > this.max) return undefined;
    this.active += count;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= count;
    };
  }
}

/** Too many calls are already waiting for an upstream slot. */
export class QueueFullError extends PortcullisError {
  constructor(message: string) {
    super('ERR_UPSTREAM_QUEUE_FULL', message);
  }
}

/** At most `max` holders at once; up to `maxQueue` more wait in order, each until its signal aborts. */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: { grant: () => void }[] = [];

  constructor(
    readonly max: number,
    readonly maxQueue: number,
  ) {}

  /** Holders right now (tests and metrics). */
  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Resolves with a release function once a slot is free; rejects with QueueFullError when the queue is full, or with
   * the signal's reason when it aborts first (the upstream timeout covers the wait too).
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.maxQueue) return Promise.reject(new QueueFullError(`${this.waiting.length} calls are already waiting for the upstream API`));
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.active++;
          resolve(this.releaser());
        },
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.grant();
    };
  }
}
