/**
 * generated/ is the golden snapshot: regenerating every example spec reproduces it byte for byte, with no orphaned
 * files, and every generated project type-checks against the versions its package.json pins.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { EMPTY_CONFIG } from '../src/config/types.js';
import { hasGeneratedHeader } from '../src/emit/emit-server.js';
import { EMITTED_DEPENDENCIES, EMITTED_DEV_DEPENDENCIES } from '../src/emit/versions.js';
import { generateFiles } from '../src/generate.js';
import { listExamples, ROOT } from '../scripts/examples.js';

const run = promisify(execFile);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    // What `npm install && npm run build` in an emitted project creates (its README says to) is not output.
    .filter((path) => !path.startsWith('node_modules/') && !path.startsWith('dist/') && path !== 'package-lock.json')
    .sort();
}

describe.each(listExamples())('generated/$name', (example) => {
  it('is exactly what the generator emits now (run `npm run regenerate` after a change)', async () => {
    const config = example.config ? await loadConfig(join(ROOT, example.config)) : EMPTY_CONFIG;
    const { files } = await generateFiles({ spec: join(ROOT, example.spec), config });
    const outDir = join(ROOT, example.outDir);
    expect(filesUnder(outDir)).toEqual(files.map((file) => file.path));
    for (const file of files) {
      expect(readFileSync(join(outDir, file.path), 'utf8'), file.path).toBe(file.contents);
    }
  });

  it('marks every generated file as such (the header, or for JSON the manifest) and no file of the user', async () => {
    const config = example.config ? await loadConfig(join(ROOT, example.config)) : EMPTY_CONFIG;
    const { files, manifest } = await generateFiles({ spec: join(ROOT, example.spec), config });
    for (const file of files) {
      const marked = file.path.endsWith('.json') ? file.path in manifest.files || file.path === 'portcullis.manifest.json' : hasGeneratedHeader(file.contents);
      expect(marked, file.path).toBe(file.owner === 'generator');
    }
    expect(manifest.userFiles).toEqual(['deploy/kubernetes/overlays/production/.gitignore', 'deploy/kubernetes/overlays/production/kustomization.yaml', 'policies/local.cedar', 'portcullis.config.yaml', 'src/hooks.ts']);
  });

  it('type-checks', async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', join(ROOT, example.outDir, 'tsconfig.json'), '--noEmit'], { cwd: ROOT }).catch((error) => error);
    expect(`${result.stdout ?? ''}${result.stderr ?? ''}`).toBe('');
  }, 120_000);

  it('pins the dependency versions this repository tests against', () => {
    const emitted = JSON.parse(readFileSync(join(ROOT, example.outDir, 'package.json'), 'utf8'));
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const installed = { ...root.dependencies, ...root.devDependencies };
    for (const [name, version] of Object.entries({ ...EMITTED_DEPENDENCIES, ...EMITTED_DEV_DEPENDENCIES })) {
      expect(installed[name], name).toBe(version);
    }
    expect(emitted.dependencies).toEqual(EMITTED_DEPENDENCIES);
    expect(emitted.devDependencies).toEqual(EMITTED_DEV_DEPENDENCIES);
  });
});
