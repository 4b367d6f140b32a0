/**
 * The cache of exchanged upstream tokens (token-exchange.ts) in the Redis the replicas share, so a user's token is
 * exchanged once for every replica. Nothing in Redis can be used without the server's cache key (32 bytes):
 *
 * - the Redis key is `<prefix>:exchange:<HMAC-SHA-256 of the scheme and the caller token's hash>`, so the entries
 *   cannot be matched to caller tokens without the key;
 * - the value is the exchanged token encrypted with AES-256-GCM (a fresh 96-bit IV per entry, NIST SP 800-38D §8.2),
 *   the Redis key as additional authenticated data, so an entry copied under another caller's key does not decrypt;
 * - it expires (PXAT) when the in-memory cache would renew it: never after the caller's token expires.
 *
 * Two sub-keys are derived from the cache key with HKDF-SHA-256 (RFC 5869), one to name entries, one to encrypt them.
 * An entry that does not decrypt (another key after a rotation, or tampering) is a miss.
 */

import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CachedExchange, ExchangedTokenStore } from './token-exchange.js';

/** Bytes of the cache key (AES-256). */
export const CACHE_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface RedisTokenStoreOptions {
  readonly keyPrefix: string;
  /** The security scheme whose exchanged tokens are kept (one scheme's tokens never answer another's). */
  readonly scheme: string;
  /** REDIS_CACHE_KEY: at least CACHE_KEY_BYTES random bytes, the same on every replica (keys are derived from it). */
  readonly cacheKey: Buffer;
}

/** An ExchangedTokenStore in Redis, encrypted at rest; rejects (a miss for the exchanger) when Redis cannot answer. */
export function createRedisTokenStore(client: Redis, options: RedisTokenStoreOptions): ExchangedTokenStore {
  if (options.cacheKey.length < CACHE_KEY_BYTES) throw new TypeError(`the token cache key must have at least ${CACHE_KEY_BYTES} bytes`);
  const derive = (label: string) => Buffer.from(hkdfSync('sha256', options.cacheKey, Buffer.alloc(0), `portcullis exchanged-token cache ${label}`, CACHE_KEY_BYTES));
  const indexKey = derive('index');
  const encryptionKey = derive('encryption');
  const redisKey = (callerTokenHash: string) =>
    `${options.keyPrefix}:exchange:${createHmac('sha256', indexKey).update(`${options.scheme}\0${callerTokenHash}`).digest('hex')}`;

  return {
    async get(callerTokenHash) {
      const key = redisKey(callerTokenHash);
      const stored = await client.get(key);
      return stored === null ? undefined : decrypt(stored, encryptionKey, key);
    },
    async set(callerTokenHash, entry) {
      const key = redisKey(callerTokenHash);
      await client.set(key, encrypt(entry, encryptionKey, key), 'PXAT', Math.ceil(entry.renewAt));
    },
  };
}

/** `entry` sealed with AES-256-GCM, bound to `redisKey`: base64url of IV, tag and ciphertext. */
function encrypt(entry: CachedExchange, key: Buffer, redisKey: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(redisKey, 'utf8'));
  const plain = JSON.stringify({ token: entry.exchanged.token, onBehalfOf: entry.exchanged.onBehalfOf, renewAt: entry.renewAt });
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The entry sealed in `stored` for `redisKey`, or undefined when it does not open (other key, tampered, malformed). */
function decrypt(stored: string, key: Buffer, redisKey: string): CachedExchange | undefined {
  const bytes = Buffer.from(stored, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(redisKey, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    const value = JSON.parse(plain) as { token?: unknown; onBehalfOf?: unknown; renewAt?: unknown };
    if (typeof value.token !== 'string' || typeof value.renewAt !== 'number') return undefined;
    const onBehalfOf = typeof value.onBehalfOf === 'string' ? value.onBehalfOf : undefined;
    return { exchanged: { token: value.token, onBehalfOf }, renewAt: value.renewAt };
  } catch {
    return undefined;
  }
}
