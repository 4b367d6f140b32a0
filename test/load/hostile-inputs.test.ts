/**
 * #16: hostile specs. `$ref`s that would copy local files from outside the spec's folder into the output (in any
 * spelling, from any document, in any place a `$ref` can sit), and inputs that used to crash with a stack instead
 * of a located error (deep nesting, YAML alias expansion, huge files).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { formatIssue, SpecError } from '../../src/errors.js';
import { EMPTY_CONFIG } from '../../src/config/types.js';
import { generateFiles } from '../../src/generate.js';
import { MAX_DEPTH } from '../../src/load/limits.js';
import { loadSpec, type LoadOptions } from '../../src/load/load-spec.js';
import { fileResolver } from '../../src/load/ref-resolvers.js';
import { refScopeOf } from '../../src/load/ref-scope.js';
import { pointerJoin } from '../../src/shared/json-pointer.js';
import { scratchDir } from '../support/scratch.js';

const MARKER = 'PORTCULLIS-SECRET-MARKER-5e1f';

/** The formatted issues of a load that must fail. */
async function failure(location: string, options: Partial<LoadOptions> = {}): Promise<string[]> {
  const { value, issues } = await loadSpec(location, { allowRemoteRefs: false, ...options });
  if (value) throw new Error(`${location} loaded`);
  return issues.map(formatIssue);
}

/** A minimal valid 3.0 spec (YAML) with `schema` as the one schema and `extra` lines appended. */
function spec(schema: string): string {
  return [
    'openapi: 3.0.3',
    'info: {title: Hostile, version: "1"}',
    'paths:',
    '  /things:',
    '    get:',
    '      operationId: listThings',
    '      responses:',
    '        "200":',
    '          description: ok',
    '          content:',
    '            application/json:',
    `              schema: ${schema}`,
  ].join('\n');
}

