/**
 * Tool search: the best tools of this server for a query in words, ranked with BM25F (Robertson, Zaragoza & Taylor,
 * "Simple BM25 extension to multiple weighted fields", CIKM 2004) over the fields of each tool — its name, summary,
 * path, tags, parameter names, description and the kind of action its method and path perform.
 *
 * The index is computed by the generator and shipped as data (search-index.json, next to tools.json): terms, per-field
 * term frequencies and field lengths. Start-up only decodes it; a query touches only the postings of its own terms.
 * An index that is malformed, or built for another tools.json, refuses the start: a stale index would rank tools that
 * are not there, or miss tools that are.
 */
import { createHash } from 'node:crypto';
import type { ServerDefinition, ToolDefinition } from './definition.js';
import { searchTerms, termOf, words } from './search-terms.js';

export interface ToolSearchHit {
  readonly tool: ToolDefinition;
  readonly score: number;
}

export interface ToolSearch {
  /** The best `limit` tools for `query` among those `visible` lets through, best first (ties by definition order). */
  search(query: string, limit: number, visible: (tool: ToolDefinition) => boolean): readonly ToolSearchHit[];
}

/** The file the generator writes next to tools.json. */
export const SEARCH_INDEX_FILE = 'search-index.json';

/** Version of the index layout below; another one refuses the start (regenerate the project). */
export const SEARCH_INDEX_FORMAT = 'portcullis-tool-search/1';

/** The fields of a tool, in index order: a posting's field number is an index into this list. */
export const SEARCH_FIELDS = ['name', 'summary', 'path', 'tags', 'parameters', 'description', 'action', 'resource'] as const;

/**
 * The content of search-index.json. A posting packs document, field and term frequency in one integer,
 * `tool * 256 + field * 32 + min(tf, 31)`; each term's postings are sorted and stored as differences from the previous
 * one (the first from 0), which keeps the numbers, and so the file, small.
 */
export interface SearchIndexData {
  readonly format: typeof SEARCH_INDEX_FORMAT;
  /** Number of tools in tools.json. */
  readonly tools: number;
  /** toolsDigest() of tools.json's tools. */
  readonly digest: string;
  readonly fields: readonly string[];
  /** Average length (in terms) of each field over all tools. */
  readonly averageLengths: readonly number[];
  /** Length of every field of every tool: tool-major, `tools × fields` numbers. */
  readonly lengths: readonly number[];
  /** Every term, sorted. */
  readonly terms: readonly string[];
  /** For each term (same order), its delta-encoded postings. */
  readonly postings: readonly (readonly number[])[];
}

/** Packing of a posting (see SearchIndexData). */
export const POSTING_TOOL = 256;
export const POSTING_FIELD = 32;
export const MAX_TERM_FREQUENCY = POSTING_FIELD - 1;

/**
 * BM25F field weights (same order as SEARCH_FIELDS): a word in a tool's name or summary says more about what it does
 * than one in its description.
 */
const FIELD_WEIGHTS: readonly number[] = [3, 2.5, 1.5, 1.5, 0.5, 0.5, 3, 3];
/** BM25F length normalization per field (0: none). Names and summaries are short by nature: little normalization. */
const FIELD_B: readonly number[] = [1, 1, 0.75, 0.3, 0.5, 0.75, 0, 0];
/** BM25 saturation: how fast repeats of a term stop adding to a score. */
const K1 = 1.2;

/**
 * Fingerprint of the tools an index was built for: their names, methods, paths, titles and descriptions, in order.
 * A tools.json edited or regenerated without its index no longer matches.
 */
export function toolsDigest(tools: readonly ToolDefinition[]): string {
  const hash = createHash('sha256');
  for (const tool of tools) hash.update(JSON.stringify([tool.name, tool.method, tool.path, tool.title ?? '', tool.description])).update('\n');
  return hash.digest('hex');
}

