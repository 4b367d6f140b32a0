/**
 * #15: each command's module is loaded when that command runs. `generate` never loads dev-auth (oidc-provider, the
 * heaviest dependency), `--help` loads no generator stage. Observed on the built CLI as a process, through a module
 * resolve hook that logs every URL Node resolves (for the bundled CLI, with the compiled modules each file carries).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { scratchDir } from '../support/scratch.js';

const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.PORTCULLIS_MODULE_LOG, resolved.url + '\\n');
  return resolved;
}
`;

let dir: string;
let register: string;

beforeAll(async () => {
  dir = scratchDir('lazy');
  await writeFile(join(dir, 'hooks.mjs'), HOOKS);
  register = join(dir, 'register.mjs');
  await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
});

/** The exit code of `portcullis <args>` and the modules it loaded (paths relative to the repository where in it). */
async function run(name: string, ...args: string[]): Promise<{ code: number; stderr: string; loaded: string[] }> {
  const log = join(dir, `${name}.log`);
  await writeFile(log, '');
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((done) => {
    execFile(process.execPath, ['--import', register, join(ROOT, 'bin/portcullis.js'), ...args], { env: { ...process.env, PORTCULLIS_MODULE_LOG: log } }, (error, _stdout, stderr) =>
      done({ code: typeof error?.code === 'number' ? error.code : error ? -1 : 0, stderr }),
    );
  });
  const root = pathToFileURL(ROOT).href.replace(/\/?$/, '/');
  const urls = (await readFile(log, 'utf8')).split('\n').filter((url) => url.length > 0);
  const loaded = (await Promise.all(urls.map(async (url) => [url, ...(await bundledModules(url))]))).flat().map((url) => (url.startsWith(root) ? url.slice(root.length) : url));
  return { code, stderr, loaded };
}

/**
 * The compiled modules a file of the bundled CLI (dist/cli/) carries, as esbuild marks each one (`// dist/src/….js`),
 * so what a command loads reads the same bundled or not.
 */
async function bundledModules(url: string): Promise<string[]> {
  if (!url.startsWith(pathToFileURL(join(ROOT, 'dist/cli/')).href)) return [];
  const text = await readFile(new URL(url), 'utf8');
  return [...text.matchAll(/^\/\/ (dist\/src\/\S+\.js)$/gm)].map((match) => pathToFileURL(join(ROOT, match[1]!)).href);
}

describe('#15 commands are loaded lazily', () => {
  it('#15 generate loads its own command module and never dev-auth or oidc-provider', async () => {
    const { code, loaded } = await run('generate', 'generate', join(ROOT, 'specs/notes-apikey.yaml'), '--out', join(dir, 'notes'), '--quiet');
    expect(code).toBe(0);
    expect(loaded).toContain('dist/src/cli/commands/generate.js');
    expect(loaded).toContain('dist/src/generate.js');
    expect(loaded.filter((url) => /\/dev-auth\/|\/oidc-provider\/|commands\/(check|diff|dev-auth)\.js$/.test(url))).toEqual([]);
  });

  it('#15 --help loads no command module and no generator stage', async () => {
    const { code, loaded } = await run('help', '--help');
    expect(code).toBe(0);
    expect(loaded).toContain('dist/src/cli/main.js');
    expect(loaded.filter((url) => /\/cli\/commands\/|\/src\/(generate|load\/load-spec|model|emit|write|dev-auth)[./]|\/oidc-provider\//.test(url))).toEqual([]);
  });

  it('#15 dev-auth loads its command module and no generator stage', async () => {
    // A non-loopback --host is refused before the server starts: enough to see what the command loaded.
    const { code, stderr, loaded } = await run('dev-auth', 'dev-auth', '--host', '0.0.0.0');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: .*--host/m);
    expect(loaded).toContain('dist/src/cli/commands/dev-auth.js');
    expect(loaded.filter((url) => /\/src\/(generate|load\/load-spec|model|emit|write)[./]|commands\/(generate|check|diff)\.js$/.test(url))).toEqual([]);
  });
});
