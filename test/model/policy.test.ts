/**
 * #8: the authorization policy of the config file — scopes.require rules (first match wins, override), unprotected
 * modes, public opt-ins and their conflicts — table-driven over a small spec with and without spec scopes.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { PortcullisConfig } from '../../src/config/types.js';
import { formatIssue } from '../../src/errors.js';
import { buildModel } from '../../src/model/build-model.js';
import { provenanceOf } from '../../src/model/security.js';
import type { NormalizedOperation } from '../../src/normalize/types.js';
import { oauth, operation, spec } from '../support/normalized.js';

const byOauth = (scopes: string[]) => [{ schemes: [{ scheme: 'oauth', scopes }], source: '#/x' }];

/** An API like most vendor specs: no per-operation scopes, but one operation the spec protects. */
const OPERATIONS: NormalizedOperation[] = [
  operation({ method: 'GET', path: '/tasks', operationId: 'listTasks', tags: ['tasks'] }),
  operation({ method: 'HEAD', path: '/tasks', operationId: 'headTasks', tags: ['tasks'] }),
  operation({ method: 'POST', path: '/tasks', operationId: 'createTask', tags: ['tasks'] }),
  operation({ method: 'DELETE', path: '/admin/users/{id}', operationId: 'deleteUser', tags: ['admin'] }),
  operation({ method: 'GET', path: '/admin/audit', operationId: 'readAudit', tags: ['admin'], security: byOauth(['admin']) }),
  operation({ method: 'PATCH', path: '/tasks/{id}', operationId: 'patchTask', tags: ['tasks'], extensions: { 'x-mcp-scopes': [['tasks:edit'], ['admin']] } }),
];

function build(config: unknown, operations: NormalizedOperation[] = OPERATIONS) {
  const parsed = parseConfig(config, 'portcullis.yaml');
  const { value, issues } = buildModel(spec({ securitySchemes: { oauth }, operations }), parsed, { specFile: 'spec.yaml' });
  const model = value!;
  return { model, lines: issues.map(formatIssue), access: Object.fromEntries(model.tools.map((t) => [t.name, [t.security.scopes, provenanceOf(t.security)]])) };
}

const READ_WRITE_ADMIN: PortcullisConfig = {
  scopes: {
    require: [
      { tags: ['admin'], scopes: ['asana:admin'], override: true },
      { methods: ['GET', 'HEAD'], scopes: ['asana:read'] },
      { all: true, scopes: [['asana:write'], ['asana:admin']] },
    ],
  },
};

describe('#8 scopes.require', () => {
  const cases: [name: string, config: PortcullisConfig, expected: Record<string, unknown>][] = [
    [
      'methods then everything else; an override rule first wins over the spec and later rules',
      READ_WRITE_ADMIN,
      {
        listTasks: [[['asana:read']], 'config rule 2'],
        headTasks: [[['asana:read']], 'config rule 2'],
        createTask: [[['asana:write'], ['asana:admin']], 'config rule 3'],
        deleteUser: [[['asana:admin']], 'config rule 1'],
        readAudit: [[['asana:admin']], 'config rule 1'],
        patchTask: [[['tasks:edit'], ['admin']], 'x-mcp-scopes'],
      },
    ],
    [
      'an override rule after a matching rule loses: the first matching rule wins',
      { scopes: { require: [{ methods: ['DELETE'], scopes: ['asana:write'] }, { tags: ['admin'], scopes: ['asana:admin'], override: true }] } },
      {
        listTasks: [[], 'none'],
        headTasks: [[], 'none'],
        createTask: [[], 'none'],
        deleteUser: [[['asana:write']], 'config rule 1'],
        readAudit: [[['asana:admin']], 'config rule 2'],
        patchTask: [[['tasks:edit'], ['admin']], 'x-mcp-scopes'],
      },
    ],
    [
      'without override, operations the spec protects (security or x-mcp-scopes) keep their scopes',
      { scopes: { require: [{ all: true, scopes: ['api:any', 'api:other', 'api:any'] }] } },
      {
        listTasks: [[['api:any', 'api:other']], 'config rule 1'],
        headTasks: [[['api:any', 'api:other']], 'config rule 1'],
        createTask: [[['api:any', 'api:other']], 'config rule 1'],
        deleteUser: [[['api:any', 'api:other']], 'config rule 1'],
        readAudit: [[['admin']], 'spec'],
        patchTask: [[['tasks:edit'], ['admin']], 'x-mcp-scopes'],
      },
    ],
    [
      'selectors by operation id and path pattern',
      { scopes: { require: [{ operations: ['listTasks'], scopes: ['a'] }, { paths: ['/admin/**'], scopes: ['b'] }] } },
      {
        listTasks: [[['a']], 'config rule 1'],
        headTasks: [[], 'none'],
        createTask: [[], 'none'],
        deleteUser: [[['b']], 'config rule 2'],
        readAudit: [[['admin']], 'spec'],
        patchTask: [[['tasks:edit'], ['admin']], 'x-mcp-scopes'],
      },
    ],
  ];
  it.each(cases)('#8 %s', (_name, config, expected) => {
    const { access, lines } = build(config);
    expect(access).toEqual(expected);
    expect(lines.filter((line) => !line.includes('WARN_SPEC_UNPROTECTED_WRITE'))).toEqual([]);
  });

  it('#8 a spec that says security: [] (public) is left without scopes, so a rule fills in', () => {
    const { access } = build({ scopes: { require: [{ methods: ['GET'], scopes: ['r'] }] } }, [operation({ method: 'GET', path: '/a', security: [] })]);
    expect(access).toEqual({ get_a: [[['r']], 'config rule 1'] });
  });

  it('#8 warns, in the config file, about every rule and a public selector that match no operation', () => {
    const { lines } = build({
      scopes: { require: [{ tags: ['nope'], scopes: ['a'] }, { methods: ['GET'], scopes: ['r'] }, { paths: ['/none/*'], scopes: ['b'] }] },
      public: { operations: ['missing'] },
      unprotected: 'exclude',
    });
    expect(lines).toEqual([
      'warning: portcullis.yaml#/scopes/require/0: rule 1 matches no operation that becomes a tool. Check its tags, operations, paths and methods against the spec (and include/exclude), or remove it. [WARN_CONFIG_UNUSED]',
      'warning: portcullis.yaml#/scopes/require/2: rule 3 matches no operation that becomes a tool. Check its tags, operations, paths and methods against the spec (and include/exclude), or remove it. [WARN_CONFIG_UNUSED]',
      'warning: portcullis.yaml#/public: the public selector matches no operation that becomes a tool. Check it against the spec, or remove it. [WARN_CONFIG_UNUSED]',
    ]);
  });

  it('#8 a rule skipped for a spec-protected operation still counts as used', () => {
    expect(build({ scopes: { require: [{ operations: ['readAudit'], scopes: ['a'] }] } }).lines.filter((l) => l.includes('WARN_CONFIG_UNUSED'))).toEqual([]);
  });
});

