/**
 * #9: deployments that survive regeneration. The Kubernetes manifests are a generator-owned kustomize base, deployed
 * through a user-owned overlay that is created once and never overwritten. No kustomize binary runs here (none in
 * Debian or npm), so the layout is checked structurally: the base lists exactly its manifests, the overlay is YAML that
 * builds on ../../base, and a second generation leaves an edited overlay alone.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT, listExamples } from '../../scripts/examples.js';
import { GENERATED_HEADER, KUSTOMIZE_BASE_DIR, OVERLAY_DIR } from '../../src/emit/emit-server.js';
import { cli } from '../support/cli.js';
import { scratchDir } from '../support/scratch.js';

type Doc = Record<string, any>;

function readYaml(text: string): Doc {
  const documents = parseAllDocuments(text);
  expect(documents).toHaveLength(1);
  expect(documents[0]!.errors).toEqual([]);
  return documents[0]!.toJS() as Doc;
}

async function generated(spec: string, config?: string): Promise<string> {
  const out = join(scratchDir('kustomize'), 'server');
  const result = await cli('generate', spec, '--out', out, '--quiet', ...(config ? ['--config', config] : []));
  expect(result.code, result.stderr).toBe(0);
  return out;
}

describe.each(listExamples())('#9 kustomize layout of $name', (example) => {
  let output: Promise<string> | undefined;
  const generatedExample = () => (output ??= generated(join(ROOT, example.spec), example.config && join(ROOT, example.config)));

  it('#9 has a generator-owned base whose kustomization lists exactly its manifests', async () => {
    const out = await generatedExample();
    const files = (await readdir(join(out, KUSTOMIZE_BASE_DIR))).sort();
    const text = await readFile(join(out, KUSTOMIZE_BASE_DIR, 'kustomization.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe(`# ${GENERATED_HEADER}`);
    const kustomization = readYaml(text);
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(kustomization.kind).toBe('Kustomization');
    expect(kustomization.resources).toEqual(files.filter((file) => file !== 'kustomization.yaml'));
    expect(kustomization.resources).toEqual(['configmap.yaml', 'deployment.yaml', 'hpa.yaml', 'networkpolicy.yaml', 'pdb.yaml', 'secret.yaml', 'service.yaml']);
    // Nothing else sits beside the base: every manifest lives under base/, the optional monitoring/ or the overlay.
    expect((await readdir(join(out, 'deploy', 'kubernetes'))).sort()).toEqual(['base', 'monitoring', 'overlays']);
  });

  it('#9 has a user-owned overlay that builds on ../../base and documents every customisation', async () => {
    const out = await generatedExample();
    const text = await readFile(join(out, OVERLAY_DIR, 'kustomization.yaml'), 'utf8');
    expect(text).not.toContain(GENERATED_HEADER);
    const overlay = readYaml(text);
    expect(overlay).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['../../base'] });
    // The commented examples, once uncommented, are themselves a valid kustomization of this base.
    const uncommented = readYaml(text.replace(/^# ((?:[a-zA-Z]+:|  ).*)$/gm, '$1'));
    const base = (await readdir(join(out, KUSTOMIZE_BASE_DIR))).filter((file) => file !== 'kustomization.yaml');
    const objects = await Promise.all(base.map(async (file) => readYaml(await readFile(join(out, KUSTOMIZE_BASE_DIR, file), 'utf8'))));
    const named = (kind: string) => objects.find((object) => object.kind === kind)!.metadata.name as string;
    expect(uncommented.images).toEqual([{ name: named('Deployment'), newName: expect.any(String), newTag: expect.any(String) }]);
    const image = objects.find((object) => object.kind === 'Deployment')!.spec.template.spec.containers[0].image as string;
    expect(image.split(':')[0]).toBe(uncommented.images[0].name);
    expect(uncommented.replicas).toEqual([{ name: named('Deployment'), count: expect.any(Number) }]);
    expect(uncommented.configMapGenerator).toEqual([{ name: named('ConfigMap'), behavior: 'merge', literals: expect.any(Array) }]);
    expect(uncommented.secretGenerator).toEqual([{ name: named('Secret'), behavior: 'merge', envs: ['secrets.env'] }]);
    const targets = (uncommented.patches as Doc[]).map((patch) => patch.target ?? readYaml(patch.patch).kind);
    expect(targets).toEqual(['Secret', { kind: 'Deployment', name: named('Deployment') }, { kind: 'HorizontalPodAutoscaler', name: named('HorizontalPodAutoscaler') }]);
    expect(readYaml(uncommented.patches[0].patch)).toMatchObject({ $patch: 'delete', kind: 'Secret', metadata: { name: named('Secret') } });
    expect(await readFile(join(out, OVERLAY_DIR, '.gitignore'), 'utf8')).toMatch(/^secrets\.env$/m);
  });
});

describe.each(listExamples())('#14 optional monitoring of $name', (example) => {
  it('#14 keeps the ServiceMonitor out of the base (its CRD may not exist) in a kustomization the overlay can add', async () => {
    const out = await generated(join(ROOT, example.spec), example.config && join(ROOT, example.config));
    const dir = join(out, 'deploy', 'kubernetes', 'monitoring');
    expect((await readdir(dir)).sort()).toEqual(['kustomization.yaml', 'servicemonitor.yaml']);
    const text = await readFile(join(dir, 'kustomization.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe(`# ${GENERATED_HEADER}`);
    expect(readYaml(text)).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['servicemonitor.yaml'] });
    const monitor = readYaml(await readFile(join(dir, 'servicemonitor.yaml'), 'utf8'));
    const service = readYaml(await readFile(join(out, KUSTOMIZE_BASE_DIR, 'service.yaml'), 'utf8'));
    expect(monitor).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: service.metadata.name } });
    expect(monitor.spec.selector).toEqual({ matchLabels: service.metadata.labels });
    expect(monitor.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }]);
    expect((service.spec.ports as Doc[]).map((port) => port.name)).toContain('metrics');
    // The overlay says how to add it: the commented resource, once uncommented, is this folder.
    const overlay = await readFile(join(out, OVERLAY_DIR, 'kustomization.yaml'), 'utf8');
    expect(overlay).toMatch(/^ {2}# - \.\.\/\.\.\/monitoring$/m);
  });
});

describe('#9 the overlay survives regeneration', () => {
  it('#9 a second generate keeps an edited overlay and its .gitignore, and still rewrites the base', async () => {
    const spec = join(ROOT, 'specs/diff/v1.yaml');
    const out = await generated(spec);
    const overlay = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nreplicas:\n  - name: ledger\n    count: 5\n';
    await writeFile(join(out, OVERLAY_DIR, 'kustomization.yaml'), overlay);
    await writeFile(join(out, OVERLAY_DIR, '.gitignore'), 'secrets.env\nmore.env\n');
    const again = await cli('generate', join(ROOT, 'specs/diff/v2.yaml'), '--out', out, '--quiet');
    expect(again.code, again.stderr).toBe(0);
    expect(await readFile(join(out, OVERLAY_DIR, 'kustomization.yaml'), 'utf8')).toBe(overlay);
    expect(await readFile(join(out, OVERLAY_DIR, '.gitignore'), 'utf8')).toBe('secrets.env\nmore.env\n');
    expect(await readFile(join(out, KUSTOMIZE_BASE_DIR, 'deployment.yaml'), 'utf8')).toContain('app.kubernetes.io/version: "2.0.0"');
  });
});
