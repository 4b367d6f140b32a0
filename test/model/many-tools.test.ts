/** #13 The generation warns when a spec yields more tools than clients handle in one list (WARN_MANY_TOOLS). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { formatIssue } from '../../src/errors.js';
import { generateFiles } from '../../src/generate.js';

/** An OpenAPI 3.0 spec with `count` read operations, each needing the `read` scope. */
function specWith(count: number): unknown {
  const paths = Object.fromEntries(
    Array.from({ length: count }, (_, index) => [`/things${index}`, { get: { operationId: `getThings${index}`, summary: `Get things ${index}`, responses: { '200': { description: 'ok' } } } }]),
  );
  return {
    openapi: '3.0.3',
    info: { title: 'Many', version: '1.0.0' },
    servers: [{ url: 'https://api.example.com' }],
    components: { securitySchemes: { oauth: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://auth.example.com/token', scopes: { read: 'Read' } } } } } },
    security: [{ oauth: ['read'] }],
    paths,
  };
}

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'portcullis-many-tools-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function warningsFor(count: number): Promise<string[]> {
  const spec = join(folder, `spec-${count}.json`);
  await writeFile(spec, JSON.stringify(specWith(count)));
  const { warnings } = await generateFiles({ spec, config: parseConfig({}, 'portcullis.config.yaml') });
  return warnings.map(formatIssue).map((line) => line.replace(spec, 'spec.json'));
}

describe('#13 WARN_MANY_TOOLS', () => {
  it('#13 warns once, at #/paths, when a spec yields more than 128 tools, naming the count and the ways out', async () => {
    expect(await warningsFor(129)).toEqual([
      'warning: spec.json#/paths: the spec yields 129 tools, more than the 128 MCP clients commonly accept in one list: with TOOL_MODE=direct every caller is shown them all. Keep TOOL_MODE=auto (the default: a caller who may use more than TOOL_MODE_THRESHOLD tools gets the search_tools, describe_tool and call_tool meta-tools) or set TOOL_MODE=discovery, or narrow the operations with include/exclude in the config. [WARN_MANY_TOOLS]',
    ]);
  });

  it('#13 says nothing at 128 tools', async () => {
    expect(await warningsFor(128)).toEqual([]);
  });
});
