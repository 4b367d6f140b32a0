/**
 * Builds the tool search index (the data of search-index.json, read by tool-search.ts) from a server definition: the
 * generator runs it and ships the result; a server whose project has no search-index.json runs it once at start.
 * Terms come from search-terms.ts over each tool's fields; the result is deterministic (terms sorted, postings in tool
 * order).
 */
import type { JsonSchema, ServerDefinition, ToolDefinition } from './definition.js';
import { searchTerms } from './search-terms.js';
import {
  MAX_TERM_FREQUENCY,
  POSTING_FIELD,
  POSTING_TOOL,
  SEARCH_FIELDS,
  SEARCH_INDEX_FORMAT,
  toolsDigest,
  type SearchIndexData,
} from './tool-search.js';

/** Most description terms indexed per tool: the opening of a description says what the operation does. */
const MAX_DESCRIPTION_TERMS = 120;

/** What the index uses of a tool beyond its definition in tools.json (the model has it; tools.json does not). */
export interface ToolSearchExtras {
  readonly tags: readonly string[];
  readonly operationId?: string;
}

/** The index of `definition`'s tools; `extras[i]` (when given) adds the tags and operationId of tool i. */
export function buildSearchIndex(definition: ServerDefinition, extras: readonly ToolSearchExtras[] = []): SearchIndexData {
  const fieldCount = SEARCH_FIELDS.length;
  const lengths: number[] = [];
  const postingsByTerm = new Map<string, number[]>();
  // Large APIs repeat their texts (Microsoft Graph: 4,419 distinct descriptions among 11,422 tools): each distinct
  // text of a field is turned into counted terms once.
  const counted = SEARCH_FIELDS.map(() => new Map<string, CountedTerms>());
  definition.tools.forEach((tool, position) => {
    const texts = toolTexts(tool, extras[position] ?? { tags: [] }, definition.definitions);
    texts.forEach((text, field) => {
      let terms = counted[field]!.get(text);
      if (!terms) {
        const found = searchTerms(text, field === DESCRIPTION_FIELD ? MAX_DESCRIPTION_TERMS : undefined);
        terms = { length: found.length, frequencies: [...countTerms(found)] };
        counted[field]!.set(text, terms);
      }
      lengths.push(terms.length);
      for (const [term, frequency] of terms.frequencies) {
        const packed = position * POSTING_TOOL + field * POSTING_FIELD + Math.min(frequency, MAX_TERM_FREQUENCY);
        const list = postingsByTerm.get(term);
        if (list) list.push(packed);
        else postingsByTerm.set(term, [packed]);
      }
    });
  });
  const terms = [...postingsByTerm.keys()].sort();
  const averageLengths = SEARCH_FIELDS.map((_, field) => {
    let total = 0;
    const count = definition.tools.length;
    for (let tool = 0; tool < count; tool++) total += lengths[tool * fieldCount + field]!;
    return count === 0 ? 0 : Math.round((total / count) * 1000) / 1000;
  });
  return {
    format: SEARCH_INDEX_FORMAT,
    tools: definition.tools.length,
    digest: toolsDigest(definition.tools),
    fields: [...SEARCH_FIELDS],
    averageLengths,
    lengths,
    terms,
    // Built in tool then field order, so each list is already sorted: only the differences are stored.
    postings: terms.map((term) => postingsByTerm.get(term)!.map((packed, i, list) => packed - (i === 0 ? 0 : list[i - 1]!))),
  };
}

/** One field text's terms: how many (the field length) and each distinct term with its frequency, in first-seen order. */
interface CountedTerms {
  readonly length: number;
  readonly frequencies: readonly (readonly [string, number])[];
}

/** The position of the description in SEARCH_FIELDS: the one field whose terms are capped. */
const DESCRIPTION_FIELD = SEARCH_FIELDS.indexOf('description');

/** The text of each field of `tool`, in SEARCH_FIELDS order. */
function toolTexts(tool: ToolDefinition, extras: ToolSearchExtras, definitions: Readonly<Record<string, JsonSchema>>): string[] {
  const names = extras.operationId && extras.operationId !== tool.name ? `${tool.name} ${extras.operationId}` : tool.name;
  return [
    names,
    tool.title ?? '',
    tool.path.replace(/[{}]/g, ' '),
    extras.tags.join(' '),
    [...tool.parameters.map((parameter) => parameter.name), ...bodyPropertyNames(tool, definitions)].join(' '),
    tool.description,
    actionOf(tool),
    resourceOf(tool.path),
  ];
}

/**
 * The kind of action a method on a path performs, in words a caller uses: GET on a collection lists, on an item gets;
 * POST on a collection creates, on an item updates; PUT and PATCH update; DELETE deletes. A POST to a path that ends in
 * a verb (`/invoices/{invoice}/pay`) says what it does in its own words: no action is added.
 */
export function actionOf(tool: Pick<ToolDefinition, 'method' | 'path'>): string {
  const segments = tool.path.split('/').filter((segment) => segment !== '');
  const last = segments.at(-1) ?? '';
  const onItem = /^\{[^}]*\}$/.test(last);
  switch (tool.method) {
    case 'GET':
      return onItem ? 'get' : 'list';
    case 'POST':
      if (onItem) return 'update';
      return /s$/i.test(last) ? 'create' : '';
    case 'PUT':
    case 'PATCH':
      return 'update';
    case 'DELETE':
      return 'delete';
    default:
      return '';
  }
}

/** The thing a path acts on: its last segment that is not a parameter (`/repos/{owner}/{repo}/issues/{n}` → issues). */
export function resourceOf(path: string): string {
  const literals = path.split('/').filter((segment) => segment !== '' && !segment.includes('{'));
  return literals.at(-1) ?? '';
}

/** Names of the top-level properties of the tool's request body (following one `$ref` and `allOf`/`oneOf`/`anyOf`). */
function bodyPropertyNames(tool: ToolDefinition, definitions: Readonly<Record<string, JsonSchema>>): string[] {
  if (!tool.body) return [];
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, JsonSchema>;
  const schema = Object.hasOwn(properties, tool.body.argument) ? properties[tool.body.argument] : undefined;
  const names = new Set<string>();
  const visit = (node: JsonSchema | undefined, depth: number) => {
    if (!node || typeof node !== 'object' || depth > 3) return;
    const ref = typeof node.$ref === 'string' ? /^#\/\$defs\/(.+)$/.exec(node.$ref)?.[1] : undefined;
    if (ref !== undefined && Object.hasOwn(definitions, ref)) visit(definitions[ref], depth + 1);
    const own = node.properties;
    if (own && typeof own === 'object') for (const name of Object.keys(own)) names.add(name);
    for (const key of ['allOf', 'oneOf', 'anyOf'] as const) {
      const parts = node[key];
      if (Array.isArray(parts)) for (const part of parts) visit(part as JsonSchema, depth + 1);
    }
  };
  visit(schema, 0);
  return [...names].sort();
}

/** Each distinct term of `terms` with its number of occurrences, in order of first occurrence. */
function countTerms(terms: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  return counts;
}
