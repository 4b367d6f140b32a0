/**
 * The sealed `requestState` of a consent question (2026-07-28 basic/patterns/mrtr): the client carries it from the
 * question to the retried tools/call, so it is attacker-controlled and is sealed with AES-256-GCM (NIST SP 800-38D),
 * under a key derived from CONSENT_KEY with HKDF-SHA256 (RFC 5869). It binds the approval to the caller (subject and
 * client id), the tool, a SHA-256 digest of the exact arguments, a random id (claimed once, single-use.ts) and an
 * expiry. Any replica holding the same CONSENT_KEY can open it.
 */

import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Caller } from './caller.js';
import { canonicalJson } from './canonical-json.js';

/** The bytes CONSENT_KEY must decode to, at least (AES-256 needs 32 bytes of key material). */
export const MIN_CONSENT_KEY_BYTES = 32;
/** Version prefix of a sealed state; a state of another format is refused as tampered. */
const PREFIX = 'pc1.';
/** Bound to every seal (GCM additional data), so a ciphertext made under the same key for another purpose never opens. */
const PURPOSE = Buffer.from('portcullis consent requestState v1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A sealed state longer than this is not one of ours: refused before any work. */
const MAX_STATE_CHARS = 2048;

/** What a consent approval is bound to. */
export interface ConsentClaims {
  /** The caller's subject, null when it has none (stdio, AUTH_MODE=none). */
  readonly sub: string | null;
  /** The caller's OAuth client id, null when it has none. */
  readonly cid: string | null;
  readonly tool: string;
  /** SHA-256 (base64url) of the canonical JSON of the validated arguments (argumentsDigest). */
  readonly args: string;
  /** Random id, claimed once when the approval is used. */
  readonly id: string;
  /** Expiry, in ms since the epoch. */
  readonly exp: number;
}

/** Why a presented state was refused (the audit's `why`). */
export type InvalidStateWhy = 'tampered' | 'expired' | 'replayed' | 'other_caller' | 'other_tool' | 'other_arguments' | 'record_unavailable';

/** Seals and opens consent states under one key. */
export interface ConsentSealer {
  seal(claims: ConsentClaims): string;
  /** The claims of `state`, or undefined when it was not sealed by this key (forged, altered, truncated). */
  open(state: string): ConsentClaims | undefined;
}

/**
 * The key bytes of CONSENT_KEY's text: hex when it is only hex digits (even length), else base64 or base64url (padding
 * optional). Returns a problem in words when it is neither or decodes to fewer than MIN_CONSENT_KEY_BYTES bytes.
 */
export function decodeConsentKey(text: string): { key: Buffer } | { problem: string } {
  let key: Buffer;
  if (/^(?:[0-9a-fA-F]{2})+$/.test(text)) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) || /^[A-Za-z0-9_-]+={0,2}$/.test(text)) key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  else return { problem: 'is neither hex nor base64/base64url' };
  if (key.length < MIN_CONSENT_KEY_BYTES) return { problem: `decodes to ${key.length} bytes; it needs at least ${MIN_CONSENT_KEY_BYTES} (e.g. openssl rand -base64 32)` };
  return { key };
}

/** A random key for a server started without CONSENT_KEY (its approvals open on this process only). */
export function randomConsentKey(): Buffer {
  return randomBytes(MIN_CONSENT_KEY_BYTES);
}

/** The sealer of `key` (the decoded CONSENT_KEY). */
export function createConsentSealer(key: Uint8Array): ConsentSealer {
  const aesKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), PURPOSE, 32));
  return {
    seal(claims) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
      cipher.setAAD(PURPOSE);
      const body = Buffer.concat([cipher.update(JSON.stringify(claims), 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
    },
    open(state) {
      if (state.length > MAX_STATE_CHARS || !state.startsWith(PREFIX)) return undefined;
      const packed = state.slice(PREFIX.length);
      if (!/^[A-Za-z0-9_-]+$/.test(packed)) return undefined;
      const bytes = Buffer.from(packed, 'base64url');
      if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', aesKey, bytes.subarray(0, IV_BYTES));
        decipher.setAAD(PURPOSE);
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        const text = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
        return asClaims(JSON.parse(text));
      } catch {
        // Authentication failed (RFC 5116 §2.2): the state was not sealed by this key, or was altered.
        return undefined;
      }
    },
  };
}

/** A fresh random id for one approval. */
export function approvalId(): string {
  return randomBytes(16).toString('base64url');
}

/** SHA-256 (base64url) of the canonical JSON of `args`: object members sorted by name at every level. */
export function argumentsDigest(args: unknown): string {
  return createHash('sha256').update(canonicalJson(args)).digest('base64url');
}

/** The caller's identity as bound into an approval. */
export function callerBinding(caller: Caller): Pick<ConsentClaims, 'sub' | 'cid'> {
  return { sub: caller.subject ?? null, cid: caller.clientId ?? null };
}

/**
 * Why `claims` do not approve this call (`caller` calling `tool` with arguments of digest `args` at `now`), or undefined
 * when they do. Expiry first: an old approval is refused as expired whoever presents it.
 */
export function mismatch(claims: ConsentClaims, expected: Omit<ConsentClaims, 'id' | 'exp'>, now: number): 'expired' | 'other_caller' | 'other_tool' | 'other_arguments' | undefined {
  if (claims.exp <= now) return 'expired';
  if (claims.sub !== expected.sub || claims.cid !== expected.cid) return 'other_caller';
  if (claims.tool !== expected.tool) return 'other_tool';
  if (claims.args !== expected.args) return 'other_arguments';
  return undefined;
}

/** The opened payload, checked field by field (a state sealed by an older build with another shape is refused). */
function asClaims(value: unknown): ConsentClaims | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { sub, cid, tool, args, id, exp } = value as Record<string, unknown>;
  const nullableText = (item: unknown) => item === null || typeof item === 'string';
  if (!nullableText(sub) || !nullableText(cid) || typeof tool !== 'string' || typeof args !== 'string' || typeof id !== 'string' || typeof exp !== 'number') return undefined;
  return { sub: sub as string | null, cid: cid as string | null, tool, args, id, exp };
}
