import { describe, expect, it } from 'vitest';
import { byText, compareText } from '../../src/shared/compare.js';

describe('compareText', () => {
  it('#15 orders by UTF-16 code units, as sort() without a comparator does, not by locale', () => {
    const words = ['b', 'B', 'a', 'A', '_', 'ä', 'z', 'a-b', 'a_b', 'ab', '', '\u{1F600}', '\uFFFF', 'a\u0000'];
    expect([...words].sort(compareText)).toEqual([...words].sort());
    expect([...words].sort(compareText)).not.toEqual([...words].sort((x, y) => x.localeCompare(y)));
  });

  it('#15 is 0 for equal strings and antisymmetric', () => {
    expect(compareText('pets', 'pets')).toBe(0);
    expect(compareText('Z', 'a')).toBe(-1);
    expect(compareText('a', 'Z')).toBe(1);
  });
});

describe('byText', () => {
  it('#15 orders items by the string a key gives them, keeping equal keys in place', () => {
    const items = [{ path: 'src/b.ts', n: 1 }, { path: 'README.md', n: 2 }, { path: 'src/b.ts', n: 3 }, { path: 'package.json', n: 4 }];
    expect(items.sort(byText((item) => item.path)).map((item) => item.n)).toEqual([2, 4, 1, 3]);
  });
});
