/**
 * The digest of a JSON value that does not depend on the order of its object keys: sha256 over its canonical JSON
 * (keys sorted by code unit, no whitespace, what `JSON.stringify` leaves out left out), written `sha256:<hex>`.
 *
 * The manifest records it for the whole spec, so it is streamed into the hash in chunks as the value is walked: the
 * canonical text of a large spec (GitHub's is 11 MB) is never built as one string, and no sorted copy of any object
 * is made (sorting each object's keys into a new object cost ≈0.15 s and much garbage on GitHub's spec).
 */
import { createHash, type Hash } from 'node:crypto';
import { compareText } from '../shared/compare.js';

/** Characters gathered before they are handed to the hash: large enough that `update` calls are few. */
const CHUNK = 1 << 16;

/** `sha256:<hex>` of the canonical JSON of `value`. */
export function canonicalDigest(value: unknown): string {
  const hash = createHash('sha256');
  const writer = { hash, pending: '' };
  writeCanonical(value, writer);
  hash.update(writer.pending);
  return `sha256:${hash.digest('hex')}`;
}

interface Writer {
  readonly hash: Hash;
  pending: string;
}

function write(writer: Writer, text: string): void {
  writer.pending += text;
  if (writer.pending.length >= CHUNK) {
    writer.hash.update(writer.pending);
    writer.pending = '';
  }
}

function writeCanonical(value: unknown, writer: Writer): void {
  if (Array.isArray(value)) {
    write(writer, '[');
    for (let index = 0; index < value.length; index++) {
      if (index > 0) write(writer, ',');
      const item: unknown = value[index];
      writeCanonical(item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : item, writer);
    }
    write(writer, ']');
    return;
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (!isSorted(keys)) keys.sort(compareText);
    write(writer, '{');
    let first = true;
    for (const key of keys) {
      const item = record[key];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      write(writer, first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
      first = false;
      writeCanonical(item, writer);
    }
    write(writer, '}');
    return;
  }
  write(writer, JSON.stringify(value) ?? 'null');
}

function isSorted(keys: readonly string[]): boolean {
  for (let index = 1; index < keys.length; index++) if (keys[index - 1]! > keys[index]!) return false;
  return true;
}
