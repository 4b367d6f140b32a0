/**
 * #9 at the command line: spec violations no tool is affected by are warnings (errors with --strict), request-side
 * ones stay errors, and every warning can be seen (--verbose) or written down (--report).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { cli } from '../support/cli.js';
import { scratchDir } from '../support/scratch.js';

const RESPONSE_ONLY = 'specs/invalid/lenient-response-only.yaml';
const REQUEST_SIDE = 'specs/invalid/lenient-request-side.yaml';
const XML_EXAMPLE =
  `${RESPONSE_ONLY}#/paths/~1pets~1{petId}/get/responses/200/content/application~1json/schema/xml/example: property "example" is not allowed here. ` +
  'Remove it, or rename it to "x-example" to keep it as an extension. [WARN_SPEC_INVALID]';
const HEADER_SCHEMA = `${RESPONSE_ONLY}#/paths/~1pets~1{petId}/get/responses/200/headers/X-Rate-Limit/schema: must be an object, not the number 42. Change it to an object. [WARN_SPEC_INVALID]`;
const SHARED_SCHEMA = `${REQUEST_SIDE}#/components/schemas/Pet/properties/name/type: "strng" is not an allowed value for "type". Use one of "array", "boolean", "integer", "number", "object", "string". [ERR_SPEC_INVALID]`;

function tempDir(): string {
  return scratchDir('i9');
}

/** Runs the CLI from the repository root, so that issue lines name specs/invalid/... as in the tests of load. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    return await cli(...args);
  } finally {
    process.chdir(cwd);
  }
}

/** A valid spec with `count` operations whose 200 response has a number as its description (one warning each). */
function manyResponseViolations(count: number): string {
  const paths = Array.from({ length: count }, (_, n) => [
    `  /items${n}:`,
    '    get:',
    `      operationId: getItems${n}`,
    '      security: [{ key: [] }]',
    '      responses:',
    `        '200': { description: ${200 + n} }`,
  ]).flat();
  return [
    'openapi: 3.0.3',
    'info: { title: Many Warnings, version: 1.0.0 }',
    'servers: [{ url: "https://api.example.com" }]',
    'paths:',
    ...paths,
    'components:',
    '  securitySchemes:',
    '    key: { type: apiKey, in: header, name: X-Key }',
    '',
  ].join('\n');
}