describe('#8 unprotected', () => {
  const open = [
    operation({ method: 'GET', path: '/a', operationId: 'readA' }),
    operation({ method: 'POST', path: '/a', operationId: 'writeA' }),
    operation({ method: 'POST', path: '/b', operationId: 'publicB', extensions: { 'x-mcp-public': true } }),
    operation({ method: 'PUT', path: '/c', operationId: 'publicC', tags: ['open'] }),
    operation({ method: 'DELETE', path: '/d', operationId: 'roleD', extensions: { 'x-mcp-roles': ['ops'] } }),
    operation({ method: 'GET', path: '/e', operationId: 'scopedE', security: byOauth(['pets:read']) }),
  ];
  const kept = (model: { tools: readonly { name: string }[] }) => model.tools.map((tool) => tool.name);

  it('#8 expose (the default) keeps every tool and warns about unprotected writes, never about public opt-ins', () => {
    const { model, lines, access } = build({ public: { tags: ['open'] } }, open);
    expect(kept(model)).toEqual(['readA', 'writeA', 'publicB', 'publicC', 'roleD', 'scopedE']);
    expect(model.excluded).toEqual([]);
    expect(access).toMatchObject({ publicB: [[], 'public opt-in'], publicC: [[], 'public opt-in'], readA: [[], 'none'] });
    expect(lines).toEqual([
      'warning: spec.yaml#/paths/~1a/post: POST /a (tool writeA) changes data but requires no scope or role: any caller with a valid token may use it. Add security with scopes, x-mcp-scopes, x-mcp-roles or a scopes.require rule in the config, mark it x-mcp-public: true if that is intended, or exclude the operation. [WARN_SPEC_UNPROTECTED_WRITE]',
    ]);
  });

  it('#8 exclude drops tools with neither scopes nor roles and lists them; keeps public opt-ins, roles and scopes', () => {
    const { model, lines } = build({ unprotected: 'exclude', public: { tags: ['open'] } }, open);
    expect(kept(model)).toEqual(['publicB', 'publicC', 'roleD', 'scopedE']);
    expect(model.excluded).toEqual([
      { name: 'readA', method: 'GET', path: '/a', source: '#/paths/~1a/get' },
      { name: 'writeA', method: 'POST', path: '/a', source: '#/paths/~1a/post' },
    ]);
    expect(lines).toEqual([]);
  });

  it('#8 exclude that leaves nothing is an error', () => {
    const { lines } = build({ unprotected: 'exclude' }, open.slice(0, 2));
    expect(lines).toEqual([
      'spec.yaml#/paths: all 2 tools require no scope or role, and unprotected: exclude leaves them out. Give operations scopes (security, x-mcp-scopes or scopes.require in the config), or mark public ones with x-mcp-public: true. [ERR_SPEC_NO_TOOLS]',
    ]);
  });

  it('#8 error reports each unprotected operation at its location, and nothing else', () => {
    const { lines } = build({ unprotected: 'error', public: { tags: ['open'] } }, open);
    const hint =
      "Give it scopes (security, x-mcp-scopes or a scopes.require rule in the config) or a role, mark it public on purpose with x-mcp-public: true or the config's public selector, or exclude it.";
    expect(lines).toEqual([
      `spec.yaml#/paths/~1a/get: GET /a (tool readA) requires no scope or role, and the config says unprotected: error. ${hint} [ERR_SPEC_UNPROTECTED]`,
      `spec.yaml#/paths/~1a/post: POST /a (tool writeA) requires no scope or role, and the config says unprotected: error. ${hint} [ERR_SPEC_UNPROTECTED]`,
    ]);
  });

  it('#8 a rule fills in before unprotected applies', () => {
    const { model, lines } = build({ unprotected: 'error', scopes: { require: [{ all: true, scopes: ['x'] }] } }, open.slice(0, 2));
    expect(kept(model)).toEqual(['readA', 'writeA']);
    expect(lines).toEqual([]);
  });
});