/** Builds the search over `definition`'s tools from the generated index data (search-index.json). */
export function createToolSearch(definition: ServerDefinition, index: unknown): ToolSearch {
  const tools = definition.tools;
  const decoded = decodeIndex(index, tools);
  const byName = new Map(tools.map((tool, position) => [tool.name.toLowerCase(), position]));
  const scores = new Float64Array(tools.length);
  return {
    search(query, limit, visible) {
      const wanted = Math.max(0, Math.floor(limit));
      if (wanted === 0) return [];
      scores.fill(0);
      const touched = scoreQuery(decoded, query, scores);
      touched.sort((a, b) => scores[b]! - scores[a]! || a - b);
      // The exact name of a tool (as a host that already knows it would send) comes first.
      const exact = byName.get(query.trim().toLowerCase());
      if (exact !== undefined) {
        const at = touched.indexOf(exact);
        if (at >= 0) touched.splice(at, 1);
        touched.unshift(exact);
      }
      const hits: ToolSearchHit[] = [];
      for (const position of touched) {
        const tool = tools[position]!;
        if (!visible(tool)) continue;
        hits.push({ tool, score: Math.round(scores[position]! * 1000) / 1000 });
        if (hits.length === wanted) break;
      }
      return hits;
    },
  };
}

interface DecodedIndex {
  readonly termIds: ReadonlyMap<string, number>;
  /** Per term: its postings, packed but no longer delta-encoded. */
  readonly postings: readonly Int32Array[];
  /** Per term: inverse document frequency. */
  readonly idf: Float64Array;
  /** Per tool and field: the length-normalization divisor of BM25F, `1 - b + b * length / average`. */
  readonly norms: Float64Array;
  readonly fieldCount: number;
}

/**
 * Adds every tool's score for `query` to `scores`; returns the tools that scored, in no particular order. The score is
 * BM25F over the query's terms — and the terms two adjacent words make together (`pay out` → payout, `web hook` →
 * webhook) — times the square root of the share of the query's weight (sum of idf) the tool matched, so a tool that
 * matches every word of the query beats one that matches a rare word alone.
 */
function scoreQuery(index: DecodedIndex, query: string, scores: Float64Array): number[] {
  const ids = queryTermIds(index, query);
  const touched: number[] = [];
  const matched = new Float64Array(scores.length);
  let totalIdf = 0;
  for (const id of ids) totalIdf += index.idf[id]!;
  for (const id of ids) {
    const postings = index.postings[id]!;
    const idf = index.idf[id]!;
    let current = -1;
    let weighted = 0;
    for (let i = 0; i <= postings.length; i++) {
      const packed = i < postings.length ? postings[i]! : -1;
      const tool = packed < 0 ? -1 : Math.floor(packed / POSTING_TOOL);
      if (tool !== current) {
        if (current >= 0) {
          if (scores[current] === 0) touched.push(current);
          scores[current] = scores[current]! + (idf * weighted) / (K1 + weighted);
          matched[current] = matched[current]! + idf;
        }
        current = tool;
        weighted = 0;
      }
      if (tool < 0) break;
      const field = Math.floor((packed % POSTING_TOOL) / POSTING_FIELD);
      const frequency = packed % POSTING_FIELD;
      weighted += (FIELD_WEIGHTS[field]! * frequency) / index.norms[tool * index.fieldCount + field]!;
    }
  }
  for (const tool of touched) scores[tool] = scores[tool]! * Math.sqrt(matched[tool]! / totalIdf);
  return touched;
}

/** The distinct index terms of `query` (unknown words are left out), then those of adjacent words written as one. */
function queryTermIds(index: DecodedIndex, query: string): number[] {
  const ids: number[] = [];
  const add = (term: string | undefined) => {
    const id = term === undefined ? undefined : index.termIds.get(term);
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  };
  for (const term of searchTerms(query)) add(term);
  const plain = words(query);
  for (let i = 0; i + 1 < plain.length; i++) add(termOf(plain[i]! + plain[i + 1]!));
  return ids;
}

