import { describe, expect, it } from 'vitest';
import { IssueCollector, formatIssue } from '../../src/errors.js';
import { assignToolNames, nameFromMethodAndPath, sanitizeToolName } from '../../src/model/tool-name.js';
import { operation } from '../support/normalized.js';

describe('tool names', () => {
  it.each([
    ['findPetsByStatus', 'findPetsByStatus'],
    ['notes.list/all', 'notes_list_all'],
    ['  spaced  name ', 'spaced_name'],
    ['ünïcödé', 'n_c_d'],
    ['a'.repeat(80), 'a'.repeat(64)],
    ['***', ''],
  ])('sanitizes %j to %j', (input, expected) => {
    expect(sanitizeToolName(input)).toBe(expected);
  });

  it('derives a name from method and path when there is no operationId', () => {
    expect(nameFromMethodAndPath({ method: 'GET', path: '/pets/{petId}/photos' })).toBe('get_pets_petId_photos');
    expect(nameFromMethodAndPath({ method: 'POST', path: '/' })).toBe('post');
  });

  it('keeps valid operationIds as written and never lets a derived name take one', () => {
    const ops = [
      operation({ method: 'GET', path: '/pets' }), // would derive get_pets
      operation({ method: 'POST', path: '/pets', operationId: 'get_pets' }),
      operation({ method: 'PUT', path: '/pets', operationId: 'get pets' }), // sanitizes to get_pets too
    ];
    const issues = new IssueCollector('spec.yaml');
    expect(assignToolNames(ops, issues)).toEqual(['get_pets_2', 'get_pets', 'get_pets_3']);
    expect(issues.issues).toEqual([]);
  });

  it('is deterministic and keeps suffixed names within 64 characters', () => {
    const long = 'x'.repeat(70);
    const ops = [operation({ method: 'GET', path: '/a', operationId: long }), operation({ method: 'GET', path: '/b', operationId: `${long}!` })];
    const names = assignToolNames(ops, new IssueCollector('spec.yaml'));
    expect(names).toEqual(['x'.repeat(64), `${'x'.repeat(62)}_2`]);
    expect(assignToolNames(ops, new IssueCollector('spec.yaml'))).toEqual(names);
  });

  it('lets x-mcp-name override and reports invalid or duplicate overrides with their pointer', () => {
    const ops = [
      operation({ method: 'GET', path: '/a', operationId: 'a', extensions: { 'x-mcp-name': 'list_things' } }),
      operation({ method: 'GET', path: '/b', extensions: { 'x-mcp-name': 'list_things' } }),
      operation({ method: 'GET', path: '/c', extensions: { 'x-mcp-name': 'bad name!' } }),
    ];
    const issues = new IssueCollector('spec.yaml');
    const names = assignToolNames(ops, issues);
    expect(names[0]).toBe('list_things');
    expect(issues.issues.map(formatIssue)).toEqual([
      'spec.yaml#/paths/~1b/get/x-mcp-name: tool name "list_things" is already used by #/paths/~1a/get/x-mcp-name. Give one of them a different x-mcp-name. [ERR_SPEC_DUPLICATE_TOOL_NAME]',
      'spec.yaml#/paths/~1c/get/x-mcp-name: x-mcp-name "bad name!" is not a valid tool name. Use 1 to 64 characters from A-Z, a-z, 0-9, "_" and "-". [ERR_SPEC_TOOL_NAME]',
    ]);
  });
});
