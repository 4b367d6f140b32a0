import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/errors.js';
import { loadSpec, type LoadedSpec } from '../../src/load/load-spec.js';
import { scratchDir } from '../support/scratch.js';

const FIXTURES = 'test/load/fixtures';

/** The formatted issues of a load that must fail. */
async function failure(location: string, allowRemoteRefs = false): Promise<string[]> {
  const { value, issues } = await loadSpec(location, { allowRemoteRefs });
  if (value) throw new Error(`${location} loaded`);
  return issues.map(formatIssue);
}

/** The spec a load that must succeed produces; fails with its issue lines when there is none. */
async function loaded(location: string, allowRemoteRefs = false): Promise<LoadedSpec> {
  const result = await loadSpec(location, { allowRemoteRefs });
  if (!result.value) throw new Error(result.issues.map(formatIssue).join('\n'));
  return result.value;
}

/** Every `$ref` string in a value. */
function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => (key === '$ref' && typeof child === 'string' ? [child] : refs(child)));
}

describe('loadSpec: local files', () => {
  it('bundles refs to other local files, leaving only internal refs', async () => {
    const spec = await loaded(`${FIXTURES}/split/openapi.yaml`);
    expect(spec.file).toBe(`${FIXTURES}/split/openapi.yaml`);
    expect(spec.specVersion).toBe('3.0');
    expect(refs(spec.document).every((ref) => ref.startsWith('#/'))).toBe(true);
    const pets = (spec.document.paths as Record<string, { get: { parameters: unknown[] } }>)['/pets']!;
    expect(pets.get.parameters[0]).toEqual({ name: 'limit', in: 'query', schema: { type: 'integer', maximum: 100 } });
    // Internal refs keep their names.
    const pet = (spec.document.paths as Record<string, { get: { parameters: unknown[] } }>)['/pets/{petId}']!;
    expect(pet.get.parameters[0]).toEqual({ $ref: '#/components/parameters/petId' });
  });

  it('#15 records the digest of the bytes read: the spec file alone, or with the files it references', async () => {
    const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');
    const single = await loaded(`${FIXTURES}/circular.json`);
    expect(single.sourceDigest).toBe(`sha256:${sha256(readFileSync(`${FIXTURES}/circular.json`))}`);

    const split = await loaded(`${FIXTURES}/split/openapi.yaml`);
    const referenced = ['parameters.yaml', 'schemas/pet.json'].map((file) => sha256(readFileSync(`${FIXTURES}/split/${file}`))).sort();
    const own = sha256(readFileSync(`${FIXTURES}/split/openapi.yaml`));
    expect(split.sourceDigest).toBe(`sha256:${sha256([own, ...referenced].map((hex) => `${hex}\n`).join(''))}`);
  });

  it('#15 reads a file larger than one read buffer whole', async () => {
    const folder = scratchDir('load');
    const description = 'x'.repeat(300_000);
    const text = JSON.stringify({ openapi: '3.0.3', info: { title: 'Big', version: '1', description }, paths: {} });
    await writeFile(path.join(folder, 'big.json'), text);
    const spec = await loaded(path.join(folder, 'big.json'));
    expect((spec.document.info as { description: string }).description).toBe(description);
    expect(spec.sourceDigest).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
  });

  it('loads JSON with circular schema refs, without dereferencing them', async () => {
    const spec = await loaded(`${FIXTURES}/circular.json`);
    expect(spec.specVersion).toBe('2.0');
    expect(spec.document.definitions).toEqual({
      Node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/definitions/Node' } } } },
    });
  });

  it('loads a 3.1 document without paths', async () => {
    const spec = await loaded(`${FIXTURES}/components-only-3.1.yaml`);
    expect(spec.specVersion).toBe('3.1');
    expect(spec.document).not.toHaveProperty('paths');
  });

  it('reports a missing file', async () => {
    expect(await failure(`${FIXTURES}/nope.yaml`)).toEqual([
      `${FIXTURES}/nope.yaml#: file not found. Check the path; a relative path is resolved from the current directory. [ERR_SPEC_READ]`,
    ]);
  });

  it('reports a syntax error in a referenced file at the $ref', async () => {
    expect(await failure(`${FIXTURES}/bad-fragment-ref.yaml`)).toEqual([
      `${FIXTURES}/bad-fragment-ref.yaml#/paths/~1pets/get/parameters/0: $ref "./bad-fragment.yaml#/limit" points to a file that is not valid YAML or JSON: line 4, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]. Fix the syntax of ${FIXTURES}/bad-fragment.yaml. [ERR_SPEC_PARSE]`,
    ]);
  });

  it('reports an API version written as a number', async () => {
    expect(await failure(`${FIXTURES}/version-number.yaml`)).toEqual([
      `${FIXTURES}/version-number.yaml#/info/version: the API version must be a string, not the number 1. Quote it as written, e.g. version: "1.0". [ERR_SPEC_INVALID]`,
    ]);
  });
});

