/**
 * #9: refusing to overwrite a hand-edited generated file says, for each kind of file, where the change belongs instead
 * (a YAML manifest in the kustomize overlay, TypeScript in src/hooks.ts, ...), never "src/hooks.ts" for everything.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { conflictAdvice } from '../../src/write/conflict-advice.js';
import { cli } from '../support/cli.js';
import { scratchDir } from '../support/scratch.js';

const OVERLAY = 'put your changes in deploy/kubernetes/overlays/production (kustomize overlay: yours, never overwritten; deploy with kubectl apply -k deploy/kubernetes/overlays/production).';
const HOOKS = 'move your changes into src/hooks.ts (yours: never overwritten).';
const DOCS = 'these are written from the spec and config: change those and regenerate, and keep your own notes in another file.';
const DOCKERFILE = 'build FROM this image in your own Dockerfile, or use --force.';
const REGENERATE = 'change the spec or portcullis.config.yaml and regenerate.';

describe('#9 conflictAdvice', () => {
  it.each([
    ['deploy/kubernetes/base/deployment.yaml', OVERLAY],
    ['deploy/kubernetes/base/kustomization.yaml', OVERLAY],
    ['deploy/kubernetes/configmap.yaml', OVERLAY], // a manifest of an older layout, no longer generated
    ['deploy/other/thing.yml', OVERLAY],
    ['src/index.ts', HOOKS],
    ['src/runtime/http.ts', HOOKS],
    ['src/tool-names.ts', HOOKS],
    ['README.md', DOCS],
    ['AUTHORIZATION.md', DOCS],
    ['Dockerfile', DOCKERFILE],
    ['tools.json', REGENERATE],
    ['package.json', REGENERATE],
    ['portcullis.manifest.json', REGENERATE],
    ['.env.example', REGENERATE],
    ['.dockerignore', REGENERATE],
  ])('#9 %s: %s', (path, advice) => {
    expect(conflictAdvice([path])).toEqual([`${path}: ${advice}`]);
  });

  it('#9 groups files by what to do, in the order they are listed', () => {
    expect(conflictAdvice(['Dockerfile', 'deploy/kubernetes/base/hpa.yaml', 'src/index.ts', 'deploy/kubernetes/base/service.yaml', 'src/runtime/http.ts'])).toEqual([
      `Dockerfile: ${DOCKERFILE}`,
      `deploy/kubernetes/base/hpa.yaml, deploy/kubernetes/base/service.yaml: ${OVERLAY}`,
      `src/index.ts, src/runtime/http.ts: ${HOOKS}`,
    ]);
    expect(conflictAdvice([])).toEqual([]);
  });
});

describe('#9 generate refuses hand edits with per-file advice', () => {
  it('#9 names the overlay for YAML, src/hooks.ts for TypeScript, and what to do for docs and the Dockerfile', async () => {
    const out = join(scratchDir('advice'), 'ledger');
    const spec = join(ROOT, 'specs/diff/v1.yaml');
    expect((await cli('generate', spec, '--out', out, '--quiet')).code).toBe(0);
    const edited = ['AUTHORIZATION.md', 'Dockerfile', 'deploy/kubernetes/base/deployment.yaml', 'src/index.ts', 'tools.json'];
    for (const file of edited) await appendFile(join(out, file), file.endsWith('.json') ? ' ' : '\n# mine\n');
    // The overlay is the user's: editing it is the point, never a conflict.
    await appendFile(join(out, 'deploy/kubernetes/overlays/production/kustomization.yaml'), 'namespace: mcp\n');
    const refused = await cli('generate', spec, '--out', out, '--quiet');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'error: 5 generated files were edited by hand and would be overwritten or deleted:\n' +
        edited.map((file) => `  ${file}\n`).join('') +
        'Instead of editing them:\n' +
        `  AUTHORIZATION.md: ${DOCS}\n` +
        `  Dockerfile: ${DOCKERFILE}\n` +
        `  deploy/kubernetes/base/deployment.yaml: ${OVERLAY}\n` +
        `  src/index.ts: ${HOOKS}\n` +
        `  tools.json: ${REGENERATE}\n` +
        'Undo your edits to these files, or pass --force to overwrite them. Nothing was written.\n',
    );
    expect(await readFile(join(out, 'deploy/kubernetes/overlays/production/kustomization.yaml'), 'utf8')).toMatch(/namespace: mcp\n$/);
  });
});
