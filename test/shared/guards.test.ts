import { describe, expect, it } from 'vitest';
import { isRecord } from '../../src/shared/guards.js';

describe('isRecord', () => {
  it.each([
    [{}, true],
    [{ a: 1 }, true],
    [Object.create(null), true],
    [[], false],
    [null, false],
    [undefined, false],
    ['{}', false],
    [1, false],
  ])('#15 %j is a record: %s', (value, expected) => {
    expect(isRecord(value)).toBe(expected);
  });
});