describe('#8 public opt-in conflicts', () => {
  it('#8 public on purpose together with scopes from the spec, x-mcp-scopes or an override rule is an error; a plain rule skips it', () => {
    const operations = [
      operation({ method: 'GET', path: '/s', extensions: { 'x-mcp-public': true }, security: byOauth(['pets:read']) }),
      operation({ method: 'GET', path: '/x', extensions: { 'x-mcp-public': true, 'x-mcp-scopes': ['pets:read'] } }),
      operation({ method: 'GET', path: '/o', tags: ['open'] }),
      operation({ method: 'GET', path: '/p', tags: ['open'], security: byOauth(['admin']) }),
      operation({ method: 'GET', path: '/q', tags: ['plain'], extensions: { 'x-mcp-public': true } }),
    ];
    const { lines, access } = build(
      { public: { tags: ['open'] }, scopes: { require: [{ paths: ['/o'], scopes: ['forced'], override: true }, { tags: ['plain'], scopes: ['filled'] }] } },
      operations,
    );
    expect(lines).toEqual([
      'spec.yaml#/paths/~1s/get/x-mcp-public: x-mcp-public: true makes GET /s public, but it requires scopes [pets:read] (from spec). Remove x-mcp-public, or the scopes. [ERR_SPEC_PUBLIC_CONFLICT]',
      'spec.yaml#/paths/~1x/get/x-mcp-public: x-mcp-public: true makes GET /x public, but it requires scopes [pets:read] (from x-mcp-scopes). Remove x-mcp-public, or the scopes. [ERR_SPEC_PUBLIC_CONFLICT]',
      "spec.yaml#/paths/~1o/get: the config's public selector makes GET /o public, but it requires scopes [forced] (from config rule 1). Remove the operation from the config's public selector, or remove its scopes. [ERR_SPEC_PUBLIC_CONFLICT]",
      "spec.yaml#/paths/~1p/get: the config's public selector makes GET /p public, but it requires scopes [admin] (from spec). Remove the operation from the config's public selector, or remove its scopes. [ERR_SPEC_PUBLIC_CONFLICT]",
    ]);
    expect(access['get_q']).toEqual([[], 'public opt-in']);
  });
});

describe('#8 every problem of the model stage in one run', () => {
  it('#8 a malformed extension on one operation and a bad scope name on another are both reported', () => {
    const { lines } = build({ unprotected: 'error' }, [
      operation({ method: 'GET', path: '/a', extensions: { 'x-mcp-roles': 'admin' } }),
      operation({ method: 'GET', path: '/b', extensions: { 'x-mcp-scopes': ['bad scope'] } }),
      operation({ method: 'GET', path: '/c', extensions: { 'x-mcp-name': 'bad name!' } }),
    ]);
    expect(lines.map((line) => line.replace(/: .*\[/, ': … ['))).toEqual([
      'spec.yaml#/paths/~1c/get/x-mcp-name: … [ERR_SPEC_TOOL_NAME]',
      'spec.yaml#/paths/~1a/get/x-mcp-roles: … [ERR_SPEC_EXTENSION]',
      'spec.yaml#/paths/~1b/get/x-mcp-scopes/0: … [ERR_SPEC_SCOPE_NAME]',
      'spec.yaml#/paths/~1a/get: … [ERR_SPEC_UNPROTECTED]',
      'spec.yaml#/paths/~1c/get: … [ERR_SPEC_UNPROTECTED]',
    ]);
  });
});

describe('#8 provenance in the manifest', () => {
  it('#8 each tool summary records where its scopes came from', async () => {
    const { summarizeModel } = await import('../../src/emit/manifest.js');
    const { model } = build({ public: { operations: ['listTasks'] }, scopes: { require: [{ tags: ['admin'], scopes: ['asana:admin'], override: true }] } });
    expect(summarizeModel(model).tools.map((tool) => [tool.name, tool.from])).toEqual([
      ['listTasks', 'public opt-in'],
      ['headTasks', 'none'],
      ['createTask', 'none'],
      ['deleteUser', 'config rule 1'],
      ['readAudit', 'config rule 1'],
      ['patchTask', 'x-mcp-scopes'],
    ]);
  });
});
