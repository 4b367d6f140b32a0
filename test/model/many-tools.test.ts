/**
 * #13 The generation warns when the config makes direct mode the default (toolMode: direct) and the spec yields more
 * tools than clients handle in one list (WARN_MANY_TOOLS); with auto (the default) or discovery it has no reason to.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { formatIssue } from '../../src/errors.js';
import { generateFiles } from '../../src/generate.js';
import { scratchDir } from '../support/scratch.js';

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

beforeAll(() => {
  folder = scratchDir('many-tools');
});

async function warningsFor(count: number, config: Record<string, unknown> = {}): Promise<string[]> {
  const spec = join(folder, `spec-${count}.json`);
  await writeFile(spec, JSON.stringify(specWith(count)));
  const { warnings } = await generateFiles({ spec, config: parseConfig(config, 'portcullis.config.yaml') });
  return warnings.map(formatIssue).map((line) => line.replace(spec, 'spec.json'));
}

describe('#13 WARN_MANY_TOOLS', () => {
  it('#13 warns once, at the config\'s toolMode, when toolMode: direct lists more than 128 tools, naming the count, the cap and the ways out', async () => {
    expect(await warningsFor(129, { toolMode: 'direct' })).toEqual([
      'warning: portcullis.config.yaml#/toolMode: toolMode: direct lists all 129 tools of the spec to every caller who may use them, but MCP clients commonly cap tools at 40 to 128 (and a model chooses worse long before). Set toolMode: auto (the default: a caller who may use more than TOOL_MODE_THRESHOLD tools gets the search_tools, describe_tool and call_tool meta-tools) or toolMode: discovery, or narrow the operations with include/exclude. [WARN_MANY_TOOLS]',
    ]);
  });

  it('#13 says nothing at 128 tools in direct mode', async () => {
    expect(await warningsFor(128, { toolMode: 'direct' })).toEqual([]);
  });

  it('#13 says nothing for a large API served with auto (the default) or discovery, so --strict accepts it', async () => {
    expect(await warningsFor(300)).toEqual([]);
    expect(await warningsFor(300, { toolMode: 'auto' })).toEqual([]);
    expect(await warningsFor(300, { toolMode: 'discovery' })).toEqual([]);
  });

  it('#13 counts the tools include/exclude leave, so narrowing the API silences it', async () => {
    expect(await warningsFor(200, { toolMode: 'direct', exclude: { paths: Array.from({ length: 80 }, (_, index) => `/things${index}`) } })).toEqual([]);
  });

  it('#13 writes the config\'s toolMode to tools.json, and nothing when the config has none', async () => {
    const spec = join(folder, 'spec-3.json');
    await writeFile(spec, JSON.stringify(specWith(3)));
    const toolsJson = async (config: Record<string, unknown>) =>
      JSON.parse((await generateFiles({ spec, config: parseConfig(config, 'portcullis.config.yaml') })).files.find((file) => file.path === 'tools.json')!.contents) as Record<string, unknown>;
    expect((await toolsJson({ toolMode: 'discovery' })).toolMode).toBe('discovery');
    expect((await toolsJson({ toolMode: 'direct' })).toolMode).toBe('direct');
    expect('toolMode' in (await toolsJson({}))).toBe(false);
  });
});
