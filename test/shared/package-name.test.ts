import { describe, expect, it } from 'vitest';
import { isPackageName } from '../../src/shared/package-name.js';

describe('isPackageName', () => {
  it.each(['petstore-mcp', 'a', '0x', 'my.api_v2~x', '@acme/petstore-mcp', '@a/b'])('#15 accepts %j', (name) => {
    expect(isPackageName(name)).toBe(true);
  });

  it.each(['', 'Petstore', '-mcp', '.mcp', '_mcp', 'pet store', '@acme', '@acme/', '@/x', 'a/b', '@acme/Pets', 'pets/', 'ünicode'])('#15 refuses %j', (name) => {
    expect(isPackageName(name)).toBe(false);
  });
});
