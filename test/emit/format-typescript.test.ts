import { describe, expect, it } from 'vitest';
import { checkTypeScript } from '../../src/emit/format-typescript.js';

describe('checkTypeScript', () => {
  it('formats rendered code deterministically', () => {
    const text = "import {a} from './x.js';\nawait   a( 1 );";
    const once = checkTypeScript('src/index.ts', text, { format: true });
    expect(once).toBe("import { a } from './x.js';\nawait a(1);\n");
    expect(checkTypeScript('src/index.ts', once, { format: true })).toBe(once);
  });

  it('leaves verbatim files untouched', () => {
    expect(checkTypeScript('a.ts', 'const  x = 1;', { format: false })).toBe('const  x = 1;');
  });

  it('names the file and line of a syntax error', () => {
    expect(() => checkTypeScript('src/index.ts', 'const ok = 1;\nconst x = ;\n', { format: true })).toThrow('emitted src/index.ts:2 has a syntax error: Expression expected.');
  });
});
