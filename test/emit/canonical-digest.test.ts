/** #15: the spec digest is streamed, and equals sha256 of the canonical JSON the manifest has always recorded. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalDigest } from '../../src/emit/canonical-digest.js';
import { ROOT } from '../../scripts/examples.js';

/** The reference: sort every object's keys with a JSON.stringify replacer, hash the whole text. */
function reference(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

describe('canonicalDigest', () => {
  it('#15 equals the digest of the canonical text, for awkward values', () => {
    const values: unknown[] = [
      null, 0, -0, 1.5e300, 'text', '', true, [], {},
      { b: 1, a: [3, undefined, { d: null, c: 'x' }], 'é': 'ü', B: 2, '': 'empty', '__proto__': 'own' },
      JSON.parse('{"__proto__": {"x": 1}, "z": [1, {"y": 2, "x": [true, false]}]}'),
      { long: 'x'.repeat(200_000), list: Array.from({ length: 5000 }, (_, i) => ({ [`k${5000 - i}`]: i, a: String(i) })) },
    ];
    for (const value of values) expect(canonicalDigest(value)).toBe(reference(value));
  });

  it('#15 does not depend on key order, and does on every value', () => {
    expect(canonicalDigest({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalDigest({ b: { d: 3, c: 2 }, a: 1 }));
    expect(canonicalDigest({ a: 1, b: { c: 2, d: 3 } })).not.toBe(canonicalDigest({ a: 1, b: { c: 2, d: 4 } }));
  });

  it('#15 matches the reference on a real spec', () => {
    const spec = JSON.parse(readFileSync(`${ROOT}/bench/specs/stripe.json`, 'utf8')) as unknown;
    expect(canonicalDigest(spec)).toBe(reference(spec));
  });
});