describe('loadSpec: documents that are not OpenAPI', () => {
  let directory: string;
  beforeAll(() => {
    directory = scratchDir('load');
  });

  it.each([
    ['list.yaml', '- a\n- b\n', '#: the file holds a list, not an OpenAPI document. An OpenAPI document is a YAML or JSON object with "openapi" (or "swagger"), "info" and "paths". [ERR_SPEC_PARSE]'],
    ['empty.yaml', '', '#: the file holds nothing, not an OpenAPI document. An OpenAPI document is a YAML or JSON object with "openapi" (or "swagger"), "info" and "paths". [ERR_SPEC_PARSE]'],
    [
      'plain.json',
      '{"info": {"title": "x", "version": "1"}}',
      '#/openapi: this is not an OpenAPI document: it has neither "openapi" nor "swagger". Add openapi: "3.1.0" (or the version it is written in) at the top. portcullis reads Swagger 2.0 (swagger: "2.0"), OpenAPI 3.0.0–3.0.4 and 3.1.0–3.1.2 (openapi: "3.1.0"). [ERR_SPEC_VERSION]',
    ],
    [
      'number.yaml',
      'openapi: 3.0\ninfo: {title: x, version: "1"}\npaths: {}\n',
      '#/openapi: the OpenAPI version must be a string, not the number 3. Quote the full version, e.g. openapi: "3.0.3". [ERR_SPEC_VERSION]',
    ],
    ['no-paths.yaml', 'openapi: 3.0.3\ninfo: {title: x, version: "1"}\n', '#: missing required property "paths". Add "paths" to this object. [ERR_SPEC_INVALID]'],
  ])('%s', async (name, text, issue) => {
    const file = path.join(directory, name);
    await writeFile(file, text);
    expect(await failure(file)).toEqual([`${file}${issue}`]);
  });
});

describe('loadSpec: remote documents', () => {
  const files: Record<string, string> = {
    '/spec.yaml': [
      'openapi: 3.0.3',
      'info: {title: Remote, version: "1.0"}',
      'servers: [{url: /v1}]',
      'paths:',
      '  /pets:',
      '    get:',
      '      parameters:',
      '        - $ref: "./parameters.yaml#/limit"',
      '      responses:',
      '        "200": {description: ok}',
    ].join('\n'),
    '/parameters.yaml': 'limit: {name: limit, in: query, schema: {type: integer}}\n',
  };
  let server: Server;
  let base: string;
  let directory: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const body = files[request.url ?? ''];
      response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/yaml' }).end(body ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    directory = scratchDir('remote');
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('does not follow refs from a fetched spec without --allow-remote-refs', async () => {
    expect(await failure(`${base}/spec.yaml`)).toEqual([
      `${base}/spec.yaml#/paths/~1pets/get/parameters/0: $ref "./parameters.yaml#/limit" points to a remote document (${base}/parameters.yaml), which is not followed by default. Pass --allow-remote-refs to follow remote $refs, or save that document next to the spec and point the $ref at the local copy. [ERR_SPEC_REMOTE_REF]`,
    ]);
  });

  it('fetches a spec and follows its remote refs with --allow-remote-refs', async () => {
    const spec = await loaded(`${base}/spec.yaml`, true);
    expect(spec.file).toBe(`${base}/spec.yaml`);
    const pets = (spec.document.paths as Record<string, { get: { parameters: unknown[] } }>)['/pets']!;
    expect(pets.get.parameters[0]).toEqual({ name: 'limit', in: 'query', schema: { type: 'integer' } });
    // Servers stay as written (swagger-parser would make them absolute, without the port).
    expect(spec.document.servers).toEqual([{ url: '/v1' }]);
  });

  it('follows a remote ref from a local spec with --allow-remote-refs', async () => {
    const file = path.join(directory, 'local.yaml');
    await writeFile(file, files['/spec.yaml']!.replace('./parameters.yaml', `${base}/parameters.yaml`));
    expect(await failure(file)).toEqual([
      `${file}#/paths/~1pets/get/parameters/0: $ref "${base}/parameters.yaml#/limit" points to a remote document (${base}/parameters.yaml), which is not followed by default. Pass --allow-remote-refs to follow remote $refs, or save that document next to the spec and point the $ref at the local copy. [ERR_SPEC_REMOTE_REF]`,
    ]);
    const spec = await loaded(file, true);
    expect(refs(spec.document)).toEqual([]);
  });

  it('reports an HTTP error', async () => {
    expect(await failure(`${base}/missing.yaml`)).toEqual([
      `${base}/missing.yaml#: the server answered 404 Not Found. Check the URL, or download the spec and pass the local file. [ERR_SPEC_READ]`,
    ]);
  });
});
