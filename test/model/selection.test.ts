import { describe, expect, it } from 'vitest';
import { isSelected, pathPatternToRegExp } from '../../src/model/selection.js';
import { operation, spec } from '../support/normalized.js';

describe('path patterns', () => {
  it.each([
    ['/pets', '/pets', true],
    ['/pets', '/pets/{id}', false],
    ['/pets/*', '/pets/{id}', true],
    ['/pets/*', '/pets/{id}/photos', false],
    ['/pets/**', '/pets', true],
    ['/pets/**', '/pets/{id}/photos', true],
    ['/**/photos', '/pets/{id}/photos', true],
    ['/p*s', '/pets', true],
    ['/pets.json', '/petsXjson', false],
  ])('%s against %s → %s', (pattern, path, expected) => expect(pathPatternToRegExp(pattern).test(path)).toBe(expected));
});

describe('selection', () => {
  const list = operation({ method: 'GET', path: '/pets', operationId: 'listPets', tags: ['pets'] });
  const remove = operation({ method: 'DELETE', path: '/pets/{id}', operationId: 'deletePet', tags: ['pets', 'admin'] });

  it('x-mcp-exclude on the operation, else the path item (merged), else the document', () => {
    expect(isSelected({ ...list, extensions: { 'x-mcp-exclude': true } }, spec(), {})).toBe(false);
    expect(isSelected(list, spec({ extensions: { 'x-mcp-exclude': true } }), {})).toBe(false);
    expect(isSelected({ ...list, extensions: { 'x-mcp-exclude': false } }, spec({ extensions: { 'x-mcp-exclude': true } }), {})).toBe(true);
  });

  it('include keeps only matching operations; exclude removes after include', () => {
    expect([list, remove].filter((op) => isSelected(op, spec(), { include: { tags: ['pets'] }, exclude: { methods: ['DELETE'] } }))).toEqual([list]);
    expect([list, remove].filter((op) => isSelected(op, spec(), { include: { operations: ['deletePet'] } }))).toEqual([remove]);
    expect([list, remove].filter((op) => isSelected(op, spec(), { exclude: { paths: ['/pets/*'] } }))).toEqual([list]);
  });
});
