/**
 * #8 at the command line: stale hooks at generate and diff, another API's output folder, and every problem of a
 * broken spec in one run.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_PATH } from '../../src/emit/manifest.js';
import { ROOT } from '../../scripts/examples.js';
import { cli } from '../support/cli.js';
import { scratchDir } from '../support/scratch.js';


const V1 = join(ROOT, 'specs/diff/v1.yaml');
const V2 = join(ROOT, 'specs/diff/v2.yaml');
const PETSTORE = join(ROOT, 'specs/petstore.yaml');

function outDir(): string {
  return join(scratchDir('i8'), 'out');
}

const HOOKS = [
  "import type { ServerHooks } from './runtime/hooks.js';",
  'export const hooks: ServerHooks = {',
  '  tools: {',
  "    '*': {},",
  '    getEntry: { before: () => ({ allowed: false, reason: "no" }) },',
  '    legacyExport: {},',
  '    listEntries: {},',
  '  },',
  '};',
  '',
].join('\n');

const RENAMED = '!! hook getEntry in src/hooks.ts:5 names no tool any more, so it no longer runs; tool fetchEntry is the same operation (GET /entries/{id}): rename the key to fetchEntry';
const REMOVED = '!! hook legacyExport in src/hooks.ts:6 names no tool any more, so it no longer runs; its tool (GET /legacy) was removed: delete the hook or give it a current tool name';

describe('#8 stale hooks', () => {
  it('#8 diff and generate report hooks naming no tool any more, with the rename, as security-relevant', async () => {
    const out = outDir();
    expect((await cli('generate', V1, '--out', out, '--quiet')).code).toBe(0);
    await writeFile(join(out, 'src/hooks.ts'), HOOKS);

    const diff = await cli('diff', V2, '--out', out);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain(`  ${RENAMED}\n`);
    expect(diff.stdout).toContain(`  ${REMOVED}\n`);
    expect(diff.stdout).not.toMatch(/hook (listEntries|\*) /);
    expect((await cli('diff', V2, '--out', out, '--fail-on-security-change')).code).toBe(1);

    const refused = await cli('generate', V2, '--out', out, '--fail-on-security-change');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(RENAMED);

    const generated = await cli('generate', V2, '--out', out, '--quiet');
    expect(generated.code).toBe(0);
    expect(generated.stderr).toContain(RENAMED);
    expect(generated.stderr).toContain(REMOVED);
    expect(await readFile(join(out, 'src/hooks.ts'), 'utf8')).toBe(HOOKS);
  });

  it('#8 a stale hook alone (nothing else changed) still fails --fail-on-security-change', async () => {
    const out = outDir();
    expect((await cli('generate', V2, '--out', out, '--quiet')).code).toBe(0);
    await writeFile(join(out, 'src/hooks.ts'), HOOKS);
    const again = await cli('generate', V2, '--out', out, '--fail-on-security-change');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('!! hook getEntry in src/hooks.ts:5 names no tool any more, so it no longer runs; no tool has that name');
    const check = await cli('check', V2, '--out', out, '--fail-on-security-change');
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('!! hook legacyExport in src/hooks.ts:6');
  });

  it('#8 a key that cannot be read statically is a warning naming its line, fatal with --strict', async () => {
    const out = outDir();
    expect((await cli('generate', V2, '--out', out, '--quiet')).code).toBe(0);
    await writeFile(join(out, 'src/hooks.ts'), "import type { ServerHooks } from './runtime/hooks.js';\nconst name = 'fetchEntry';\nexport const hooks: ServerHooks = { tools: { [name]: {} } };\n");
    const loose = await cli('generate', V2, '--out', out, '--quiet');
    expect(loose.code).toBe(0);
    expect(loose.stderr).toContain(`warning: ${join(out, 'src/hooks.ts')}:3:46: portcullis cannot read the key [name] in \`tools\` without running it`);
    expect(loose.stderr).toContain('[WARN_HOOKS_UNREADABLE]');
    expect((await cli('generate', V2, '--out', out, '--quiet', '--strict')).code).toBe(1);
  });
});

describe('#8 another API in the output folder', () => {
  it('#8 generate refuses without --force, writing nothing; --force replaces it', async () => {
    const out = outDir();
    expect((await cli('generate', V1, '--out', out, '--quiet')).code).toBe(0);
    const manifest = await readFile(join(out, MANIFEST_PATH), 'utf8');
    expect(JSON.parse(manifest).api).toEqual({ title: 'Ledger', specFile: 'v1.yaml' });

    const refused = await cli('generate', PETSTORE, '--out', out, '--quiet');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `error: ${out} holds the server of "Ledger" (spec "v1.yaml"); this spec is "Swagger Petstore" (spec "petstore.yaml"). Use another --out, or --force to replace it. Nothing was written.\n`,
    );
    expect(await readFile(join(out, MANIFEST_PATH), 'utf8')).toBe(manifest);
    expect(existsSync(join(out, 'src/tool-names.ts'))).toBe(true);
    expect(await readFile(join(out, 'src/tool-names.ts'), 'utf8')).toContain('"listEntries"');

    const forced = await cli('generate', PETSTORE, '--out', out, '--quiet', '--force');
    expect(forced.code).toBe(0);
    expect(JSON.parse(await readFile(join(out, MANIFEST_PATH), 'utf8')).api).toEqual({ title: 'Swagger Petstore', specFile: 'petstore.yaml' });
    expect(await readFile(join(out, 'src/tool-names.ts'), 'utf8')).toContain('"addPet"');
  });

  it('#8 the same API (same title, even from another file) regenerates normally', async () => {
    const out = outDir();
    expect((await cli('generate', V1, '--out', out, '--quiet')).code).toBe(0);
    const again = await cli('generate', V2, '--out', out, '--quiet');
    expect(again.code).toBe(0);
    expect(JSON.parse(await readFile(join(out, MANIFEST_PATH), 'utf8')).api).toEqual({ title: 'Ledger', specFile: 'v2.yaml' });
  });

  it('#8 a manifest written before the API was recorded is treated as the same API', async () => {
    const out = outDir();
    expect((await cli('generate', V1, '--out', out, '--quiet')).code).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, MANIFEST_PATH), 'utf8'));
    delete manifest.api;
    await writeFile(join(out, MANIFEST_PATH), JSON.stringify(manifest));
    expect((await cli('generate', PETSTORE, '--out', out, '--quiet')).code).toBe(0);
  });

  it('#8 a hostile title in the folder’s manifest cannot drive the terminal', async () => {
    const out = outDir();
    expect((await cli('generate', V1, '--out', out, '--quiet')).code).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, MANIFEST_PATH), 'utf8'));
    manifest.api = { title: 'Evil\u001b]0;pwned\u0007\u009b2J', specFile: 42 };
    await writeFile(join(out, MANIFEST_PATH), JSON.stringify(manifest));
    const refused = await cli('generate', PETSTORE, '--out', out, '--quiet');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('holds the server of "Evil\\u001b]0;pwned\\u0007\\u009b2J" (spec "unknown")');
    expect(refused.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});

describe('#8 every problem in one run', () => {
  it('#8 reports normalize-stage and model-stage problems together, once each, and writes nothing', async () => {
    const dir = scratchDir('i8');
    const spec = join(dir, 'broken.yaml');
    await writeFile(
      spec,
      [
        'openapi: 3.0.3',
        'info: { title: Broken, version: 1.0.0 }',
        'servers: [{ url: https://api.example.com }]',
        'components:',
        '  securitySchemes:',
        '    oauth: { type: oauth2, flows: { clientCredentials: { tokenUrl: https://auth.example.com/token, scopes: { read: read } } } }',
        'paths:',
        '  /pets/{petId}/toys/{toyId}:',
        '    get:',
        '      operationId: getToy',
        '      parameters: [{ name: petId, in: path, required: true, schema: { type: string } }]',
        '      responses: { "200": { description: ok } }',
        '  /pets:',
        '    get:',
        '      x-mcp-name: pets',
        '      security: [{ oauth: [read] }]',
        '      responses: { "200": { description: ok } }',
        '  /owners:',
        '    get:',
        '      x-mcp-name: pets',
        '      security: [{ oauth: [read] }]',
        '      responses: { "200": { description: ok } }',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const { code, stderr } = await cli('generate', spec, '--out', out, '--quiet');
    expect(code).toBe(1);
    expect(stderr.split('\n').filter((line) => line.includes('[ERR_'))).toEqual([
      `${spec}#/paths/~1pets~1{petId}~1toys~1{toyId}/get: {toyId} in the path template "/pets/{petId}/toys/{toyId}" is not declared as a path parameter. Declare "toyId" under parameters (in: path, required: true), here or on the path item. [ERR_SPEC_PATH_PARAMETER]`,
      `${spec}#/paths/~1owners/get/x-mcp-name: tool name "pets" is already used by #/paths/~1pets/get/x-mcp-name. Give one of them a different x-mcp-name. [ERR_SPEC_DUPLICATE_TOOL_NAME]`,
    ]);
    expect(stderr).toContain('error: 2 problems found; nothing was written\n');
    expect(existsSync(out)).toBe(false);
  });

  it('#8 a load error that makes the document unusable still stops there', async () => {
    const out = outDir();
    const { code, stderr } = await cli('generate', join(ROOT, 'specs/invalid/yaml-syntax-error.yaml'), '--out', out, '--quiet');
    expect(code).toBe(1);
    expect(stderr).toContain('[ERR_SPEC_PARSE]');
    expect(stderr).toContain('error: 1 problem found; nothing was written\n');
  });
});

describe('#8 the policy in the config, at the command line', () => {
  const SPEC = [
    'openapi: 3.0.3',
    'info: { title: Policy API, version: 1.0.0 }',
    'servers: [{ url: https://api.example.com }]',
    'paths:',
    '  /items:',
    '    get: { operationId: listItems, responses: { "200": { description: ok } } }',
    '    post: { operationId: createItem, responses: { "200": { description: ok } } }',
    '  /status:',
    '    get: { operationId: getStatus, x-mcp-public: true, responses: { "200": { description: ok } } }',
    '  /purge:',
    '    delete: { operationId: purgeAll, responses: { "200": { description: ok } } }',
    '',
  ].join('\n');
  const CONFIG = ['unprotected: exclude', 'scopes:', '  require:', '    - { scopes: [items:read], paths: [/items], methods: [GET] }', '    - { scopes: [items:write], paths: [/items] }', ''].join('\n');

  it('#8 generate lists what unprotected: exclude left out, and AUTHORIZATION.md says where each requirement came from', async () => {
    const dir = scratchDir('i8-policy');
    await writeFile(join(dir, 'api.yaml'), SPEC);
    await writeFile(join(dir, 'portcullis.yaml'), CONFIG);
    const out = join(dir, 'out');
    const run = await cli('generate', join(dir, 'api.yaml'), '--config', join(dir, 'portcullis.yaml'), '--out', out);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('generated 3 tools into');
    expect(run.stderr).toContain('left out 1 operation with neither scopes nor roles (unprotected: exclude):\n  - purgeAll — DELETE /purge\n');
    const matrix = await readFile(join(out, 'AUTHORIZATION.md'), 'utf8');
    expect(matrix).toContain('| tool | operation | scopes (any row of; all in a row) | from | roles (any of) | bound to claims | consent | hints |');
    expect(matrix).toMatch(/\| `listItems` \| `GET` `\/items` \| `items:read` \| config rule 1 \|/);
    expect(matrix).toMatch(/\| `createItem` \| `POST` `\/items` \| `items:write` \| config rule 2 \|/);
    expect(matrix).toMatch(/\| `getStatus` \| `GET` `\/status` \| \*\*public\*\* \| public opt-in \|/);
    expect(matrix).not.toContain('purgeAll');
  });
});
