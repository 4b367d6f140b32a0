import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, formatIssue } from '../../src/errors.js';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';
import { scratchDir } from '../support/scratch.js';

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
      'portcullis.yaml#/nme: unknown key "nme". Allowed keys: name, include, exclude, roles, scopes, unprotected, public, upstream, bind, policies, confirm, toolMode. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/name: must be a valid npm package name. Use lower case letters, digits, "-" and "."; for example name: petstore-mcp. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/include/tag: unknown key "tag". Allowed keys: tags, operations, paths, methods. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/exclude/methods/0: unknown HTTP method "FETCH". Use one of GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/exclude/paths/0: path pattern "pets" does not start with "/". Write it as in the spec, e.g. /pets/*. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/roles/admin: must be an object with tags, operations, paths or methods. For example { tags: [pets], methods: [GET] }. [ERR_CONFIG_INVALID]',
    ]);
  });

  it('reads YAML from disk and reports syntax errors and missing files', async () => {
    const dir = scratchDir('config');
    await writeFile(join(dir, 'ok.yaml'), 'include:\n  tags: [pets]\n');
    await writeFile(join(dir, 'bad.yaml'), 'include: [\n');
    expect(await loadConfig(join(dir, 'ok.yaml'))).toEqual({ include: { tags: ['pets'] } });
    await expect(loadConfig(join(dir, 'bad.yaml'))).rejects.toThrow(/not valid YAML or JSON.*\[ERR_CONFIG_READ\]/);
    await expect(loadConfig(join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read the config file \(ENOENT\)/);
  });

  it('#16 reports role and scope names that no claim or token can carry, located', () => {
    const roles = JSON.parse('{"admin":{"tags":["a"]},"team lead":{"tags":["a"]},"a,b":{"tags":["a"]},"__proto__":{"tags":["a"]}}');
    const scopeHint = 'Rename it using printable ASCII characters other than space, \'"\' and \'\\\'.';
    const scope = (pointer: string, name: string, problem: string) =>
      `portcullis.yaml${pointer}: scope ${JSON.stringify(name)} ${problem}, so no access token can carry it (RFC 6749 §3.3 scope-token). ${scopeHint} [ERR_CONFIG_INVALID]`;
    const role = (name: string, problem: string) =>
      `portcullis.yaml#/roles/${name}: role ${JSON.stringify(name)} ${problem}; roles arrive in a claim that may be a space- or comma-separated list, so it could never be matched. Rename it without white space, commas, control or invisible characters. [ERR_CONFIG_INVALID]`;
    expect(
      problems({
        roles,
        scopes: {
          rename: { 'write pets': 'pets.write', 'read:pets': 'pets read', ok: 'fine' },
          implies: { 'pets\u0085admin': ['pets.write'], 'pets.admin': ['pets.read', 'pets"all'] },
        },
      }),
    ).toEqual([
      role('team lead', 'contains " " (a space)'),
      role('a,b', 'contains ","'),
      scope('#/scopes/rename/write pets', 'write pets', 'contains " " (a space)'),
      scope('#/scopes/rename/read:pets', 'pets read', 'contains " " (a space)'),
      scope('#/scopes/implies/pets\u0085admin', 'pets\u0085admin', 'contains U+0085 (a control character)'),
      scope('#/scopes/implies/pets.admin/1', 'pets"all', 'contains "\\""'),
    ]);
  });

  it('#16 keeps roles and scopes named like built-in object properties', () => {
    const config = JSON.parse('{"roles":{"__proto__":{"tags":["a"]},"constructor":{"tags":["b"]}},"scopes":{"rename":{"toString":"valueOf"},"implies":{"__proto__":["constructor"]}}}');
    const parsed = parseConfig(config, 'c.yaml');
    expect(Object.keys(parsed.roles!)).toEqual(['__proto__', 'constructor']);
    expect(Object.keys(parsed.scopes!.implies!)).toEqual(['__proto__']);
  });
});

