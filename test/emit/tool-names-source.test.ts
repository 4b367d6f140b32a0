/** #15: src/tool-names.ts is built in code, well-formed by construction, so generation never loads the TypeScript parser. */
import { describe, expect, it } from 'vitest';
import { checkTypeScript } from '../../src/emit/format-typescript.js';
import { toolNamesSource } from '../../src/emit/tool-names.js';

const HOSTILE = ['plain', 'quote"s', "apostrophe's", 'back\\slash', 'new\nline', 'tab\tx', 'sep\u2028x', '`${tick}`', '*/ end comment', ''];

describe('toolNamesSource', () => {
  it('#15 parses as TypeScript, and is what the formatter would write, for hostile names and for none', () => {
    for (const names of [HOSTILE, [], ['one']]) {
      const text = toolNamesSource(names);
      expect(checkTypeScript('src/tool-names.ts', text, { format: true })).toBe(text);
    }
  });

  it('#15 keeps every name, in order, as one string literal per line', () => {
    const text = toolNamesSource(HOSTILE);
    const literals = [...text.matchAll(/^ {2}\| (".*");?$/gm)].map((match) => JSON.parse(match[1]!) as string);
    expect(literals).toEqual(HOSTILE);
    expect(toolNamesSource([])).toContain('export type ToolName = never;\n');
  });
});