describe('#9 violations no tool is affected by', () => {
  it('#9 an example inside a response schema\'s xml object (and a bad response header schema) is a warning; generation succeeds', async () => {
    const out = join(tempDir(), 'out');
    const { code, stderr } = await run('generate', RESPONSE_ONLY, '--out', out, '--quiet');
    expect(code).toBe(0);
    const lines = stderr.split('\n');
    expect(lines).toContain(`warning: ${XML_EXAMPLE}`);
    expect(lines).toContain(`warning: ${HEADER_SCHEMA}`);
    expect(stderr).not.toMatch(/^(?!warning: ).*\[ERR_/m);
    expect(await readFile(join(out, 'tools.json'), 'utf8')).toContain('"getPet"');
  });

  it('#9 --strict makes them errors: exit 1, nothing written', async () => {
    const out = join(tempDir(), 'out');
    const { code, stderr } = await run('generate', RESPONSE_ONLY, '--out', out, '--strict');
    expect(code).toBe(1);
    expect(stderr.split('\n')).toContain(XML_EXAMPLE);
    expect(stderr).toContain('error: 8 problems found; nothing was written');
    expect(existsSync(out)).toBe(false);
  });

  it('#9 a request-side violation stays an error', async () => {
    const out = join(tempDir(), 'out');
    const { code, stderr } = await run('generate', REQUEST_SIDE, '--out', out);
    expect(code).toBe(1);
    expect(stderr.split('\n')).toContain(
      `${REQUEST_SIDE}#/paths/~1pets/post/parameters/0/schema/type: "integr" is not an allowed value for "type". Use one of "array", "boolean", "integer", "number", "object", "string". [ERR_SPEC_INVALID]`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('#9 a component schema used by a response and by a request body stays an error; one only responses use is a warning', async () => {
    const { code, stderr } = await run('check', REQUEST_SIDE, '--out', join(tempDir(), 'out'));
    expect(code).toBe(1);
    const lines = stderr.split('\n');
    expect(lines).toContain(SHARED_SCHEMA);
    expect(lines).toContain(
      `warning: ${REQUEST_SIDE}#/components/schemas/Problem/properties/detail/type: "strng" is not an allowed value for "type". Use one of "array", "boolean", "integer", "number", "object", "string". [WARN_SPEC_INVALID]`,
    );
  });
});

describe('#9 every warning visible', () => {
  it('#9 by default ten warnings of a code, then a count naming --verbose and --report', async () => {
    const dir = tempDir();
    await writeFile(join(dir, 'many.yaml'), manyResponseViolations(25));
    const { code, stderr } = await cli('generate', join(dir, 'many.yaml'), '--out', join(dir, 'out'), '--quiet');
    expect(code).toBe(0);
    expect(stderr.match(/^warning: .*\[WARN_SPEC_INVALID\]$/gm)).toHaveLength(10);
    expect(stderr).toContain(
      'warning: ... and 15 more [WARN_SPEC_INVALID] (--verbose prints them all, --report <file> writes every issue; --strict fails on all of them)',
    );
  });

  it('#9 --verbose prints all 25 warnings of one code', async () => {
    const dir = tempDir();
    await writeFile(join(dir, 'many.yaml'), manyResponseViolations(25));
    const { code, stderr } = await cli('generate', join(dir, 'many.yaml'), '--out', join(dir, 'out'), '--quiet', '--verbose');
    expect(code).toBe(0);
    const lines = stderr.split('\n').filter((line) => line.endsWith('[WARN_SPEC_INVALID]'));
    expect(lines).toEqual(
      Array.from(
        { length: 25 },
        (_, n) => `warning: ${join(dir, 'many.yaml')}#/paths/~1items${n}/get/responses/200/description: must be a string, not the number ${200 + n}. Change it to a string. [WARN_SPEC_INVALID]`,
      ),
    );
    expect(stderr).not.toContain('more [WARN_SPEC_INVALID]');
  });

  it('#9 --report writes every warning, one JSON object a line', async () => {
    const dir = tempDir();
    const spec = join(dir, 'many.yaml');
    await writeFile(spec, manyResponseViolations(25));
    const report = join(dir, 'report.jsonl');
    const { code } = await cli('generate', spec, '--out', join(dir, 'out'), '--quiet', '--report', report);
    expect(code).toBe(0);
    const entries = (await readFile(report, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toHaveLength(25);
    expect(entries[24]).toEqual({
      code: 'WARN_SPEC_INVALID',
      severity: 'warning',
      file: spec,
      pointer: '#/paths/~1items24/get/responses/200/description',
      message: 'must be a string, not the number 224',
      hint: 'Change it to a string.',
    });
  });

  it('#9 --report writes errors and warnings when generation fails', async () => {
    const report = join(tempDir(), 'report.jsonl');
    const { code } = await run('check', REQUEST_SIDE, '--out', join(tempDir(), 'out'), '--report', report);
    expect(code).toBe(1);
    const entries = (await readFile(report, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { code: string; severity: string; pointer: string });
    expect(entries.map((e) => `${e.severity} ${e.pointer}`)).toEqual([
      'error #/paths/~1pets/post/parameters/0/schema/type',
      'error #/components/schemas/Example/properties/externalDocs/type',
      'error #/components/schemas/Pet/properties/name/type',
      'warning #/components/schemas/Pet/properties/xml/xml/example',
      'warning #/components/schemas/Problem/properties/detail/type',
    ]);
  });

  it('#9 a report file that cannot be written: exit 1, nothing written', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const { code, stderr } = await run('generate', RESPONSE_ONLY, '--out', out, '--quiet', '--report', join(dir, 'missing', 'report.jsonl'));
    expect(code).toBe(1);
    expect(stderr).toContain(`error: cannot write the report file ${join(dir, 'missing', 'report.jsonl')} (ENOENT); check that its folder exists and is writable`);
    expect(existsSync(out)).toBe(false);
  });
});
