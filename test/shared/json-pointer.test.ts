import { describe, expect, it } from 'vitest';
import { escapePointerSegment, formatPointer, parsePointer, pointerJoin, pointerOfStep, resolvePointer } from '../../src/shared/json-pointer.js';
import { followRef } from '../../src/shared/reference.js';

const document = {
  paths: { '/pets/{id}': { get: { parameters: [{ $ref: '#/components/parameters/id' }] } } },
  components: {
    parameters: { id: { name: 'id' }, alias: { $ref: '#/components/parameters/id' }, loop: { $ref: '#/components/parameters/loop2' }, loop2: { $ref: '#/components/parameters/loop' } },
    schemas: { 'a/b': { type: 'string' }, 'c~d': { type: 'number' }, 'e%25f': { type: 'null' } },
  },
  list: [10, 20],
};

describe('pointerJoin', () => {
  it('#15 escapes ~ as ~0 and / as ~1 in each segment, and joins onto a base', () => {
    expect(escapePointerSegment('a~/b')).toBe('a~0~1b');
    expect(escapePointerSegment(0)).toBe('0');
    expect(pointerJoin('#', 'paths', '/pets/{id}', 'get', 0)).toBe('#/paths/~1pets~1{id}/get/0');
    expect(pointerJoin('#/components')).toBe('#/components');
    expect(formatPointer(['a/b', 'c~d'])).toBe('#/a~1b/c~0d');
  });

  it('#15 round-trips through parsePointer', () => {
    const segments = ['paths', '/a/{b}', '~1', '', 'x~y'];
    expect(parsePointer(formatPointer(segments))).toEqual(segments);
  });
});

describe('parsePointer', () => {
  it.each([
    ['#', []],
    ['', []],
    ['#/a/b', ['a', 'b']],
    ['/a~1b/c~0d', ['a/b', 'c~d']],
    // ~01 is "~1" literally, not "/".
    ['#/~01', ['~1']],
    ['#/', ['']],
  ])('%s', (pointer, segments) => {
    expect(parsePointer(pointer)).toEqual(segments);
  });

  it('rejects a fragment that is not a pointer', () => {
    expect(parsePointer('#foo')).toBeUndefined();
  });
});

describe('resolvePointer', () => {
  it.each([
    ['#/components/schemas/a~1b', { type: 'string' }],
    ['#/components/schemas/c~0d', { type: 'number' }],
    ['#/paths/~1pets~1{id}/get/parameters/0', { $ref: '#/components/parameters/id' }],
    // $ref values are URI fragments: percent-escapes are decoded when the literal key does not exist...
    ['#/paths/~1pets~1%7Bid%7D/get/parameters/0', { $ref: '#/components/parameters/id' }],
    // ...and a key that really contains `%` still resolves literally.
    ['#/components/schemas/e%25f', { type: 'null' }],
    ['#/list/1', 20],
    ['#/list/2', undefined],
    ['#/list/01', undefined],
    ['#/components/nope', undefined],
    ['#', document],
  ])('%s', (pointer, expected) => {
    expect(resolvePointer(document, pointer)).toEqual(expected);
  });
});

describe('followRef', () => {
  it('follows a chain and says where the value is written', () => {
    expect(followRef(document, { $ref: '#/components/parameters/alias' }, '#/x')).toEqual({
      ok: true,
      value: { name: 'id' },
      pointer: '#/components/parameters/id',
    });
  });

  it('returns a non-reference as it is', () => {
    expect(followRef(document, { name: 'q' }, '#/x')).toEqual({ ok: true, value: { name: 'q' }, pointer: '#/x' });
  });

  it.each([
    [{ $ref: '#/components/parameters/loop' }, { ok: false, reason: 'cycle', ref: '#/components/parameters/loop', at: '#/components/parameters/loop2' }],
    [{ $ref: '#/components/parameters/none' }, { ok: false, reason: 'missing', ref: '#/components/parameters/none', at: '#/x' }],
    [{ $ref: 'other.yaml#/a' }, { ok: false, reason: 'external', ref: 'other.yaml#/a', at: '#/x' }],
  ])('reports %j', (value, expected) => {
    expect(followRef(document, value, '#/x')).toEqual(expected);
  });
});

describe('pointerOfStep', () => {
  it('#15 builds the pointer of a walked value from its parent links, escaping each key', () => {
    const root = { key: undefined, parent: undefined };
    const paths = { key: 'paths', parent: root };
    const item = { key: '/pets/{id}', parent: paths };
    const get = { key: 'get', parent: item };
    const second = { key: '1', parent: { key: 'a~b', parent: get } };
    expect(pointerOfStep(root)).toBe('#');
    expect(pointerOfStep(get)).toBe('#/paths/~1pets~1{id}/get');
    expect(pointerOfStep(second)).toBe('#/paths/~1pets~1{id}/get/a~0b/1');
  });
});