describe('#16 local $refs: only files inside the folder of the spec', () => {
  let dir: string;
  let folder: string;
  let outside: string;
  const hint = (): string => `Copy the file into ${folder} and point the $ref at the copy. [ERR_SPEC_LOCAL_REF]`;
  const refused = (file: string, pointer: string, ref: string, target: string): string =>
    `${file}#${pointer}: $ref "${ref}" points to ${target}, which is outside the folder of the spec (${folder}), symbolic links followed. ${hint()}`;

  beforeAll(async () => {
    dir = scratchDir('hostile');
    folder = path.join(dir, 'spec');
    outside = path.join(dir, 'outside.yaml');
    await mkdir(path.join(folder, 'sub'), { recursive: true });
    await writeFile(outside, `type: string\ndescription: ${MARKER}\n`);
    await writeFile(path.join(folder, 'inside.yaml'), 'type: integer\n');
    await symlink(outside, path.join(folder, 'link.yaml'));
    await symlink(path.join(folder, 'inside.yaml'), path.join(folder, 'sub', 'link-inside.yaml'));
    // A referenced file inside the folder that itself points outside.
    await writeFile(path.join(folder, 'nested.yaml'), 'Thing:\n  type: object\n  properties:\n    leak: {$ref: "../outside.yaml"}\n');
  });
  /** Writes `text` as a spec in the folder and returns its path. */
  async function write(name: string, text: string): Promise<string> {
    const file = path.join(folder, name);
    await writeFile(file, text);
    return file;
  }

  /** Loads and generates `file`: both must fail, and the secret must appear in no message. */
  async function refusedLines(file: string, options: Partial<LoadOptions> = {}): Promise<string[]> {
    const lines = await failure(file, options);
    await expect(generateFiles({ spec: file, config: EMPTY_CONFIG, ...options })).rejects.toThrow(SpecError);
    expect(lines.join('\n')).not.toContain(MARKER);
    return lines;
  }

  it.each([
    ['a file: URL', () => pathToFileURL(outside).href],
    ['a relative path that climbs out', () => '../outside.yaml'],
    ['percent-encoded dot segments', () => '%2e%2e/outside.yaml'],
    ['percent-encoded dots after a subfolder', () => 'sub/%2E%2E/%2e%2E/outside.yaml'],
    ['backslashes', () => 'sub\\\\..\\\\..\\\\outside.yaml'],
    ['an absolute path', () => outside],
    ['a file: URL naming localhost', () => `file://localhost${outside}`],
  ])('#16 refuses %s, before reading it', async (_name, ref) => {
    const file = await write('root.yaml', spec(`{$ref: "${ref()}"}`));
    const shown = ref().replace(/\\\\/g, '\\');
    expect(await refusedLines(file)).toEqual([refused(file, '/paths/~1things/get/responses/200/content/application~1json/schema', shown, outside)]);
  });

  it('#16 refuses /etc/passwd and a file: URL to it', async () => {
    const file = await write('passwd.yaml', spec('{type: object, properties: {a: {$ref: "/etc/passwd"}, b: {$ref: "file:///etc/passwd"}}}'));
    const at = '/paths/~1things/get/responses/200/content/application~1json/schema/properties';
    expect(await refusedLines(file)).toEqual([refused(file, `${at}/a`, '/etc/passwd', '/etc/passwd'), refused(file, `${at}/b`, 'file:///etc/passwd', '/etc/passwd')]);
  });

  it('#16 refuses a symlink inside the folder that points outside', async () => {
    const file = await write('symlink.yaml', spec('{$ref: "link.yaml"}'));
    expect(await refusedLines(file)).toEqual([
      refused(file, '/paths/~1things/get/responses/200/content/application~1json/schema', 'link.yaml', path.join(folder, 'link.yaml')),
    ]);
  });

  it('#16 refuses a $ref to outside in a file reached through another $ref', async () => {
    const file = await write('via-nested.yaml', spec('{$ref: "nested.yaml#/Thing"}'));
    expect(await refusedLines(file)).toEqual([refused(path.join(folder, 'nested.yaml'), '/Thing/properties/leak', '../outside.yaml', outside)]);
  });

  it('#16 refuses $refs in default, example and x- values, where nothing is validated', async () => {
    const file = await write(
      'data.yaml',
      spec('{type: object, default: {$ref: "../outside.yaml"}, example: {a: {$ref: "../outside.yaml"}}, x-foo: [{$ref: "../outside.yaml"}]}'),
    );
    const at = '/paths/~1things/get/responses/200/content/application~1json/schema';
    expect(await refusedLines(file)).toEqual([
      refused(file, `${at}/default`, '../outside.yaml', outside),
      refused(file, `${at}/example/a`, '../outside.yaml', outside),
      refused(file, `${at}/x-foo/0`, '../outside.yaml', outside),
    ]);
  });

  it('#16 other schemes stay errors, and read nothing', async () => {
    const file = await write('schemes.yaml', spec('{type: object, properties: {a: {$ref: "ftp://example.com/x.yaml"}, b: {$ref: "data:text/plain,hello"}}}'));
    const at = '/paths/~1things/get/responses/200/content/application~1json/schema/properties';
    const cannot = (pointer: string, ref: string): string =>
      `${file}#${at}/${pointer}: $ref "${ref}" cannot be resolved: no way to read ${ref}. Point it at a local file or an http(s) URL. [ERR_SPEC_REF]`;
    expect(await refusedLines(file)).toEqual([cannot('a', 'ftp://example.com/x.yaml'), cannot('b', 'data:text/plain,hello')]);
  });

  it('#16 still reads files inside the folder: relative, by file: URL, and through a symlink that stays inside', async () => {
    const file = await write(
      'legit.yaml',
      spec(`{type: object, properties: {a: {$ref: "inside.yaml"}, b: {$ref: "${pathToFileURL(path.join(folder, 'inside.yaml')).href}"}, c: {$ref: "sub/link-inside.yaml"}}}`),
    );
    const loaded = await loadSpec(file, { allowRemoteRefs: false });
    expect(loaded.issues).toEqual([]);
    expect(JSON.stringify(loaded.value?.document)).toContain('"integer"');
    const { files } = await generateFiles({ spec: file, config: EMPTY_CONFIG });
    for (const emitted of files) expect(emitted.contents).not.toContain(MARKER);
  });

  it('#16 the file resolver itself refuses what the check before it would have (a second line of defence)', async () => {
    const resolver = fileResolver(refScopeOf(path.join(folder, 'root.yaml'), false, path.join(folder, 'root.yaml')), 1024 * 1024);
    for (const url of [outside, pathToFileURL(outside).href, path.join(folder, 'link.yaml'), '/etc/passwd', 'file://evil/etc/passwd']) {
      await expect(resolver.read({ url })).rejects.toMatchObject({ name: 'ResolverError', problem: { code: 'ERR_SPEC_LOCAL_REF' } });
    }
    expect((await resolver.read({ url: path.join(folder, 'inside.yaml') })).toString()).toBe('type: integer\n');
  });
});

