/**
 * #13: tool search over the generated index — retrieval on a small fixed set, `visible` filtering, and the refusal of
 * an index that is malformed or built for other tools (by createToolSearch and, at start, by main()).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EMPTY_CONFIG } from '../../src/config/types.js';
import { generateFiles } from '../../src/generate.js';
import type { ServerDefinition } from '../../templates/runtime/definition.js';
import { buildSearchIndex } from '../../templates/runtime/search-index.js';
import { words } from '../../templates/runtime/search-terms.js';
import { createToolSearch, type SearchIndexData, type ToolSearch } from '../../templates/runtime/tool-search.js';
import { scratchDir } from '../support/scratch.js';
import { searchDefinition } from './fixtures/search-tools.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = new URL('../../templates/runtime/main.ts', import.meta.url).href;
const everything = () => true;

/** The names of the top `limit` tools for `query`. */
const top = (search: ToolSearch, query: string, limit = 5) => search.search(query, limit, everything).map((hit) => hit.tool.name);

async function generatedSearch(spec: string): Promise<ToolSearch> {
  const result = await generateFiles({ spec: join(ROOT, 'specs', spec), config: EMPTY_CONFIG });
  const file = (path: string) => JSON.parse(result.files.find((candidate) => candidate.path === path)!.contents) as unknown;
  return createToolSearch(file('tools.json') as ServerDefinition, file('search-index.json'));
}

describe('#13 retrieval on a fixed set', () => {
  const definition = searchDefinition();
  const search = createToolSearch(definition, buildSearchIndex(definition));

  it.each([
    ['create a new issue in a repository', 'issues_create'],
    ['add a comment to an issue', 'issues_create-comment'],
    ['put labels on an issue', 'issues_add-labels'],
    ['open a pull request', 'pulls_create'],
    ['merge a pull request', 'pulls_merge'],
    ['list the branches of a repository', 'repos_list-branches'],
    ['delete a repository', 'repos_delete'],
    ['refund a charge', 'PostRefunds'],
    ['list all customers', 'GetCustomers'],
    ['remove a customer', 'DeleteCustomersCustomer'],
    ['pay out money to my bank account', 'PostPayouts'],
  ])('#13 "%s" ranks %s first', (query, expected) => {
    expect(top(search, query)[0]).toBe(expected);
  });

  it('#13 petstore and helpdesk: the tool that does the task in the top 1 or top 5', async () => {
    const petstore = await generatedSearch('petstore.yaml');
    expect(top(petstore, 'find pets by their status')[0]).toBe('findPetsByStatus');
    expect(top(petstore, 'add a new pet to the store')[0]).toBe('addPet');
    expect(top(petstore, 'place an order for a pet')).toContain('placeOrder');
    expect(top(petstore, 'log a user in')).toContain('loginUser');
    const helpdesk = await generatedSearch('helpdesk.yaml');
    expect(top(helpdesk, 'escalate a ticket')[0]).toBe('escalateTicket');
    expect(top(helpdesk, 'open a new support ticket')[0]).toBe('createTicket');
    expect(top(helpdesk, 'remove a ticket')[0]).toBe('deleteTicket');
  });

  it('#13 the exact name of a tool comes first, whatever its words score', () => {
    expect(top(search, 'issues_get')[0]).toBe('issues_get');
    expect(top(search, 'getcustomers')[0]).toBe('GetCustomers');
  });

  it('#13 ties keep definition order; scores are best first; no match, no hit; limit 0, no hit', () => {
    const hits = search.search('issue', 10, everything);
    expect(hits.length).toBeGreaterThan(2);
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
    expect(search.search('zzzz qqqq', 5, everything)).toEqual([]);
    expect(search.search('', 5, everything)).toEqual([]);
    expect(search.search('issue', 0, everything)).toEqual([]);
    const twins: ServerDefinition = { ...definition, tools: [{ ...definition.tools[0]!, name: 'b_twin' }, { ...definition.tools[0]!, name: 'a_twin' }] };
    expect(top(createToolSearch(twins, buildSearchIndex(twins)), 'repository issues')).toEqual(['b_twin', 'a_twin']);
  });
});

describe('#13 visible', () => {
  const definition = searchDefinition();
  const search = createToolSearch(definition, buildSearchIndex(definition));

  it('#13 never returns a tool that visible filters out, and still returns limit others', () => {
    const unfiltered = top(search, 'issue repository', 3);
    const hidden = new Set(unfiltered.slice(0, 2));
    const seen: string[] = [];
    const hits = search.search('issue repository', 3, (tool) => {
      seen.push(tool.name);
      return !hidden.has(tool.name);
    });
    expect(hits).toHaveLength(3);
    expect(hits.map((hit) => hit.tool.name).filter((name) => hidden.has(name))).toEqual([]);
    expect(hits[0]!.tool.name).toBe(unfiltered[2]);
    // Asked lazily, best first, and only until the page is full.
    expect(seen.slice(0, 3)).toEqual(unfiltered);
    expect(top(search, 'issues_get', 1)).toEqual(['issues_get']);
    expect(search.search('issues_get', 5, (tool) => tool.name !== 'issues_get').map((hit) => hit.tool.name)).not.toContain('issues_get');
  });
});

