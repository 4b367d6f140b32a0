/**
 * #9: the spec's `info.version` becomes the emitted package.json version, the image tag and the
 * app.kubernetes.io/version label, so whatever the spec says it must be valid SemVer 2.0.0, a valid Docker tag and a
 * valid label value; versions that are already SemVer keep their meaning.
 */
import { describe, expect, it } from 'vitest';
import { NODE_IMAGE_TAG, semverOf } from '../../src/emit/emit-server.js';

/** The regular expression semver.org suggests for SemVer 2.0.0. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
/** A Docker image tag (distribution reference grammar). */
const DOCKER_TAG = /^[\w][\w.-]{0,127}$/;
/** A Kubernetes label value. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function expectValid(version: string): void {
  const result = semverOf(version);
  expect(result, JSON.stringify(version)).toMatch(SEMVER);
  expect(result, JSON.stringify(version)).toMatch(DOCKER_TAG);
  expect(result, JSON.stringify(version)).toMatch(LABEL_VALUE);
  expect(result.length).toBeLessThanOrEqual(63);
  expect(result.includes('+')).toBe(false);
  expect(semverOf(result), 'idempotent').toBe(result);
}

/** A small deterministic generator (mulberry32), so the random cases are the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('#9 semverOf', () => {
  it.each([
    ['1.0.0', '1.0.0'],
    ['2.3.4-rc.1', '2.3.4-rc.1'],
    ['1.2', '1.2.0'],
    ['2.0', '2.0.0'],
    ['v3', '3.0.0'],
    ['V1.2.3', '1.2.3'],
    ['1.2-beta', '1.2.0-beta'],
    ['01.02.03', '1.2.3'],
    ['1.0.0-alpha.01', '1.0.0-alpha.1'],
    ['1.0.0+build.5', '1.0.0'],
    ['v1.2.3-rc.1+sha.abc', '1.2.3-rc.1'],
    ['2024-01-01', '0.0.0-2024-01-01'],
    ['2024.01.01', '2024.1.1'],
    ['June 2024', '0.0.0-June.2024'],
    ['latest', '0.0.0-latest'],
    ['', '0.0.0'],
    ['  ', '0.0.0'],
    ['ü', '0.0.0'],
    ['1.0.0-x-y-z.--', '1.0.0-x-y-z'], // valid SemVer, but a label value ends with a letter or digit
    ['9'.repeat(70), '0.0.0'],
  ])('#9 %j → %s', (version, expected) => {
    expect(semverOf(version)).toBe(expected);
    expectValid(version);
  });

  it('#9 keeps a valid SemVer version without build metadata as it is', () => {
    for (const version of ['0.0.0', '10.20.30', '1.1.2-prerelease.1', '1.0.0-alpha-a.b-c', '1.0.0-0A.is.legal', '1.0.0-x-y-z']) {
      expect(semverOf(version)).toBe(version);
    }
  });

  it('#9 turns any text into a valid SemVer version, Docker tag and label value', () => {
    const next = random(9);
    const alphabet = ['0', '1', '9', '00', '.', '-', '+', 'v', 'a', 'Z', ' ', '_', '/', ':', '\n', 'é', '\u2028', '..', '--'];
    for (let i = 0; i < 2000; i++) {
      const length = Math.floor(next() * 30);
      const version = Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      expectValid(version);
    }
    expectValid(`1.0.0-${'a.'.repeat(40)}b`);
    expectValid(`1.0.0-${'a'.repeat(100)}`);
    // A cut at the length limit that would leave a numeric identifier with a leading zero, or a trailing hyphen.
    for (let pad = 50; pad < 60; pad++) {
      expectValid(`1.0.0-${'a'.repeat(pad)}.00x`);
      expectValid(`1.0.0-${'a'.repeat(pad)}.b-----c`);
    }
    expectValid(`${'1'.repeat(30)}.${'2'.repeat(30)}.${'3'.repeat(30)}`);
  });
});

describe('#9 the image builds on a supported Node LTS line', () => {
  it('#9 uses Node 24 (LTS until April 2028), not Node 20 (end of life 2026-04-30)', () => {
    expect(NODE_IMAGE_TAG).toBe('24-bookworm-slim');
  });
});
