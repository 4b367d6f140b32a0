/**
 * The connection to the Redis the replicas share (REDIS_URL). Bounded everywhere, so that no MCP request ever waits on
 * Redis for long: a command times out after COMMAND_TIMEOUT_MS, is never queued while the connection is down
 * (enableOfflineQueue: false) and never retried (maxRetriesPerRequest: 0); reconnection goes on in the background with
 * a capped backoff. A change of state (up, down) is logged once, not per request, and no log line carries the URL's
 * user name or password: only its scheme, host and port.
 */

import { Redis } from 'ioredis';
import type { RedisSettings } from './redis-settings.js';
import type { Log } from './settings.js';

/** A command that takes longer fails; the caller falls back (rate limit) or refuses (consent). */
export const COMMAND_TIMEOUT_MS = 500;
/** Longest wait for a TCP (and TLS) connection to Redis. */
const CONNECT_TIMEOUT_MS = 2_000;
/** Longest pause between two reconnection attempts. */
const MAX_RECONNECT_DELAY_MS = 2_000;
/** How long start-up waits for the first connection before serving without it. */
const FIRST_CONNECT_WAIT_MS = 3_000;

/** A live link to Redis and whether it is usable now. */
export interface RedisLink {
  readonly client: Redis;
  /** Whether the connection is ready for commands right now. */
  readonly up: boolean;
  /** Resolves once the first attempt to connect has succeeded or failed (at most FIRST_CONNECT_WAIT_MS). */
  readonly settled: Promise<void>;
  /** Closes the connection (idempotent). */
  close(): Promise<void>;
}

/** Where REDIS_URL points, for logs: scheme, host and port, never its user name or password. */
export function redisLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '[unparsable REDIS_URL]';
  }
}

/** `message` with the URL's password and user name cut out, in case a client error ever echoes them. */
export function withoutCredentials(message: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return message;
  }
  let scrubbed = message.split(url).join(redisLocation(url));
  for (const secret of [parsed.password, decodeURIComponent(parsed.password), parsed.username, decodeURIComponent(parsed.username)]) {
    if (secret.length >= 3) scrubbed = scrubbed.split(secret).join('[redacted]');
  }
  return scrubbed;
}

/** Connects to `settings.url` (rediss:// uses TLS); logs each change of state once through `log`. */
export function connectRedis(settings: RedisSettings, log: Log): RedisLink {
  const where = redisLocation(settings.url);
  const client = new Redis(settings.url, {
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), MAX_RECONNECT_DELAY_MS),
    // The server's own name in CLIENT LIST helps an operator see who is connected.
    connectionName: settings.keyPrefix.replace(/[^A-Za-z0-9._-]/g, '_'),
  });
  let state: 'connecting' | 'up' | 'down' = 'connecting';
  let closed = false;
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
    setTimeout(resolve, FIRST_CONNECT_WAIT_MS).unref();
  });
  const goDown = (problem: string) => {
    settle();
    if (state === 'down' || closed) return;
    state = 'down';
    log('warn', 'redis: unreachable; rate limits fall back to per-process buckets and consent approvals are refused until it is back', { redis: where, error: withoutCredentials(problem, settings.url) });
  };
  client.on('ready', () => {
    settle();
    if (state === 'up') return;
    const recovered = state === 'down';
    state = 'up';
    log('info', recovered ? 'redis: reachable again; shared rate limits and consent records in use' : 'redis: connected; rate limits and consent records are shared by every replica', { redis: where });
  });
  // Without an 'error' listener the client's errors would crash the process.
  client.on('error', (error: Error) => goDown(error.message));
  client.on('close', () => goDown('connection closed'));
  return {
    client,
    get up() {
      return state === 'up' && client.status === 'ready';
    },
    settled,
    async close() {
      if (closed) return;
      closed = true;
      await client.quit().catch(() => client.disconnect());
    },
  };
}
