/**
 * #13: the tool search index the generator ships as search-index.json, and the tokenizer it shares with the server.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMPTY_CONFIG } from '../../src/config/types.js';
import { generateFiles } from '../../src/generate.js';
import { actionOf, resourceOf } from '../../templates/runtime/search-index.js';
import { searchTerms, stem, words } from '../../templates/runtime/search-terms.js';
import { SEARCH_FIELDS, SEARCH_INDEX_FORMAT, toolsDigest, type SearchIndexData } from '../../templates/runtime/tool-search.js';
import type { ServerDefinition } from '../../templates/runtime/definition.js';
import { ROOT } from '../../scripts/examples.js';

async function generated(spec: string): Promise<{ tools: ServerDefinition; indexText: string }> {
  const result = await generateFiles({ spec: join(ROOT, 'specs', spec), config: EMPTY_CONFIG });
  const file = (path: string) => result.files.find((candidate) => candidate.path === path)!.contents;
  return { tools: JSON.parse(file('tools.json')) as ServerDefinition, indexText: file('search-index.json') };
}

describe('#13 search terms', () => {
  it('#13 splits names at case changes and separators', () => {
    expect(words('getPetById')).toEqual(['get', 'pet', 'by', 'id']);
    expect(words('repos/get-content')).toEqual(['repos', 'get', 'content']);
    expect(words('HTTPServer payment_methods')).toEqual(['http', 'server', 'payment', 'methods']);
    expect(words('v2beta OAuth2 IDs')).toEqual(['v2beta', 'o', 'auth2', 'ids']);
    expect(words('Zürich 日本語')).toEqual(['zürich', '日本語']);
  });

  it('#13 drops markup, link targets and URLs', () => {
    expect(words('<p>Returns a <a href="/docs/x">list</a> of [charges](https://stripe.com/docs/api). See https://example.com/a?b=c &amp; more</p>')).toEqual([
      'returns', 'a', 'list', 'of', 'charges', 'see', 'more',
    ]);
  });

  it('#13 stems plurals, -ing and -ed, and leaves short and listed words alone', () => {
    expect(['issues', 'policies', 'branches', 'starred', 'listing', 'created', 'status', 'access', 'bus', 'pet', 'v1s'].map(stem)).toEqual([
      'issue', 'policy', 'branch', 'star', 'list', 'creat', 'status', 'access', 'bus', 'pet', 'v1s',
    ]);
  });

  it('#13 drops stop words and maps synonyms and long forms to one term', () => {
    expect(searchTerms('Fetch all of the repositories in my organization')).toEqual(['get', 'repo', 'org']);
    expect(searchTerms('remove a webhook; add a label; modify the settings')).toEqual(['delete', 'webhook', 'create', 'label', 'update', 'setting']);
    // list and get stay apart: APIs use them for different tools.
    expect(searchTerms('list get')).toEqual(['list', 'get']);
  });

  it('#13 names the action of a method on a path, and the resource it acts on', () => {
    const of = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string) => actionOf({ method, path });
    expect([of('GET', '/pets'), of('GET', '/pets/{id}'), of('POST', '/pets'), of('POST', '/pets/{id}'), of('PUT', '/pets/{id}'), of('PATCH', '/x'), of('DELETE', '/pets/{id}')]).toEqual([
      'list', 'get', 'create', 'update', 'update', 'update', 'delete',
    ]);
    expect(of('POST', '/v1/invoices/{invoice}/pay')).toBe('');
    expect(resourceOf('/repos/{owner}/{repo}/issues/{issue_number}')).toBe('issues');
    expect(resourceOf('/{id}')).toBe('');
  });
});

describe('#13 search-index.json', () => {
  it('#13 is byte-identical across two generations', async () => {
    for (const spec of ['petstore.yaml', 'helpdesk.yaml']) {
      const [first, second] = [await generated(spec), await generated(spec)];
      expect(first.indexText).toBe(second.indexText);
    }
  });

  it('#13 describes the tools of tools.json: count, digest, sorted terms, one length per tool and field', async () => {
    const { tools, indexText } = await generated('petstore.yaml');
    const index = JSON.parse(indexText) as SearchIndexData;
    expect(index.format).toBe(SEARCH_INDEX_FORMAT);
    expect(index.tools).toBe(tools.tools.length);
    expect(index.digest).toBe(toolsDigest(tools.tools));
    expect(index.fields).toEqual([...SEARCH_FIELDS]);
    expect(index.lengths).toHaveLength(tools.tools.length * SEARCH_FIELDS.length);
    expect([...index.terms].sort()).toEqual(index.terms);
    expect(new Set(index.terms).size).toBe(index.terms.length);
    expect(index.postings).toHaveLength(index.terms.length);
    // Terms from the spec's tags and operationIds, which tools.json does not carry.
    expect(index.terms).toEqual(expect.arrayContaining(['pet', 'store', 'user', 'add', 'tag'].map((word) => searchTerms(word)[0])));
  });

  it('#13 records each term of each field of a tool, with its frequency', async () => {
    const { tools, indexText } = await generated('helpdesk.yaml');
    const index = JSON.parse(indexText) as SearchIndexData;
    const escalate = tools.tools.findIndex((tool) => tool.name === 'escalateTicket');
    const postingsOf = (term: string) => {
      let packed = 0;
      return index.postings[index.terms.indexOf(term)]!.map((delta) => (packed += delta)).map((value) => ({
        tool: Math.floor(value / 256),
        field: SEARCH_FIELDS[Math.floor((value % 256) / 32)],
        frequency: value % 32,
      }));
    };
    const ofTool = (term: string) => postingsOf(term).filter((posting) => posting.tool === escalate).map(({ field }) => field);
    expect(ofTool('escalate')).toEqual(expect.arrayContaining(['name', 'summary']));
    expect(ofTool('ticket')).toEqual(expect.arrayContaining(['name', 'summary', 'path']));
  });
});
