/**
 * The build records ts-morph's results for the emitted `.ts` texts that do not depend on the spec
 * (dist/src/emit/checked-typescript.json); generation answers those from the record and checks anything else.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixedTypeScriptInputs } from '../../src/emit/emit-server.js';
import { checkedDigest, checkEmittedTypeScript, checkTypeScript, type CheckedTypeScript } from '../../src/emit/format-typescript.js';

const RECORD = 'dist/src/emit/checked-typescript.json';

describe('checked TypeScript record', () => {
  it.runIf(existsSync(RECORD))('holds what ts-morph returns for every fixed emitted text, and nothing else', () => {
    const { checked } = JSON.parse(readFileSync(RECORD, 'utf8')) as CheckedTypeScript;
    const inputs = fixedTypeScriptInputs();
    expect(inputs.length).toBeGreaterThan(10);
    for (const { path, text, format } of inputs) {
      const output = checkTypeScript(path, text, { format });
      expect(checked[checkedDigest(path, text, { format })], path).toBe(output === text ? null : output);
    }
    expect(Object.keys(checked).length).toBe(inputs.length);
  });

  it('checks a text it has no record of', () => {
    expect(() => checkEmittedTypeScript('src/index.ts', 'const ok = 1;\nconst x = ;\n', { format: true })).toThrow('emitted src/index.ts:2 has a syntax error');
    expect(checkEmittedTypeScript('src/index.ts', 'await   a( 1 );', { format: true })).toBe('await a(1);\n');
  });
});