describe('#16 local $refs from a spec fetched from a URL', () => {
  let server: Server;
  let base: string;
  let dir: string;
  let secret: string;
  const requested: string[] = [];
  const bodies: Record<string, string> = {};

  beforeAll(async () => {
    dir = scratchDir('hostile-remote');
    secret = path.join(dir, 'secret.yaml');
    await writeFile(secret, `type: string\ndescription: ${MARKER}\n`);
    server = createServer((request, response) => {
      requested.push(request.url ?? '');
      if (request.url === '/huge-declared.yaml') {
        response.writeHead(200, { 'content-length': String(2 * 1024 * 1024) }).end(`${spec('{type: string}')}\n#`.padEnd(2 * 1024 * 1024, 'x'));
        return;
      }
      if (request.url === '/huge-streamed.yaml') {
        // No Content-Length: counted as it arrives, and the connection dropped past the limit.
        response.writeHead(200, { 'content-type': 'application/yaml' });
        response.write(`${spec('{type: string}')}\n#`);
        const chunk = 'x'.repeat(64 * 1024);
        const more = (): void => void (response.write(chunk) ? setImmediate(more) : response.once('drain', more));
        response.on('close', () => response.removeAllListeners('drain'));
        more();
        return;
      }
      const body = bodies[request.url ?? ''];
      response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/yaml' }).end(body ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    bodies['/file-url.yaml'] = spec(`{$ref: "${pathToFileURL(secret).href}"}`);
    bodies['/relative.yaml'] = spec(`{$ref: "../../..${secret}"}`);
    bodies['/nested.yaml'] = spec('{$ref: "./part.yaml"}');
    bodies['/big-ref.yaml'] = spec('{$ref: "./huge-declared.yaml"}');
    bodies['/part.yaml'] = `type: object\nproperties:\n  leak: {$ref: "${pathToFileURL(secret).href}"}\n`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const hint = 'Download the spec with the files it references and pass the local copy, or reference them by http(s) URL (with --allow-remote-refs). [ERR_SPEC_LOCAL_REF]';
  const at = '#/paths/~1things/get/responses/200/content/application~1json/schema';

  it.each([false, true])('#16 refuses a file: URL (--allow-remote-refs %s)', async (allowRemoteRefs) => {
    expect(await failure(`${base}/file-url.yaml`, { allowRemoteRefs })).toEqual([
      `${base}/file-url.yaml${at}: $ref "${pathToFileURL(secret).href}" points to ${secret}, which is a local file, and a spec fetched from a URL may not reference local files. ${hint}`,
    ]);
  });

  it('#16 resolves a relative path against the URL, never against the disk', async () => {
    const ref = `../../..${secret}`;
    expect(await failure(`${base}/relative.yaml`)).toEqual([
      `${base}/relative.yaml${at}: $ref "${ref}" points to a remote document (${base}${secret}), which is not followed by default. Pass --allow-remote-refs to follow remote $refs, or save that document next to the spec and point the $ref at the local copy. [ERR_SPEC_REMOTE_REF]`,
    ]);
    const lines = await failure(`${base}/relative.yaml`, { allowRemoteRefs: true });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${base.replace(/\./g, '\\.')}/relative\\.yaml#/\\S+: \\$ref "${ref.replace(/\./g, '\\.')}" cannot be read: .*404.* \\[ERR_SPEC_REF\\]$`));
    expect(requested).toContain(secret);
    expect(lines.join('\n')).not.toContain(MARKER);
  });

  it('#16 refuses a spec larger than the limit by its Content-Length, or while it arrives, and a referenced one', async () => {
    const options = { maxSpecBytes: 1024 * 1024 };
    const hint = 'Pass --max-spec-size <MiB> to raise the limit if the file is what you expect, or split the description into smaller files. [ERR_SPEC_TOO_LARGE]';
    expect(await failure(`${base}/huge-declared.yaml`, options)).toEqual([
      `${base}/huge-declared.yaml#: the spec is 2.0 MiB (2,097,152 bytes), more than the limit of 1 MiB. ${hint}`,
    ]);
    expect(await failure(`${base}/huge-streamed.yaml`, options)).toEqual([
      `${base}/huge-streamed.yaml#: the spec is more than the limit of 1 MiB (reading stopped there). ${hint}`,
    ]);
    expect(await failure(`${base}/big-ref.yaml`, { ...options, allowRemoteRefs: true })).toEqual([
      `${base}/big-ref.yaml${at}: $ref "./huge-declared.yaml" points to a file that is 2.0 MiB (2,097,152 bytes), more than the limit of 1 MiB. ${hint}`,
    ]);
  });

  it('#16 refuses a file: URL in a document fetched through --allow-remote-refs', async () => {
    expect(await failure(`${base}/nested.yaml`, { allowRemoteRefs: true })).toEqual([
      `${base}/part.yaml#/properties/leak: $ref "${pathToFileURL(secret).href}" points to ${secret}, which is a local file, and a spec fetched from a URL may not reference local files. ${hint}`,
    ]);
    // The same from a local spec: the folder's files are the spec's, not a remote document's to take.
    const local = path.join(dir, 'local.yaml');
    await writeFile(local, spec(`{$ref: "${base}/part.yaml"}`));
    expect(await failure(local, { allowRemoteRefs: true })).toEqual([
      `${base}/part.yaml#/properties/leak: $ref "${pathToFileURL(secret).href}" points to ${secret}, which is a local file, and a document fetched from a URL may not reference local files. ${hint}`,
    ]);
  });
});

describe('#16 inputs that crashed: located errors through the real CLI, exit 1, no stack', () => {
  let dir: string;
  const depthHint = 'Flatten the structure, e.g. move nested schemas to #/components/schemas and refer to them with $ref. [ERR_SPEC_TOO_DEEP]';
  const sizeHint = 'Pass --max-spec-size <MiB> to raise the limit if the file is what you expect, or split the description into smaller files. [ERR_SPEC_TOO_LARGE]';
  const schemaAt = ['paths', '/things', 'get', 'responses', '200', 'content', 'application/json', 'schema'];

  beforeAll(() => {
    dir = scratchDir('hostile-cli');
  });

  let runs = 0;

  /** Runs `portcullis generate <file> --out <tmp> --quiet ...args`; asserts exit 1, nothing written and no stack. */
  async function run(file: string, ...args: string[]): Promise<string> {
    runs += 1;
    const out = path.join(dir, `out-${runs}`);
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(ROOT, 'bin/portcullis.cjs'), 'generate', file, '--out', out, '--quiet', ...args], { maxBuffer: 1 << 26 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });
    expect(`${result.stdout}${result.stderr}`).not.toContain('    at ');
    expect(result.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    return result.stderr;
  }

  /** The issue lines of a run (see `run`) that found problems. */
  async function cliLines(file: string, ...args: string[]): Promise<string[]> {
    const lines = (await run(file, ...args)).trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^error: \d+ problems? found; nothing was written$/);
    return lines.slice(0, -1);
  }

  /** `#/a/b` for the first `depth` segments. */
  const pointer = (segments: readonly string[], depth: number): string => pointerJoin('#', ...segments.slice(0, depth));

  it('#16 a schema nested 1,000 levels deep', async () => {
    const file = path.join(dir, 'deep-schema.json');
    let schema: unknown = { type: 'string' };
    for (let i = 0; i < 1000; i += 1) schema = { type: 'object', properties: { a: schema } };
    await writeFile(file, specJson(JSON.stringify(schema)));
    const segments = [...schemaAt, ...Array.from({ length: 1000 }, () => ['properties', 'a']).flat()];
    expect(await cliLines(file)).toEqual([
      `${file}${pointer(segments, MAX_DEPTH)}: nested more than ${MAX_DEPTH} levels deep (objects and arrays inside each other); the limit is there so no later step can overflow the stack. ${depthHint}`,
    ]);
  });

  it('#16 an x- extension nested 5,000 levels deep, in JSON and in YAML', async () => {
    const json = path.join(dir, 'deep-extension.json');
    await writeFile(json, specJson('{"type": "string"}', `"x-deep": ${'{"a": '.repeat(5000)}1${'}'.repeat(5000)}`));
    const segments = ['paths', '/things', 'get', 'x-deep', ...Array.from({ length: 5000 }, () => 'a')];
    expect(await cliLines(json)).toEqual([
      `${json}${pointer(segments, MAX_DEPTH)}: nested more than ${MAX_DEPTH} levels deep (objects and arrays inside each other); the limit is there so no later step can overflow the stack. ${depthHint}`,
    ]);
    // Deeper than the YAML parser itself can follow: its own stack overflow becomes the same located error.
    const yaml = path.join(dir, 'deep-extension.yaml');
    await writeFile(yaml, `${spec('{type: string}')}\nx-deep: ${'{a: '.repeat(5000)}1${'}'.repeat(5000)}\n`);
    const lines = await cliLines(yaml);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^${escape(yaml)}#: collections nested too deeply to parse, at line 13, column \\d+; at most ${MAX_DEPTH} levels are accepted\\. ${escape(depthHint)}$`),
    );
  });

  it('#16 a YAML alias bomb (a billion laughs)', async () => {
    const file = path.join(dir, 'bomb.yaml');
    const levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let i = 1; i < 12; i += 1) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    await writeFile(file, `${spec('{type: string}')}\nx-bomb:\n${levels.map((line) => `  ${line}`).join('\n')}\n`);
    expect(await cliLines(file)).toEqual([
      `${file}#: the document holds more than 5,000,000 values (counting each use of a YAML alias in full); the limit is there so loading cannot exhaust memory. Split the description, or replace repeated YAML aliases with $refs to one definition. [ERR_SPEC_TOO_LARGE]`,
    ]);
  });

  it('#16 a YAML alias that repeats a long string past what can be serialised', async () => {
    const file = path.join(dir, 'string-bomb.yaml');
    await writeFile(file, `${spec('{type: string}')}\nx-text: &text "${'x'.repeat(8 * 1024 * 1024)}"\nx-copies: [${Array(40).fill('*text').join(', ')}]\n`);
    expect(await cliLines(file)).toEqual([
      `${file}#: the document takes more than 256 MiB as JSON (counting each use of a YAML alias in full), more than can be processed. Replace repeated YAML aliases with $refs to one definition, or split the description. [ERR_SPEC_TOO_LARGE]`,
    ]);
  });

  it('#16 a spec larger than --max-spec-size, and a referenced file larger than it', async () => {
    const file = path.join(dir, 'large.yaml');
    const text = `${spec('{$ref: "big.yaml"}')}\n`;
    await writeFile(file, `${text}#${'x'.repeat(1.5 * 1024 * 1024 - text.length - 2)}\n`);
    expect(await cliLines(file, '--max-spec-size', '1')).toEqual([`${file}#: the spec is 1.5 MiB (1,572,864 bytes), more than the limit of 1 MiB. ${sizeHint}`]);
    await writeFile(path.join(dir, 'big.yaml'), `type: string\n#${'x'.repeat(2 * 1024 * 1024 - 14)}\n`);
    expect(await cliLines(file, '--max-spec-size', '2')).toEqual([
      `${file}#/paths/~1things/get/responses/200/content/application~1json/schema: $ref "big.yaml" points to a file that is 2.0 MiB (2,097,153 bytes), more than the limit of 2 MiB. ${sizeHint}`,
    ]);
  });

  it('#16 files that each keep to the depth limit but nest deeper together', async () => {
    const nest = (depth: number, inner: unknown): unknown => (depth === 0 ? inner : { type: 'object', properties: { a: nest(depth - 1, inner) } });
    await writeFile(path.join(dir, 'part-b.json'), JSON.stringify(nest(100, { type: 'string' })));
    await writeFile(path.join(dir, 'part-a.json'), JSON.stringify(nest(100, { $ref: 'part-b.json' })));
    const file = path.join(dir, 'chained.yaml');
    await writeFile(file, spec('{$ref: "part-a.json"}'));
    const segments = [...schemaAt, ...Array.from({ length: 200 }, () => ['properties', 'a']).flat()];
    expect(await cliLines(file)).toEqual([
      `${file}${pointer(segments, MAX_DEPTH)}: nested more than ${MAX_DEPTH} levels deep (objects and arrays inside each other); the limit is there so no later step can overflow the stack. ${depthHint}`,
    ]);
  });

  it('#16 --max-spec-size takes a whole number of MiB', async () => {
    const file = path.join(dir, 'small.yaml');
    await writeFile(file, spec('{type: string}'));
    for (const value of ['0', '1.5', 'ten', '257']) {
      expect(await run(file, '--max-spec-size', value)).toBe(
        `error: --max-spec-size ${JSON.stringify(value)} is not a whole number of MiB from 1 to 256, e.g. --max-spec-size 200\n`,
      );
    }
  });
});

/** A minimal valid 3.0 spec as JSON text with `schema` (JSON text) as the one schema and `extra` members in the operation. */
function specJson(schema: string, extra?: string): string {
  const operation = `"operationId": "listThings", ${extra ? `${extra}, ` : ''}"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ${schema}}}}}`;
  return `{"openapi": "3.0.3", "info": {"title": "Hostile", "version": "1"}, "paths": {"/things": {"get": {${operation}}}}}`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
