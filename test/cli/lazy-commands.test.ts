/**
 * #15: a command loads only what it needs. The built CLI is one CommonJS bundle (dist/cli/main.cjs) whose commands
 * run their modules when invoked, and whose packages are loaded from node_modules on first use; `dev-auth` is its own
 * ES module bundle (dist/cli/dev-auth.mjs). So `generate` never loads dev-auth or oidc-provider, `--help` loads none
 * of the generator's packages or assets, and `dev-auth` none of the generator's. Observed on the built CLI as a
 * process: a preload logs every file `require` loads, and a module hook every URL an `import` resolves.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { scratchDir } from '../support/scratch.js';

const REQUIRE_LOG = `
const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const exports = load.apply(this, arguments);
  try {
    appendFileSync(process.env.PORTCULLIS_MODULE_LOG, Module._resolveFilename(request, parent, isMain) + '\\n');
  } catch {}
  return exports;
};
`;

const IMPORT_LOG = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.PORTCULLIS_MODULE_LOG, resolved.url + '\\n');
  return resolved;
}
`;

let dir: string;
let preload: string;
let register: string;

beforeAll(async () => {
  dir = scratchDir('lazy');
  preload = join(dir, 'require-log.cjs');
  await writeFile(preload, REQUIRE_LOG);
  await writeFile(join(dir, 'import-log.mjs'), IMPORT_LOG);
  register = join(dir, 'register.mjs');
  await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'import-log.mjs')).href)});\n`);
});

/** The exit code of `portcullis <args>` and the files it loaded (paths relative to the repository where in it). */
async function run(name: string, ...args: string[]): Promise<{ code: number; stderr: string; loaded: string[] }> {
  const log = join(dir, `${name}.log`);
  await writeFile(log, '');
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ['--require', preload, '--import', register, join(ROOT, 'bin/portcullis.cjs'), ...args],
      { env: { ...process.env, PORTCULLIS_MODULE_LOG: log } },
      (error, _stdout, stderr) => done({ code: typeof error?.code === 'number' ? error.code : error ? -1 : 0, stderr }),
    );
  });
  const root = ROOT.replace(/\/?$/, '/');
  const loaded = (await readFile(log, 'utf8'))
    .split('\n')
    .filter((entry) => entry.length > 0 && !entry.startsWith('node:'))
    .map((entry) => (entry.startsWith('file:') ? fileURLToPath(entry) : entry))
    .map((file) => (file.startsWith(root) ? file.slice(root.length) : file));
  return { code, stderr, loaded };
}

/** What only the generator needs: its packages and the assets the build precompiled for it. */
const GENERATOR = /node_modules\/(yaml|handlebars|ajv|@apidevtools|ts-morph|@cedar-policy)\/|dist\/src\/(load|emit)\//;
const DEV_AUTH = /dist\/cli\/dev-auth\.mjs$|node_modules\/(oidc-provider|jose)\//;

describe('#15 commands are loaded lazily', () => {
  it('#15 generate loads the generator and never dev-auth or oidc-provider', async () => {
    const { code, loaded } = await run('generate', 'generate', join(ROOT, 'specs/notes-apikey.yaml'), '--out', join(dir, 'notes'), '--quiet');
    expect(code).toBe(0);
    expect(loaded).toContain('dist/cli/main.cjs');
    expect(loaded).toContain('dist/src/load/openapi-validators-3.0.cjs');
    expect(loaded.filter((file) => DEV_AUTH.test(file))).toEqual([]);
  });

  it('#15 --help loads the CLI alone: no package or asset of the generator or of dev-auth', async () => {
    const { code, loaded } = await run('help', '--help');
    expect(code).toBe(0);
    expect(loaded).toContain('dist/cli/main.cjs');
    expect(loaded.filter((file) => GENERATOR.test(file) || DEV_AUTH.test(file))).toEqual([]);
  });

  it('#15 dev-auth loads its own bundle and nothing of the generator', async () => {
    // A non-loopback --host is refused before the server starts: enough to see what the command loaded.
    const { code, stderr, loaded } = await run('dev-auth', 'dev-auth', '--host', '0.0.0.0');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: .*--host/m);
    expect(loaded).toContain('dist/cli/dev-auth.mjs');
    expect(loaded.filter((file) => GENERATOR.test(file))).toEqual([]);
  });
});