describe('#8 policy in the config', () => {
  it('#8 accepts require rules, unprotected and public, and remembers the file', async () => {
    const config = {
      unprotected: 'exclude',
      public: { operations: ['health'] },
      scopes: {
        require: [
          { tags: ['admin'], scopes: ['asana:admin'], override: true },
          { methods: ['GET', 'HEAD'], scopes: ['asana:read'] },
          { all: true, scopes: [['asana:write'], ['asana:admin']] },
        ],
      },
    };
    const parsed = parseConfig(config, 'c.yaml');
    expect(parsed).toEqual(config);
    const { configFileOf } = await import('../../src/config/load-config.js');
    expect(configFileOf(parsed)).toBe('c.yaml');
  });

  it('#8 reports every malformed rule, mode and selector, located in the config file', () => {
    expect(
      problems({
        unprotected: 'deny',
        public: { tag: ['x'] },
        scopes: {
          require: [
            { scopes: ['a'] },
            { all: true, methods: ['GET'], scopes: ['a'] },
            { methods: ['FETCH'], scopes: [] },
            { tags: ['t'] },
            { tags: ['t'], scopes: ['ok', 'no way'], override: 'yes', score: 1 },
            { paths: ['/a'], scopes: [['a'], 'b'] },
            { paths: ['/a'], scopes: [['a'], ['b"c']] },
            'GET',
          ],
        },
      }),
    ).toEqual([
      'portcullis.yaml#/unprotected: must be one of expose, exclude, error. For example unprotected: exclude (operations without scopes or roles are left out). [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/public/tag: unknown key "tag". Allowed keys: tags, operations, paths, methods. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/scopes/require/0: the rule selects no operation. Add tags, operations, paths or methods, or all: true to apply it to every operation. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/scopes/require/1/all: all: true cannot be combined with tags, operations, paths or methods. Remove all: true, or remove the selector. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/scopes/require/2/scopes: must be a non-empty list of scopes, or a list of such lists. For example scopes: [api:read] (all of them) or scopes: [[api:read], [api:admin]] (any one list). To make operations public on purpose, use public: instead. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/scopes/require/2/methods/0: unknown HTTP method "FETCH". Use one of GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/scopes/require/3/scopes: missing: the scopes this rule requires. For example scopes: [api:read] (all of them) or scopes: [[api:read], [api:admin]] (any one list). [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/scopes/require/4/score: unknown key "score". Allowed keys: scopes, override, all, tags, operations, paths, methods. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/scopes/require/4/scopes/1: scope "no way" contains " " (a space), so no access token can carry it (RFC 6749 §3.3 scope-token). Rename it using printable ASCII characters other than space, \'"\' and \'\\\'. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/scopes/require/4/override: must be true or false. For example override: true. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/scopes/require/5/scopes: must be a non-empty list of scopes, or a list of such lists. For example scopes: [api:read] (all of them) or scopes: [[api:read], [api:admin]] (any one list). [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/scopes/require/6/scopes/1/0: scope "b\\"c" contains "\\"", so no access token can carry it (RFC 6749 §3.3 scope-token). Rename it using printable ASCII characters other than space, \'"\' and \'\\\'. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/scopes/require/7: must be an object with scopes and a selector (tags, operations, paths, methods) or all: true. For example require: [{ methods: [GET, HEAD], scopes: [api:read] }, { all: true, scopes: [api:write] }]. [ERR_CONFIG_INVALID]',
    ]);
    expect(problems({ scopes: { require: { all: true } } })).toEqual([
      'portcullis.yaml#/scopes/require: must be a list of rules. For example require: [{ methods: [GET, HEAD], scopes: [api:read] }, { all: true, scopes: [api:write] }]. [ERR_CONFIG_INVALID]',
    ]);
  });
});

describe('#12 confirm in the config', () => {
  it('#12 accepts a selector, arguments per operation and deletes', () => {
    const config = { confirm: { operations: ['refundPayment'], methods: ['POST'], tags: ['money'], paths: ['/grants/**'], arguments: { refundPayment: ['paymentId', 'body'], listAll: [] }, deletes: false } };
    expect(parseConfig(config, 'c.yaml')).toEqual(config);
  });

  it('#12 reports every malformed confirm entry, located', () => {
    expect(problems({ confirm: [] })).toEqual([
      'portcullis.yaml#/confirm: must be an object with tags, operations, paths, methods, arguments or deletes. For example confirm: { operations: [refundPayment], methods: [POST], arguments: { refundPayment: [paymentId] } }. [ERR_CONFIG_INVALID]',
    ]);
    expect(
      problems({ confirm: { operation: ['a'], methods: ['FETCH'], paths: ['grants'], tags: 'money', deletes: 'no', arguments: { a: 'id', b: ['id', 'id'], c: [''] } } }),
    ).toEqual([
      'portcullis.yaml#/confirm/operation: unknown key "operation". Allowed keys: tags, operations, paths, methods, arguments, deletes. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/confirm/methods/0: unknown HTTP method "FETCH". Use one of GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/confirm/paths/0: path pattern "grants" does not start with "/". Write it as in the spec, e.g. /pets/*. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/confirm/tags: must be a list of strings. For example tags: [...]. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/confirm/deletes: must be true or false. For example deletes: false (DELETE operations then need consent only when selected or marked x-mcp-confirm: true). [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/confirm/arguments/a: must be a list of argument names. For example a: [id]. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/confirm/arguments/b/1: argument "id" is listed twice. List each argument once. [ERR_CONFIG_INVALID]',
      'portcullis.yaml#/confirm/arguments/c: must be a list of argument names. For example c: [id]. [ERR_CONFIG_INVALID]',
    ]);
    expect(problems({ confirm: { arguments: ['a'] } })).toEqual([
      'portcullis.yaml#/confirm/arguments: must map operationIds to lists of argument names. For example confirm: { operations: [refundPayment], methods: [POST], arguments: { refundPayment: [paymentId] } }. [ERR_CONFIG_INVALID]',
    ]);
  });
});

describe('#13 toolMode in the config', () => {
  it('#13 accepts direct, discovery and auto, kept as written', () => {
    for (const toolMode of ['direct', 'discovery', 'auto']) expect(parseConfig({ toolMode }, 'c.yaml')).toEqual({ toolMode });
  });

  it('#13 refuses any other value, located, with the other problems of the file', () => {
    const line = 'portcullis.yaml#/toolMode: must be one of direct, discovery, auto. For example toolMode: discovery (the emitted server offers search_tools, describe_tool and call_tool; TOOL_MODE still overrides it). [ERR_CONFIG_INVALID]';
    for (const toolMode of ['Direct', 'search', '', true, 3, ['auto'], { mode: 'auto' }, null]) expect(problems({ toolMode })).toEqual([line]);
    expect(problems({ toolMode: 'lazy', unprotected: 'deny' })).toEqual([
      'portcullis.yaml#/unprotected: must be one of expose, exclude, error. For example unprotected: exclude (operations without scopes or roles are left out). [ERR_CONFIG_INVALID]',
      line,
    ]);
  });

  it('#13 reads toolMode from a YAML file', async () => {
    const dir = scratchDir('toolmode');
    const file = join(dir, 'portcullis.config.yaml');
    await writeFile(file, 'toolMode: discovery\n');
    expect(await loadConfig(file)).toEqual({ toolMode: 'discovery' });
    await writeFile(file, 'toolMode: everything\n');
    await expect(loadConfig(file)).rejects.toThrow(`${file}#/toolMode: must be one of direct, discovery, auto.`);
  });
});
