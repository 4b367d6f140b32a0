/** What one caller may cost the endpoint (request-limits.ts): rate-limit tokens and in-flight slots, batches whole. */

import { describe, expect, it } from 'vitest';
import { ANONYMOUS_CALLER } from '../../templates/runtime/caller.js';
import { isRefusal } from '../../templates/runtime/refusal.js';
import { createRequestLimits, rateKeyOf } from '../../templates/runtime/request-limits.js';

const SLOW_DOWN = 'Too many requests: slow down and retry after the Retry-After delay';
const OVERLOADED = { status: 503, reason: 'overloaded', message: 'Service unavailable: too many requests in flight; retry after the Retry-After delay', headers: { 'Retry-After': '1' } };

describe('request-limits', () => {
  it('#10 keys the rate limit by subject, else client id, else the connection address (never X-Forwarded-For)', () => {
    expect(rateKeyOf({ subject: 'alice', clientId: 'app', scopes: [], roles: [] }, '10.0.0.1')).toBe('sub:alice');
    expect(rateKeyOf({ clientId: 'app', scopes: [], roles: [] }, '10.0.0.1')).toBe('client:app');
    expect(rateKeyOf(ANONYMOUS_CALLER, '10.0.0.1')).toBe('addr:10.0.0.1');
    expect(rateKeyOf(ANONYMOUS_CALLER, undefined)).toBe('addr:unknown');
  });

  it('#10 admits a burst per key, then refuses 429 with the seconds until the next token', async () => {
    let now = 0;
    const limits = createRequestLimits({ rateLimitPerMinute: 60, rateLimitBurst: 2, maxConcurrentRequests: 4 }, { clock: () => now });
    expect([await limits.admit('sub:a'), await limits.admit('sub:a'), await limits.admit('sub:b')]).toEqual([undefined, undefined, undefined]);
    expect(await limits.admit('sub:a')).toEqual({ status: 429, reason: 'rate_limited', message: SLOW_DOWN, headers: { 'Retry-After': '1' } });
    now += 1000;
    expect(await limits.admit('sub:a')).toBeUndefined();
  });

  it('#10 takes in-flight slots until none is left, then refuses 503; a release frees them', () => {
    const limits = createRequestLimits({ rateLimitPerMinute: 0, rateLimitBurst: 0, maxConcurrentRequests: 2 });
    const first = limits.takeSlot();
    const second = limits.takeSlot();
    expect([isRefusal(first), isRefusal(second)]).toEqual([false, false]);
    expect(limits.takeSlot()).toEqual(OVERLOADED);
    expect(limits.inFlight.inFlight).toBe(2);
    if (!isRefusal(first)) first();
    expect(limits.inFlight.inFlight).toBe(1);
  });

  it('#10 charges a batch for its messages after the first, all or none, in order: burst, size, tokens, slots', async () => {
    let now = 0;
    const limits = createRequestLimits({ rateLimitPerMinute: 60, rateLimitBurst: 5, maxConcurrentRequests: 3 }, { clock: () => now });
    expect(await limits.chargeBatch(6, 'k')).toEqual({ status: 429, reason: 'rate_limited', message: 'Too many requests: a batch may hold at most 5 requests; send fewer at once' });
    expect(await limits.chargeBatch(4, 'k')).toEqual({ status: 400, reason: 'batch_too_large', message: 'Invalid Request: a batch may hold at most 3 requests', code: -32600 });
    for (let index = 0; index < 4; index += 1) await limits.admit('j');
    expect(await limits.chargeBatch(3, 'j')).toEqual({ status: 429, reason: 'rate_limited', message: SLOW_DOWN, headers: { 'Retry-After': '1' } });
    now += 60_000;
    const held = [limits.takeSlot(), limits.takeSlot()];
    expect(await limits.chargeBatch(3, 'k')).toEqual(OVERLOADED);
    const first = held.shift()!;
    if (!isRefusal(first)) first();
    const batch = await limits.chargeBatch(3, 'other');
    expect(isRefusal(batch)).toBe(false);
    expect(limits.inFlight.inFlight).toBe(3);
    for (const release of [...held, batch]) if (!isRefusal(release)) release();
    expect(limits.inFlight.inFlight).toBe(0);
  });

  it('#10 a batch refused for its size takes no rate-limit tokens', async () => {
    const limits = createRequestLimits({ rateLimitPerMinute: 60, rateLimitBurst: 5, maxConcurrentRequests: 3 }, { clock: () => 0 });
    expect(await limits.chargeBatch(4, 'x')).toMatchObject({ status: 400, reason: 'batch_too_large' });
    // Burst 5: two batches of three take the four tokens after their first messages — none went to the refused one.
    for (let round = 0; round < 2; round += 1) {
      const batch = await limits.chargeBatch(3, 'x');
      expect(isRefusal(batch)).toBe(false);
      if (!isRefusal(batch)) batch();
    }
  });

  it('#10 charges nothing more for a batch of one, nor with rate limiting off', async () => {
    const limits = createRequestLimits({ rateLimitPerMinute: 0, rateLimitBurst: 0, maxConcurrentRequests: 2 });
    expect(isRefusal(await limits.chargeBatch(1, 'k'))).toBe(false);
    expect(limits.inFlight.inFlight).toBe(0);
    expect(isRefusal(await limits.chargeBatch(2, 'k'))).toBe(false);
    expect(limits.inFlight.inFlight).toBe(1);
  });
});
