/** #8: hook keys in the user's src/hooks.ts are read statically and checked against the tools of a generation. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ts } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { mayHaveToolHooks, readHookKeys, staleHookChanges, staleHooks } from '../../src/write/stale-hooks.js';

const read = (text: string) => readHookKeys(text, ts);
const names = (text: string) => read(text).keys.map((key) => key.name);
const header = "import type { ServerHooks } from './runtime/hooks.js';\n";

describe('reading hook keys', () => {
  it.each([
    ['identifier keys', 'export const hooks: ServerHooks = { tools: { getEntry: {}, listEntries: { before() {} } } };', ['getEntry', 'listEntries']],
    ['string and template keys', "export const hooks: ServerHooks = { tools: { 'get-entry': {}, \"*\": {}, [`x_y`]: {}, ['z']: {} } };", ['get-entry', '*', 'x_y', 'z']],
    ['method and shorthand members', 'const a = {};\nexport const hooks: ServerHooks = { tools: { a, b() { return {}; }, get c() { return {}; } } };', ['a', 'b', 'c']],
    ['satisfies, as and parentheses', 'export const hooks = ({ tools: ({ one: {} }) as const } satisfies ServerHooks);', ['one']],
    ['tools through a local constant', 'const toolHooks = { two: {} };\nexport const hooks: ServerHooks = { tools: toolHooks };', ['two']],
    ['hooks through a local constant', 'const base = { tools: { three: {} } };\nexport const hooks: ServerHooks = base;', ['three']],
    ['shorthand tools', 'const tools = { four: {} };\nexport const hooks: ServerHooks = { tools };', ['four']],
  ])('#8 reads %s', (_what, text, expected) => {
    expect(read(header + text)).toEqual({ keys: expect.any(Array), unreadable: [] });
    expect(names(header + text)).toEqual(expected);
  });

  it('#8 gives each key its line and column', () => {
    expect(read(`${header}export const hooks: ServerHooks = {\n  tools: {\n    getEntry: {},\n  },\n};\n`).keys).toEqual([{ name: 'getEntry', line: 4, column: 5 }]);
  });

  it.each([
    ['a computed key', 'const k = "x";\nexport const hooks: ServerHooks = { tools: { [k]: {}, ok: {} } };', ['the key [k] in `tools`'], ['ok']],
    ['a spread in tools', 'const more = { a: {} };\nexport const hooks: ServerHooks = { tools: { ...more, ok: {} } };', ['the key ...more in `tools`'], ['ok']],
    ['tools from a call', 'export const hooks: ServerHooks = { tools: build() };\nfunction build() { return {}; }', ['`tools` (it is not an object literal declared in this file)'], []],
    ['hooks from a call', 'export const hooks: ServerHooks = make();\nfunction make() { return { tools: {} }; }', ['the `hooks` object (it is not an object literal declared in this file)'], []],
    ['a spread in hooks', 'const base = {};\nexport const hooks: ServerHooks = { ...base, tools: { ok: {} } };', ['the spread ...base in `hooks`'], ['ok']],
    ['no hooks at all', 'export const other = { tools: { a: {} } };', ['the `hooks` object (it is not an object literal declared in this file)'], []],
  ])('#8 reports %s as unreadable, and still reads the rest', (_what, text, unreadable, keys) => {
    const result = read(header + text);
    expect(result.unreadable.map((entry) => entry.what)).toEqual(unreadable);
    expect(result.keys.map((key) => key.name)).toEqual(keys);
  });
});

describe('deciding whether to parse at all', () => {
  it('#8 skips the hooks template as created (entries only in comments)', () => {
    expect(mayHaveToolHooks(readFileSync(join(ROOT, 'templates/server/user/hooks.ts.hbs'), 'utf8'))).toBe(false);
    expect(mayHaveToolHooks(`${header}export const hooks: ServerHooks = {};\n`)).toBe(false);
    expect(mayHaveToolHooks(`${header}export const hooks: ServerHooks = { tools: { /* a: {} */ } };\n`)).toBe(false);
  });

  it('#8 parses whenever tools may have entries, whatever strings or comments surround them', () => {
    expect(mayHaveToolHooks(`${header}export const hooks: ServerHooks = { tools: { a: {} } };\n`)).toBe(true);
    expect(mayHaveToolHooks(`${header}const u = "/*";\nexport const hooks: ServerHooks = { tools: { a: {} } };\nconst v = "*/";\n`)).toBe(true);
    expect(mayHaveToolHooks(`${header}const t = { a: {} };\nexport const hooks: ServerHooks = { tools: t };\n`)).toBe(true);
  });
});

describe('stale hooks', () => {
  const before = [
    { name: 'getEntry', method: 'GET', path: '/entries/{id}' },
    { name: 'legacyExport', method: 'GET', path: '/legacy' },
    { name: 'listEntries', method: 'GET', path: '/entries' },
  ];
  const after = [
    { name: 'fetchEntry', method: 'GET', path: '/entries/{id}' },
    { name: 'listEntries', method: 'GET', path: '/entries' },
  ];
  const keys = ['*', 'getEntry', 'legacyExport', 'listEntries', 'neverWas'].map((name, i) => ({ name, line: i + 1, column: 5 }));

  it('#8 reports every key naming no tool, with the rename when the operation is the same; * is never stale', () => {
    expect(staleHooks(keys, after, before)).toEqual([
      { name: 'getEntry', line: 2, column: 5, operation: 'GET /entries/{id}', renamedTo: 'fetchEntry' },
      { name: 'legacyExport', line: 3, column: 5, operation: 'GET /legacy' },
      { name: 'neverWas', line: 5, column: 5 },
    ]);
  });

  it('#8 keys that only look like tool names do not match inherited properties', () => {
    const tricky = ['constructor', 'toString', '__proto__'].map((name) => ({ name, line: 1, column: 1 }));
    expect(staleHooks(tricky, after, before).map((hook) => hook.name)).toEqual(['constructor', 'toString', '__proto__']);
  });

  it('#8 each stale hook is a security-relevant change saying what to do', () => {
    expect(staleHookChanges(staleHooks(keys, after, before)).map((change) => [change.security, change.message])).toEqual([
      [true, 'hook getEntry in src/hooks.ts:2 names no tool any more, so it no longer runs; tool fetchEntry is the same operation (GET /entries/{id}): rename the key to fetchEntry'],
      [true, 'hook legacyExport in src/hooks.ts:3 names no tool any more, so it no longer runs; its tool (GET /legacy) was removed: delete the hook or give it a current tool name'],
      [true, 'hook neverWas in src/hooks.ts:5 names no tool any more, so it no longer runs; no tool has that name: delete the hook or give it a current tool name'],
    ]);
  });
});
