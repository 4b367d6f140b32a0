/**
 * The deployment files every emitted project carries, checked without Docker or a cluster:
 * - the Dockerfile is linted with dockerfile-utils (the validator behind the VS Code Docker extension; hadolint has
 *   no Debian or npm package that runs offline here) plus the hardening rules the issue asks for;
 * - deploy/kubernetes/base/*.yaml is validated against the Kubernetes OpenAPI JSON schemas compiled into kubernetes-models
 *   (ajv validators generated from the upstream schemas), and cross-checked: names, selectors, probes, envFrom,
 *   security context, ConfigMap keys = documented settings, Secret keys = upstream credential variables, all empty.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Deployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT, listExamples } from '../../scripts/examples.js';
import { GENERATED_HEADER, KUSTOMIZE_BASE_DIR, NODE_IMAGE_TAG, kubernetesName } from '../../src/emit/emit-server.js';
import type { ServerDefinition } from '../../templates/runtime/definition.js';
import { describeAllSettings } from '../../templates/runtime/settings.js';

const MODELS: Record<string, { new (data: never): { validate(): void } }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

// Parsed YAML, navigated freely: the Kubernetes schema validation is what checks its shape.
type Doc = Record<string, any>;

function manifests(dir: string): Map<string, Doc> {
  const byKind = new Map<string, Doc>();
  for (const file of readdirSync(join(dir, KUSTOMIZE_BASE_DIR)).sort()) {
    if (file === 'kustomization.yaml') continue; // not a Kubernetes object: see kustomize.test.ts
    const text = readFileSync(join(dir, KUSTOMIZE_BASE_DIR, file), 'utf8');
    expect(text.split('\n')[0]).toBe(`# ${GENERATED_HEADER}`);
    const docs = parseAllDocuments(text);
    expect(docs).toHaveLength(1);
    expect(docs[0]!.errors).toEqual([]);
    const doc = docs[0]!.toJS() as Doc;
    byKind.set(doc.kind as string, doc);
  }
  return byKind;
}

describe.each(listExamples().map((example) => example.name))('generated/%s deployment files', (name) => {
  const dir = join(ROOT, 'generated', name);
  const definition = JSON.parse(readFileSync(join(dir, 'tools.json'), 'utf8')) as ServerDefinition;
  const packageName = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string }).name;
  const app = kubernetesName(packageName);

  it('has a Dockerfile that lints clean and follows the container rules', () => {
    const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');
    expect(dockerfile.split('\n')[0]).toBe(`# ${GENERATED_HEADER}`);
    expect(lintDockerfile(dockerfile)).toEqual([]);
    const instructions = dockerfile.split('\n').filter((line) => line && !line.startsWith('#'));
    const froms = instructions.filter((line) => line.startsWith('FROM '));
    // Multi-stage, both on the same slim tag of a supported LTS line.
    expect(froms).toEqual([`FROM node:${NODE_IMAGE_TAG} AS build`, `FROM node:${NODE_IMAGE_TAG}`]);
    expect(NODE_IMAGE_TAG).toMatch(/^24(\.\d+)?-bookworm-slim$/); // the Node 24 LTS line (#9)
    const runtime = instructions.slice(instructions.indexOf(froms[1]!));
    expect(runtime).toContain('USER node');
    expect(runtime.indexOf('USER node')).toBeLessThan(runtime.findIndex((line) => line.startsWith('CMD ')));
    expect(runtime).toContain('EXPOSE 3000');
    expect(runtime.some((line) => /^ENV .*\bHOST=0\.0\.0\.0\b/.test(line) && /\bNODE_ENV=production\b/.test(line))).toBe(true);
    expect(runtime.some((line) => line.startsWith('RUN ') && line.includes('--omit=dev'))).toBe(true);
    expect(runtime.some((line) => line.startsWith('COPY --from=build /app/dist '))).toBe(true);
    expect(runtime.filter((line) => line.startsWith('HEALTHCHECK '))).toHaveLength(1);
    expect(runtime.find((line) => line.startsWith('HEALTHCHECK '))).toContain('/healthz');
    expect(runtime.at(-1)).toBe('CMD ["node", "dist/index.js"]');
    // No curl or wget in slim images, and nothing fetched outside npm.
    expect(dockerfile).not.toMatch(/\b(curl|wget|apt-get)\b/);

    const ignore = readFileSync(join(dir, '.dockerignore'), 'utf8').split('\n');
    expect(ignore[0]).toBe(`# ${GENERATED_HEADER}`);
    expect(ignore).toEqual(expect.arrayContaining(['node_modules', 'dist', '.env']));
  });

  it('has Kubernetes manifests valid against the Kubernetes JSON schemas', () => {
    const byKind = manifests(dir);
    expect([...byKind.keys()].sort()).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Secret', 'Service']);
    for (const doc of byKind.values()) {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, `${doc.apiVersion} ${doc.kind}`).toBeDefined();
      expect(() => new Model!(doc as never).validate()).not.toThrow();
      expect(doc.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(doc.metadata.labels['app.kubernetes.io/name']).toBe(app);
    }
  });

  it('wires the manifests together: probes, hardening, envFrom, Service and HPA targets', () => {
    const byKind = manifests(dir);
    const deployment = byKind.get('Deployment')!;
    expect(deployment.metadata.name).toBe(app);
    const pod = deployment.spec.template;
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': app });
    expect(pod.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec.containers).toHaveLength(1);
    const container = pod.spec.containers[0];
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 3000, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
    ]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.envFrom).toEqual([{ configMapRef: { name: byKind.get('ConfigMap')!.metadata.name } }, { secretRef: { name: byKind.get('Secret')!.metadata.name } }]);

    const service = byKind.get('Service')!;
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports[0].targetPort).toBe('http');
    expect(service.spec.ports[1]).toEqual({ name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' });

    const hpa = byKind.get('HorizontalPodAutoscaler')!;
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: app });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } }]);
  });

  it('#14 serves /metrics on the metrics port: METRICS_PORT set to the container port the Service names', () => {
    const byKind = manifests(dir);
    const config = byKind.get('ConfigMap')!.data as Record<string, string>;
    const ports = byKind.get('Deployment')!.spec.template.spec.containers[0].ports as Doc[];
    expect(Number(config.METRICS_PORT)).toBe(ports.find((port) => port.name === 'metrics')!.containerPort);
    // On the main port it stays 404: nothing allows it there.
    expect(config.METRICS_ALLOW_UNAUTHENTICATED).toBeUndefined();
  });

  it('#14 has a PodDisruptionBudget that lets one pod of the Deployment go at a time', () => {
    const byKind = manifests(dir);
    const pdb = byKind.get('PodDisruptionBudget')!;
    expect(pdb.metadata.name).toBe(app);
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: byKind.get('Deployment')!.spec.selector.matchLabels } });
    // Below the HPA's minimum, so a drain never waits forever and never empties the service.
    expect(byKind.get('HorizontalPodAutoscaler')!.spec.minReplicas).toBeGreaterThan(pdb.spec.maxUnavailable);
  });

  it('#14 has a NetworkPolicy: ingress to the MCP and metrics ports only, egress to DNS, 443, the OTLP collector and Redis', () => {
    const byKind = manifests(dir);
    const policy = byKind.get('NetworkPolicy')!;
    expect(policy.spec.podSelector).toEqual({ matchLabels: byKind.get('Deployment')!.spec.selector.matchLabels });
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    // Ports by name: they are the container's.
    const containerPorts = (byKind.get('Deployment')!.spec.template.spec.containers[0].ports as Doc[]).map((port) => port.name);
    const ingress = policy.spec.ingress as Doc[];
    expect(ingress.flatMap((rule) => rule.ports.map((port: Doc) => port.port))).toEqual(['http', 'metrics']);
    for (const rule of ingress) for (const port of rule.ports) expect(containerPorts).toContain(port.port);
    // The unauthenticated metrics port is not open to every namespace.
    const metrics = ingress.find((rule) => rule.ports[0].port === 'metrics')!;
    expect(metrics.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    const egress = policy.spec.egress as Doc[];
    const egressPorts = egress.map((rule) => rule.ports.map((port: Doc) => `${port.port}/${port.protocol}`).join(' '));
    expect(egressPorts).toEqual(['53/UDP 53/TCP', '443/TCP', '4318/TCP', '6379/TCP']);
    expect(egress[0]!.to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }]);
    // Redis: this namespace only.
    expect(egress[3]!.to).toEqual([{ podSelector: {} }]);
  });

  it('puts documented non-secret settings in the ConfigMap and only empty credential placeholders in the Secret', () => {
    const byKind = manifests(dir);
    // #9: one list, and its `secret` flag decides where each variable goes.
    const rows = describeAllSettings(definition);
    const secrets = rows.filter((row) => row.secret).map((row) => row.variable);
    // A Deployment serves HTTP: a setting only stdio reads has no place in it.
    const settings = rows.filter((row) => !row.secret && row.transport !== 'stdio').map((row) => row.variable);
    const config = byKind.get('ConfigMap')!.data as Record<string, string>;
    expect(Object.keys(config)).toEqual(expect.arrayContaining(['HOST', 'PORT', 'MCP_PUBLIC_URL', 'OAUTH_ISSUER']));
    for (const [key, value] of Object.entries(config)) {
      expect(settings).toContain(key);
      expect(typeof value).toBe('string');
    }
    expect(config.HOST).toBe('0.0.0.0');
    expect(config.PORT).toBe('3000');
    // Every other non-secret setting, the upstream ones (a client-credentials token URL or scope override) included, is
    // at least named, commented out, so the file documents them all; no secret is named there.
    const text = readFileSync(join(dir, KUSTOMIZE_BASE_DIR, 'configmap.yaml'), 'utf8');
    for (const variable of settings) expect(text).toMatch(new RegExp(`^  (# )?${variable}: `, 'm'));
    for (const variable of secrets) expect(text).not.toMatch(new RegExp(`^  (# )?${variable}: `, 'm'));

    const secret = byKind.get('Secret')!;
    expect(secret.data).toBeUndefined();
    expect(Object.keys(secret.stringData as Record<string, string>).sort()).toEqual([...secrets].sort());
    for (const value of Object.values(secret.stringData as Record<string, string>)) expect(value).toBe('');
  });
});

describe('kubernetesName', () => {
  it('turns package names into RFC 1123 labels with room for suffixes', () => {
    expect(kubernetesName('helpdesk-api-mcp')).toBe('helpdesk-api-mcp');
    expect(kubernetesName('@acme/Billing_API.mcp')).toBe('acme-billing-api-mcp');
    expect(kubernetesName('---')).toBe('mcp-server');
    const long = kubernetesName('x'.repeat(30) + '-' + 'y'.repeat(60));
    expect(long.length).toBeLessThanOrEqual(40);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});