/** The index checked against `tools` and decoded; an Error naming search-index.json when it is malformed or stale. */
function decodeIndex(index: unknown, tools: readonly ToolDefinition[]): DecodedIndex {
  const fail = (what: string): never => {
    throw new Error(`${SEARCH_INDEX_FILE} ${what}; regenerate the project (portcullis generate) so that it matches tools.json`);
  };
  if (typeof index !== 'object' || index === null || Array.isArray(index)) fail('is not a JSON object');
  const data = index as Partial<SearchIndexData>;
  if (data.format !== SEARCH_INDEX_FORMAT) fail(`has format ${JSON.stringify(data.format)}, this server reads ${SEARCH_INDEX_FORMAT}`);
  if (data.tools !== tools.length) fail(`describes ${String(data.tools)} tools but tools.json has ${tools.length}`);
  if (data.digest !== toolsDigest(tools)) fail('was built for other tools than those of tools.json (digest mismatch)');
  const fieldCount = SEARCH_FIELDS.length;
  if (!Array.isArray(data.fields) || data.fields.join() !== SEARCH_FIELDS.join()) fail(`does not have the fields ${SEARCH_FIELDS.join(', ')}`);
  if (!isNumberArray(data.averageLengths, fieldCount)) fail(`needs ${fieldCount} averageLengths`);
  if (!isNumberArray(data.lengths, tools.length * fieldCount)) fail(`needs ${tools.length * fieldCount} lengths (tools × fields)`);
  const terms = data.terms;
  const postingLists = data.postings;
  if (!Array.isArray(terms) || !terms.every((term) => typeof term === 'string')) fail('needs a list of terms');
  if (!Array.isArray(postingLists) || postingLists.length !== terms!.length) fail('needs one postings list per term');

  const norms = new Float64Array(tools.length * fieldCount);
  for (let tool = 0; tool < tools.length; tool++) {
    for (let field = 0; field < fieldCount; field++) {
      const average = data.averageLengths![field]! || 1;
      const b = FIELD_B[field]!;
      norms[tool * fieldCount + field] = 1 - b + (b * data.lengths![tool * fieldCount + field]!) / average;
    }
  }
  const termIds = new Map<string, number>();
  const postings: Int32Array[] = [];
  const idf = new Float64Array(terms!.length);
  const limit = tools.length * POSTING_TOOL;
  for (let id = 0; id < terms!.length; id++) {
    const list = postingLists![id];
    if (!Array.isArray(list) || list.length === 0) fail(`has no postings for the term ${JSON.stringify(terms![id])}`);
    const decoded = new Int32Array(list!.length);
    let packed = 0;
    let documents = 0;
    let previousTool = -1;
    for (let i = 0; i < list!.length; i++) {
      const delta = list![i];
      if (!Number.isInteger(delta) || (delta as number) <= (i === 0 ? -1 : 0)) fail(`has a malformed posting for the term ${JSON.stringify(terms![id])}`);
      packed += delta as number;
      if (packed >= limit || packed % POSTING_FIELD === 0 || Math.floor((packed % POSTING_TOOL) / POSTING_FIELD) >= fieldCount) fail(`has a posting out of range for the term ${JSON.stringify(terms![id])}`);
      decoded[i] = packed;
      const tool = Math.floor(packed / POSTING_TOOL);
      if (tool !== previousTool) documents++;
      previousTool = tool;
    }
    termIds.set(terms![id]!, id);
    postings.push(decoded);
    idf[id] = Math.log(1 + (tools.length - documents + 0.5) / (documents + 0.5));
  }
  return { termIds, postings, idf, norms, fieldCount };
}

function isNumberArray(value: unknown, length: number): value is number[] {
  return Array.isArray(value) && value.length === length && value.every((item) => typeof item === 'number' && Number.isFinite(item) && item >= 0);
}
