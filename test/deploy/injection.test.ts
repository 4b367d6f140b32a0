/**
 * #16 item 2: spec text cannot add keys, entries or instructions to the structured files of an emitted project
 * (the YAML files under deploy/kubernetes, portcullis.config.yaml, .env.example, Dockerfile, .dockerignore). Each YAML file is read
 * as a YAML 1.2 parser reads it and again as a YAML 1.1 parser splits lines (go-yaml v2, which kubectl uses, breaks
 * lines on NEL, LS and PS too); both readings must be the same and have exactly the expected keys.
 */
import { parseEnv } from 'node:util';
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
import { loadConfig } from '../../src/config/load-config.js';
import { EMPTY_CONFIG } from '../../src/config/types.js';
import { emitServer, toServerDefinition } from '../../src/emit/emit-server.js';
import { generateFiles } from '../../src/generate.js';
import type { ServerModel } from '../../src/model/types.js';
import { describeAllSettings } from '../../templates/runtime/settings.js';
import { BENIGN, HOSTILE, INJECTED_KEY, byPath, generateFrom, withHostileNames, type Files } from '../emit/hostile-spec.js';

const MODELS: Record<string, { new (data: never): { validate(): void } }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

/** Line breaks of YAML 1.1 (§5.4: CR, LF, NEL, LS, PS) that YAML 1.2 reads as ordinary characters, or as one break. */
const YAML11_LINE_BREAKS = /\r\n|[\r\u0085\u2028\u2029]/g;
/** Every Unicode line break, for line-based formats whose readers differ on which ones count. */
const ANY_LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;

type Doc = Record<string, any>;

/** `text` with each lone surrogate as U+FFFD (String.prototype.toWellFormed is not in the ES2023 lib). */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** The documents of a YAML file, read as YAML 1.2 and as YAML 1.1 would split its lines: the two must agree. */
function readYaml(path: string, text: string): Doc[] {
  const read = (source: string, version: '1.1' | '1.2') => {
    const documents = parseAllDocuments(source, { version });
    for (const document of documents) expect(document.errors, `${path} (YAML ${version})`).toEqual([]);
    return documents.map((document) => document.toJS() as Doc);
  };
  const documents = read(text, '1.2');
  expect(read(text.replace(YAML11_LINE_BREAKS, '\n'), '1.1'), `${path}: YAML 1.1 line breaks`).toEqual(documents);
  return documents;
}

/** Every key path in a parsed document (`a.b.c`), sorted: its shape, without the values. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.entries(value).flatMap(([key, inner]) => keyPaths(inner, prefix ? `${prefix}.${key}` : key)).sort();
}

/** The structured, line-based files of a project. */
const STRUCTURED = (path: string) => /\.ya?ml$/.test(path) || ['.env.example', 'Dockerfile', '.dockerignore', '.gitignore'].includes(path);

/** Checks every structured file of `files`; returns the YAML documents by path. */
function checkStructuredFiles(files: Files): Map<string, Doc[]> {
  const yaml = new Map<string, Doc[]>();
  for (const [path, text] of Object.entries(files).filter(([p]) => STRUCTURED(p))) {
    // The class-wide guarantee: printable ASCII and LF only, whatever the spec says, so no reader finds another line.
    expect(text, path).toMatch(/^[\x20-\x7e\n]*$/);
    if (/\.ya?ml$/.test(path)) yaml.set(path, readYaml(path, text));
  }
  return yaml;
}

function kubernetesObjects(yaml: Map<string, Doc[]>): Map<string, Doc> {
  const byKind = new Map<string, Doc>();
  for (const [path, documents] of yaml) {
    // Kubernetes objects of the kustomize base; the kustomizations themselves are checked in kustomize.test.ts.
    if (!path.startsWith('deploy/kubernetes/base/') || path.endsWith('/kustomization.yaml')) continue;
    expect(documents, path).toHaveLength(1);
    const doc = documents[0]!;
    const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
    expect(Model, path).toBeDefined();
    expect(() => new Model!(doc as never).validate(), path).not.toThrow();
    byKind.set(doc.kind as string, doc);
  }
  expect([...byKind.keys()].sort()).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Secret', 'Service']);
  return byKind;
}

