/**
 * #14: the settings of the shared Redis (REDIS_URL, REDIS_KEY_PREFIX), the hashing of what goes into Redis, the
 * redaction of the URL's password, and the rate limit's fallback when Redis cannot answer. No redis-server needed
 * (test/e2e/redis-replicas.test.ts runs a real one).
 */

import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { SettingError } from '../../templates/runtime/errors.js';
import { RateLimiter } from '../../templates/runtime/limits.js';
import { redisLocation, withoutCredentials } from '../../templates/runtime/redis-connection.js';
import { createRedisRateLimit, rateBucketKey } from '../../templates/runtime/redis-rate-limit.js';
import { consentKey } from '../../templates/runtime/redis-state.js';
import { readSettings } from '../../templates/runtime/settings.js';
import { fixtureDefinition } from './fixtures/definition.js';
import { freePort } from '../support/free-port.js';
import { runEntry, type ExitedProcess } from '../support/run-entry.js';

const ENTRY = fileURLToPath(new URL('./fixtures/secured-server.ts', import.meta.url));
const PASSWORD = 'redis-pw-4f3e2d1c';

function run(args: string[], env: Record<string, string>): Promise<ExitedProcess> {
  return runEntry(ENTRY, args, env);
}

const BASE_ENV = { AUTH_MODE: 'none', UPSTREAM_BASE_URL: 'https://api.example.com' };

describe('#14 Redis settings', () => {
  it('#14 --print-config redacts REDIS_URL (it may carry a password) and shows REDIS_KEY_PREFIX', async () => {
    const { code, stdout, stderr } = await run(['--print-config'], { ...BASE_ENV, REDIS_URL: `rediss://:${PASSWORD}@redis.internal:6380/0`, REDIS_KEY_PREFIX: 'helpdesk-prod' });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^REDIS_URL=\[redacted\] +# env$/m);
    expect(stdout).toMatch(/^REDIS_KEY_PREFIX=helpdesk-prod +# env$/m);
    expect(stdout).not.toContain(PASSWORD);
    expect(stdout).not.toContain('redis.internal');
  });

  it('#14 a malformed REDIS_URL stops the start naming the variable, without echoing the value', async () => {
    const { code, stdout, stderr } = await run([], { ...BASE_ENV, PORT: '0', REDIS_URL: `https://user:${PASSWORD}@redis.internal` });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: REDIS_URL: has scheme "https:", not redis: or rediss:. Example: REDIS_URL=rediss://:password@redis.example.internal:6380/0\n');
    const unparsable = await run([], { ...BASE_ENV, PORT: '0', REDIS_URL: `:${PASSWORD}@` });
    expect(unparsable.stderr).toBe('error: REDIS_URL: is not a URL (its value is not shown: it may hold a password). Example: REDIS_URL=rediss://:password@redis.example.internal:6380/0\n');
  });

  it('#14 reads REDIS_URL and REDIS_KEY_PREFIX, the prefix defaulting to the server name; none without REDIS_URL or over stdio', () => {
    const definition = fixtureDefinition();
    expect(readSettings(BASE_ENV, definition).redis).toBeUndefined();
    expect(readSettings({ ...BASE_ENV, REDIS_URL: 'redis://127.0.0.1:6379' }, definition).redis).toEqual({ url: 'redis://127.0.0.1:6379', keyPrefix: 'petstore-test' });
    expect(readSettings({ ...BASE_ENV, REDIS_URL: 'redis://h/2', REDIS_KEY_PREFIX: 'a:b' }, definition).redis).toEqual({ url: 'redis://h/2', keyPrefix: 'a:b' });
    expect(readSettings({ ...BASE_ENV, REDIS_URL: 'redis://h' }, definition, { transport: 'stdio' }).redis).toBeUndefined();
  });

  it('#14 refuses a bad key prefix (with or without REDIS_URL), and a URL path that is not a database number', () => {
    const definition = fixtureDefinition();
    const refusal = (env: Record<string, string>) => {
      try {
        readSettings({ ...BASE_ENV, ...env }, definition);
      } catch (error) {
        expect(error).toBeInstanceOf(SettingError);
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refusal({ REDIS_KEY_PREFIX: 'a/b' })).toBe('REDIS_KEY_PREFIX: "a/b" is not 1 to 64 letters, digits, ".", "_", "-" or ":". Example: REDIS_KEY_PREFIX=mcp-prod');
    expect(refusal({ REDIS_URL: 'redis://h', REDIS_KEY_PREFIX: 'a b' })).toBe('REDIS_KEY_PREFIX: "a b" is not 1 to 64 letters, digits, ".", "_", "-" or ":". Example: REDIS_KEY_PREFIX=mcp-prod');
    expect(refusal({ REDIS_URL: 'redis://h/keys' })).toBe('REDIS_URL: has a path that is not a database number (e.g. /0). Example: REDIS_URL=rediss://:password@redis.example.internal:6380/0');
    expect(refusal({ REDIS_URL: 'redis:///0' })).toBe('REDIS_URL: names no host. Example: REDIS_URL=rediss://:password@redis.example.internal:6380/0');
  });
});

describe('#14 what goes into Redis, and what is logged about it', () => {
  it('#14 keys hold a SHA-256 of the caller key or consent id, never the key or id', () => {
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(rateBucketKey('helpdesk', 'sub:alice@example.com')).toBe(`helpdesk:rate:${sha('sub:alice@example.com')}`);
    expect(rateBucketKey('helpdesk', 'sub:alice@example.com')).not.toContain('alice');
    expect(consentKey('helpdesk', 'approval-123')).toBe(`helpdesk:consent:${sha('approval-123')}`);
  });

  it('#14 logs name Redis by scheme, host and port only; a client error echoing the password is scrubbed', () => {
    const url = `rediss://admin:${PASSWORD}@redis.internal:6380/1`;
    expect(redisLocation(url)).toBe('rediss://redis.internal:6380');
    expect(withoutCredentials(`WRONGPASS for ${PASSWORD} at ${url}`, url)).toBe('WRONGPASS for [redacted] at rediss://redis.internal:6380');
    expect(withoutCredentials('connect ECONNREFUSED 127.0.0.1:6380', url)).toBe('connect ECONNREFUSED 127.0.0.1:6380');
  });

  it('#14 the shared rate limit falls back to the per-process bucket when Redis is down or a command fails', async () => {
    // Nothing listens on this port: with the offline queue off, every command rejects at once.
    const client = new Redis({ port: await freePort(), host: '127.0.0.1', lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      for (const up of [false, true]) {
        const limit = createRedisRateLimit(client, { perMinute: 60, burst: 2, keyPrefix: 'p', up: () => up, fallback: new RateLimiter(60, 2, () => 0) });
        expect(limit.fits(2)).toBe(true);
        expect(limit.fits(3)).toBe(false);
        expect([await limit.take('k'), await limit.take('k'), await limit.take('k')]).toEqual([{ allowed: true }, { allowed: true }, { allowed: false, retryAfterSeconds: 1 }]);
      }
      const off = createRedisRateLimit(client, { perMinute: 0, burst: 1, keyPrefix: 'p', up: () => true, fallback: new RateLimiter(0, 1) });
      expect([off.enabled, await off.take('k', 50)]).toEqual([false, { allowed: true }]);
    } finally {
      client.disconnect();
    }
  });
});
