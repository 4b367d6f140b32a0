import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, formatIssue } from '../../src/errors.js';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';

function problems(value: unknown): string[] {
  try {
    parseConfig(value, 'portcullis.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map(formatIssue);
  }
}

describe('config', () => {
  it('accepts a full config', () => {
    const config = {
      name: 'pets-mcp',
      include: { tags: ['pets'], paths: ['/pets/**'] },
      exclude: { methods: ['DELETE'], operations: ['deletePet'] },
      roles: { admin: { tags: ['admin'] } },
      scopes: { rename: { 'write:pets': 'pets.write' }, implies: { 'pets.admin': ['pets.write'] } },
    };
    expect(parseConfig(config, 'c.yaml')).toEqual(config);
  });

  it('reports every problem with its pointer', () => {
    expect(problems({ nme: 'x', include: { tag: ['a'] }, exclude: { methods: ['FETCH'], paths: ['pets'] }, roles: { admin: 'all' }, name: 'Bad Name' })).toEqual([
      'portcullis.yaml#/nme: unknown key "nme". Allowed keys: name, include, exclude, roles, scopes. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/name: must be a valid npm package name. Use lower case letters, digits, "-" and "."; for example name: petstore-mcp. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/include/tag: unknown key "tag". Allowed keys: tags, operations, paths, methods. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/exclude/methods/0: unknown HTTP method "FETCH". Use one of GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/exclude/paths/0: path pattern "pets" does not start with "/". Write it as in the spec, e.g. /pets/*. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/roles/admin: must be an object with tags, operations, paths or methods. For example { tags: [pets], methods: [GET] }. [ERR_CONFIG_INVALID]',
    ]);
  });

  it('reads YAML from disk and reports syntax errors and missing files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-config-'));
    await writeFile(join(dir, 'ok.yaml'), 'include:\n  tags: [pets]\n');
    await writeFile(join(dir, 'bad.yaml'), 'include: [\n');
    expect(await loadConfig(join(dir, 'ok.yaml'))).toEqual({ include: { tags: ['pets'] } });
    await expect(loadConfig(join(dir, 'bad.yaml'))).rejects.toThrow(/not valid YAML or JSON.*\[ERR_CONFIG_READ\]/);
    await expect(loadConfig(join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read the config file \(ENOENT\)/);
  });
});