describe('#13 an index that does not fit refuses', () => {
  const definition = searchDefinition();
  const index = buildSearchIndex(definition);
  const refusal = (bad: unknown) => {
    try {
      createToolSearch(definition, bad);
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };
  const regenerate = '; regenerate the project (portcullis generate) so that it matches tools.json';

  it('#13 malformed: not an object, another format, missing or out-of-range parts', () => {
    expect(refusal(null)).toBe(`search-index.json is not a JSON object${regenerate}`);
    expect(refusal([])).toBe(`search-index.json is not a JSON object${regenerate}`);
    expect(refusal({ ...index, format: 'x/9' })).toBe(`search-index.json has format "x/9", this server reads portcullis-tool-search/1${regenerate}`);
    expect(refusal({ ...index, lengths: index.lengths.slice(1) })).toBe(`search-index.json needs ${index.lengths.length} lengths (tools × fields)${regenerate}`);
    expect(refusal({ ...index, averageLengths: ['1'] })).toBe(`search-index.json needs 8 averageLengths${regenerate}`);
    expect(refusal({ ...index, postings: index.postings.slice(1) })).toBe(`search-index.json needs one postings list per term${regenerate}`);
    const term = index.terms[0]!;
    const withPostings = (first: readonly number[]): SearchIndexData => ({ ...index, postings: [first, ...index.postings.slice(1)] });
    expect(refusal(withPostings([]))).toBe(`search-index.json has no postings for the term "${term}"${regenerate}`);
    expect(refusal(withPostings([1.5]))).toBe(`search-index.json has a malformed posting for the term "${term}"${regenerate}`);
    expect(refusal(withPostings([definition.tools.length * 256 + 1]))).toBe(`search-index.json has a posting out of range for the term "${term}"${regenerate}`);
    expect(refusal(withPostings([0 * 256 + 7 * 32 + 0]))).toBe(`search-index.json has a posting out of range for the term "${term}"${regenerate}`);
  });

  it('#13 built for another tools.json: a tool count or digest mismatch', () => {
    const fewer = { ...definition, tools: definition.tools.slice(1) };
    expect(refusal(buildSearchIndex(fewer))).toBe(`search-index.json describes ${definition.tools.length - 1} tools but tools.json has ${definition.tools.length}${regenerate}`);
    const renamed = { ...definition, tools: definition.tools.map((tool, i) => (i === 3 ? { ...tool, name: 'renamed' } : tool)) };
    expect(refusal(buildSearchIndex(renamed))).toBe(`search-index.json was built for other tools than those of tools.json (digest mismatch)${regenerate}`);
    expect(refusal(index)).toBe('accepted');
  });
});

describe('#13 the server at start', () => {
  /** Runs main() --print-config on the fixture with `index` as search-index.json (absent when undefined). */
  async function start(index: string | undefined): Promise<{ code: number | null; stderr: string; dir: string }> {
    const dir = scratchDir('search');
    writeFileSync(join(dir, 'tools.json'), JSON.stringify(searchDefinition()));
    if (index !== undefined) writeFileSync(join(dir, 'search-index.json'), index);
    const entry = join(dir, 'entry.mts');
    writeFileSync(entry, `import { main } from ${JSON.stringify(MAIN)};\nawait main(new URL(${JSON.stringify(pathToFileURL(join(dir, 'tools.json')).href)}));\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', entry, '--stdio', '--print-config'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', UPSTREAM_BASE_URL: 'http://127.0.0.1:9' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, stderr, dir };
  }

  it('#13 a malformed or mismatched search-index.json stops the start, naming the file, exit code 1', async () => {
    const broken = await start('{"format":');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(new RegExp(`^error: cannot load ${join(broken.dir, 'search-index.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*JSON.*; regenerate the project \\(portcullis generate\\)\\n$`));
    const definition = searchDefinition();
    const stale = await start(JSON.stringify(buildSearchIndex({ ...definition, tools: definition.tools.slice(2) })));
    expect(stale.code).toBe(1);
    expect(stale.stderr).toBe(`error: cannot load ${join(stale.dir, 'search-index.json')}: search-index.json describes ${definition.tools.length - 2} tools but tools.json has ${definition.tools.length}; regenerate the project (portcullis generate) so that it matches tools.json\n`);
  });

  it('#13 a matching index starts; a project without one starts too (the index is built from tools.json when first needed)', async () => {
    const definition = searchDefinition();
    const fine = await start(JSON.stringify(buildSearchIndex(definition)));
    expect([fine.code, fine.stderr]).toEqual([0, '']);
    const missing = await start(undefined);
    expect([missing.code, missing.stderr]).toEqual([0, '']);
  });
});

describe('search words, ASCII fast path', () => {
  /** The one word pattern for any text (search-terms.ts WORD), applied directly. */
  const reference = (text: string) =>
    [...text.matchAll(/\p{Lu}{2,}s(?!\p{Ll})|\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?[\p{Ll}\p{M}\p{N}]+|\p{Lu}+\p{N}*|\p{N}+|[\p{Lo}\p{Lt}\p{Lm}\p{M}]+/gu)]
      .map((match) => match[0].toLowerCase())
      .filter((word) => word.length <= 40);

  it('#15 splits ASCII text exactly as the Unicode pattern does', () => {
    const texts = ['getPetById', 'HTTPServer IDs URLs OAuth2 v2 x86_64', 'repos/get-content', 'ABCs of APIs', 'a1B2c3 D4e ZZtop 123abc', `${'k'.repeat(45)} short`, 'snake_case-and.dots 2024-01-01T00:00Z'];
    for (const text of texts) expect(words(text)).toEqual(reference(text));
  });
});
