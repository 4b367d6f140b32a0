/**
 * search-index.json: the tool search index of the emitted server (templates/runtime/tool-search.ts reads it), built
 * here once by templates/runtime/search-index.ts with what only the model knows (tags, operationIds), so the server
 * only decodes it at start.
 */
import { type ToolSearchExtras } from '../../templates/runtime/search-index.js';
import type { SearchIndexData } from '../../templates/runtime/tool-search.js';
import type { ServerModel } from '../model/types.js';

export { buildSearchIndex } from '../../templates/runtime/search-index.js';

/** The extras of each of `model`'s tools, in order. */
export function searchExtras(model: ServerModel): ToolSearchExtras[] {
  return model.tools.map((tool) => ({ tags: tool.tags, ...(tool.operationId === undefined ? {} : { operationId: tool.operationId }) }));
}

/** search-index.json's text: one top-level member per line and one term's postings per line (diffs stay readable). */
export function searchIndexText(index: SearchIndexData): string {
  const { postings, ...rest } = index;
  const members = Object.entries(rest).map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
  members.push(`"postings":[\n${postings.map((list) => JSON.stringify(list)).join(',\n')}\n]`);
  return `{\n${members.join(',\n')}\n}\n`;
}

