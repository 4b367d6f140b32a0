/** #15: canonical JSON (the config digest in the manifest, uniqueItems, consent digests) equals the reference form. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { canonicalJson } from '../../templates/runtime/canonical-json.js';

/** The reference: every object's keys sorted by code unit through a JSON.stringify replacer. */
function reference(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

describe('canonicalJson', () => {
  it('#15 equals the reference text, for awkward values', () => {
    const values: unknown[] = [
      null, 0, -0, 1.5e300, 'text', '', true, [], {},
      { b: 1, a: [3, undefined, { d: null, c: 'x' }], 'é': 'ü', B: 2, '': 'empty', '__proto__': 'own' },
      JSON.parse('{"__proto__": {"x": 1}, "z": [1, {"y": 2, "x": [true, false]}]}'),
      { list: Array.from({ length: 500 }, (_, i) => ({ [`k${500 - i}`]: i, a: String(i) })) },
    ];
    for (const value of values) expect(canonicalJson(value)).toBe(reference(value));
  });

  it('#15 does not depend on key order, and does on every value', () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).not.toBe(canonicalJson({ a: 1, b: { c: 2, d: 4 } }));
  });

  it('#15 matches the reference on a real spec', () => {
    const spec = JSON.parse(readFileSync(`${ROOT}/bench/specs/stripe.json`, 'utf8')) as unknown;
    expect(canonicalJson(spec)).toBe(reference(spec));
  });
});
