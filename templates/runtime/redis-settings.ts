/**
 * The settings of the shared state in Redis (REDIS_URL, REDIS_KEY_PREFIX): several replicas share their per-caller
 * rate limit and the single-use record of consent approvals through one Redis. Pure: imports no Redis client, so the
 * generator can read it to document the settings.
 */

import { SettingError } from './errors.js';
import type { Parser } from './setting-parsers.js';
import { fail, ok } from './setting-parsers.js';

/** Where the shared state lives; undefined in Settings when REDIS_URL is unset (everything stays in memory). */
export interface RedisSettings {
  /** redis:// or rediss:// (TLS) URL, possibly with a password: never logged or printed. */
  readonly url: string;
  /** Prefix of every key this server writes, so several servers can share one Redis. */
  readonly keyPrefix: string;
  /** REDIS_CACHE_KEY: encrypts exchanged tokens shared through Redis; without it they stay in each process. */
  readonly cacheKey?: Buffer;
}

/**
 * A redis:// or rediss:// URL with a host. Its text is never echoed in a refusal: it may carry a password.
 * @see https://www.iana.org/assignments/uri-schemes/prov/redis
 */
export const redisUrl: Parser<string> = (value) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('is not a URL (its value is not shown: it may hold a password)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return fail(`has scheme "${url.protocol.replace(/[^a-z0-9+.:-]/gi, '')}", not redis: or rediss:`);
  if (!url.hostname) return fail('names no host');
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname)) return fail('has a path that is not a database number (e.g. /0)');
  return ok(value);
};

/** A key prefix: letters, digits and . _ - :, at most 64 characters. */
export const redisKeyPrefix: Parser<string> = (value) =>
  /^[A-Za-z0-9._:-]{1,64}$/.test(value) ? ok(value) : fail(`"${value.slice(0, 80).replace(/[\x00-\x1f\x7f]/g, '?')}" is not 1 to 64 letters, digits, ".", "_", "-" or ":"`);

/** What readRedisSettings needs of a setting definition (setting-definitions.ts, which imports this module's parsers). */
interface RedisSettingDefinition<T = string> {
  readonly variable: string;
  readonly example: string;
  parse(text: string): T;
}

/** REDIS_URL and REDIS_KEY_PREFIX (default `serverName`); undefined without REDIS_URL. Throws SettingError when either is malformed. */
export function readRedisSettings(
  env: NodeJS.ProcessEnv,
  settings: { readonly redisUrl: RedisSettingDefinition; readonly redisKeyPrefix: RedisSettingDefinition; readonly redisCacheKey: RedisSettingDefinition<Buffer> },
  serverName: string,
): RedisSettings | undefined {
  const url = read(env, settings.redisUrl);
  const prefix = read(env, settings.redisKeyPrefix);
  const cacheKey = read(env, settings.redisCacheKey);
  // A prefix without REDIS_URL is checked but unused: every process keeps its own state.
  if (url === undefined) return undefined;
  const keyPrefix = prefix ?? serverName;
  const parsed = redisKeyPrefix(keyPrefix);
  if ('problem' in parsed) throw new SettingError(settings.redisKeyPrefix.variable, `is not set and the server's name ${parsed.problem}`, settings.redisKeyPrefix.example);
  return { url, keyPrefix, ...(cacheKey === undefined ? {} : { cacheKey }) };
}

/** The parsed value of a setting without a default; an empty value counts as unset. */
function read<T>(env: NodeJS.ProcessEnv, definition: RedisSettingDefinition<T>): T | undefined {
  const value = env[definition.variable]?.trim();
  return value ? definition.parse(value) : undefined;
}
