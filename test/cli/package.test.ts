/**
 * #15: the package as npm publishes it runs. `npm pack` of the built repository, unpacked into a scratch folder with
 * the repository's node_modules beside it (a registry install would put the dependencies there): it holds the CLI
 * bundles and the assets they load, and the CLI it ships generates a server.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { scratchDir } from '../support/scratch.js';

const run = promisify(execFile);
let unpacked: string;

beforeAll(async () => {
  const folder = scratchDir('package');
  // --ignore-scripts: `npm test` has just built dist/; packing must not build it again.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', folder, '--json'], { cwd: ROOT });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  await run('tar', ['-xzf', join(folder, filename), '-C', folder]);
  unpacked = join(folder, 'package');
  symlinkSync(join(ROOT, 'node_modules'), join(unpacked, 'node_modules'), 'dir');
}, 120_000);

describe('#15 the published package', () => {
  it('#15 ships the CLI bundles and the assets they load', () => {
    for (const file of ['bin/portcullis.cjs', 'dist/cli/main.cjs', 'dist/cli/dev-auth.mjs', 'dist/src/load/openapi-validators-3.0.cjs', 'dist/src/emit/precompiled-templates.cjs']) {
      expect(existsSync(join(unpacked, file)), file).toBe(true);
    }
    expect(readdirSync(join(unpacked, 'templates/server')).length).toBeGreaterThan(5);
  });

  it('#15 generates a server with the CLI it ships', async () => {
    const out = join(scratchDir('package-out'), 'petstore');
    const { stdout, stderr } = await run(process.execPath, [join(unpacked, 'bin/portcullis.cjs'), 'generate', join(ROOT, 'specs/petstore.yaml'), '--out', out, '--quiet']);
    expect(stdout).toBe('');
    expect(stderr).not.toMatch(/^error/m);
    expect(existsSync(join(out, 'tools.json'))).toBe(true);
    expect(existsSync(join(out, 'src/runtime/authorization.ts'))).toBe(true);
    const { stdout: version } = await run(process.execPath, [join(unpacked, 'bin/portcullis.cjs'), '--version']);
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