/** The ConfigMap and Secret hold exactly the keys and values the model calls for. */
function expectSettings(byKind: Map<string, Doc>, model: ServerModel): void {
  const definition = toServerDefinition(model);
  const data = byKind.get('ConfigMap')!.data as Record<string, string>;
  expect(Object.keys(data)).toEqual(['HOST', 'PORT', 'METRICS_PORT', 'MCP_PUBLIC_URL', 'OAUTH_ISSUER', 'UPSTREAM_BASE_URL']);
  expect(data).not.toHaveProperty(INJECTED_KEY);
  // The spec's server URL reads back exactly (a lone surrogate has no UTF-8 form: it is U+FFFD in any file).
  if (model.baseUrl && /^https?:\/\//.test(model.baseUrl)) expect(data.UPSTREAM_BASE_URL).toBe(wellFormed(model.baseUrl));
  const secrets = byKind.get('Secret')!.stringData as Record<string, string>;
  // #9: exactly the rows of the settings list marked secret, in its order.
  const expected = describeAllSettings(definition).filter((v) => v.secret).map((v) => v.variable);
  expect(expected).toContain('OAUTH_INTROSPECTION_CLIENT_SECRET');
  expect(Object.keys(secrets)).toEqual(expected);
  expect(Object.values(secrets).every((value) => value === '')).toBe(true);
}

/** .env.example holds comments only, whichever line breaks a reader honours; uncommented, it names known variables. */
function expectEnvExample(text: string, model: ServerModel): void {
  const definition = toServerDefinition(model);
  const known = new Set(describeAllSettings(definition).map((v) => v.variable));
  expect(parseEnv(text)).toEqual({});
  for (const line of text.split(ANY_LINE_BREAK)) expect(line === '' || line.startsWith('#'), JSON.stringify(line)).toBe(true);
  // What a user gets by uncommenting every `# NAME=value` line: only known variables, each once.
  const entries = text.split('\n').filter((line) => /^# [A-Za-z_][A-Za-z0-9_]*=/.test(line)).map((line) => line.slice(2));
  const parsed = parseEnv(entries.join('\n'));
  expect(Object.keys(parsed)).toHaveLength(entries.length);
  for (const key of Object.keys(parsed)) expect(known, key).toContain(key);
  expect(Object.keys(parsed)).toEqual(expect.arrayContaining([...known]));
}

/** The Dockerfile lints clean and has the same instructions as the benign project's. */
function instructionsOf(dockerfile: string): string[] {
  expect(lintDockerfile(dockerfile)).toEqual([]);
  return dockerfile.split('\n').filter((line) => line && !line.startsWith('#'));
}

describe('#16 spec text in structured files (hostile spec)', () => {
  it('#16 hostile titles, descriptions, server and token URLs add no key to any YAML file under YAML 1.1 or 1.2', async () => {
    const [hostile, benign] = [await generateFrom(HOSTILE), await generateFrom(BENIGN)];
    const yaml = checkStructuredFiles(hostile.files);
    const benignYaml = checkStructuredFiles(benign.files);
    expect([...yaml.keys()]).toEqual([...benignYaml.keys()]);
    for (const [path, documents] of yaml) expect(documents.map((doc) => keyPaths(doc)), path).toEqual(benignYaml.get(path)!.map((doc) => keyPaths(doc)));
    const byKind = kubernetesObjects(yaml);
    expectSettings(byKind, hostile.model);
    // The server URL carries the hostile text percent-encoded (the model refuses raw control characters there).
    expect(byKind.get('ConfigMap')!.data.UPSTREAM_BASE_URL).toContain(encodeURIComponent('\u0085  OAUTH_JWKS_URL: https://evil.example/jwks'));
  });

  it('#16 hostile names that slip past the model still add no key, and read back exactly', async () => {
    const { model } = await generateFrom(BENIGN);
    const hostile = withHostileNames(model);
    const files = byPath(emitServer(hostile));
    const byKind = kubernetesObjects(checkStructuredFiles(files));
    expectSettings(byKind, hostile);
    expectEnvExample(files['.env.example']!, hostile);
    // The scope (in OAUTH_CHALLENGE_SCOPES) and the scheme and API key names (in the Secret's comments) are there, escaped.
    expect(files['deploy/kubernetes/base/configmap.yaml']).toContain('# OAUTH_CHALLENGE_SCOPES: "scopeName [click](javascript:alert(1))');
    expect(files['deploy/kubernetes/base/secret.yaml']).toContain('security scheme "schemeName\\u0085  OAUTH_JWKS_URL: https://evil.example/jwks\\u2028  OAUTH_JWKS_URL');
    expect(files['deploy/kubernetes/base/secret.yaml']).toContain('sent as the header "apiKeyName\\u0085  OAUTH_JWKS_URL');
  });

  it('#16 .env.example stays comments only, and names only known variables', async () => {
    const hostile = await generateFrom(HOSTILE);
    expectEnvExample(hostile.files['.env.example']!, hostile.model);
  });

  it('#16 the Dockerfile and .dockerignore carry no spec text', async () => {
    const [hostile, benign] = [await generateFrom(HOSTILE), await generateFrom(BENIGN)];
    const image = (files: Files) => JSON.parse(files['package.json']!).name as string;
    const normalise = (files: Files) => instructionsOf(files.Dockerfile!).map((line) => line.replaceAll(image(files), '<name>'));
    expect(normalise(hostile.files)).toEqual(normalise(benign.files));
    expect(hostile.files['.dockerignore']).toBe(benign.files['.dockerignore']);
  });

  it('#16 refuses to render a key or variable name outside [A-Za-z0-9_.-]', async () => {
    const { model } = await generateFrom(BENIGN);
    for (const envPrefix of ['UPSTREAM_X\u0085OAUTH_JWKS_URL', 'UPSTREAM X', 'UPSTREAM_X:', 'UPSTREAM_\u212A', 'UPSTREAM_X"']) {
      const forged = { ...model, securitySchemes: model.securitySchemes.map((scheme) => ({ ...scheme, envPrefix })) };
      expect(() => emitServer(forged), JSON.stringify(envPrefix)).toThrow(/internal error: key ".*" is not made of A-Z, a-z, 0-9/);
    }
  });
});

describe.each(listExamples())('#16 structured files of example $name', (example) => {
  it('#16 read the same under YAML 1.1 and 1.2, are printable ASCII, and .env.example is comments only', async () => {
    const config = example.config ? await loadConfig(join(ROOT, example.config)) : EMPTY_CONFIG;
    const { model, files } = await generateFiles({ spec: join(ROOT, example.spec), config });
    const byPathFiles = byPath(files);
    const byKind = kubernetesObjects(checkStructuredFiles(byPathFiles));
    expectSettings(byKind, model);
    expectEnvExample(byPathFiles['.env.example']!, model);
  });
});
