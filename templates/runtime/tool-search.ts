/**
 * Tool search for the discovery meta-tools (discovery.ts). STAND-IN: a naive ranking (how many of the query's words
 * occur in a tool's name and description), with the exports of the real index-backed search that replaces it.
 */

import type { ServerDefinition, ToolDefinition } from './definition.js';

/** One search result: the tool and its relevance (higher is better). */
export interface ToolSearchHit {
  readonly tool: ToolDefinition;
  readonly score: number;
}

/** Finds tools by a natural-language query. */
export interface ToolSearch {
  /** At most `limit` tools that `visible` accepts, best first; ties in the definition's order. */
  search(query: string, limit: number, visible: (tool: ToolDefinition) => boolean): readonly ToolSearchHit[];
}

/** The search over the tools of `definition`; `index` is the generated index (unused by this stand-in). */
export function createToolSearch(definition: ServerDefinition, index: unknown): ToolSearch {
  void index;
  const texts = definition.tools.map((tool) => `${tool.name.replace(/([a-z])([A-Z])/g, '$1 $2')} ${tool.name} ${tool.title ?? ''} ${tool.description}`.toLowerCase());
  return {
    search(query, limit, visible) {
      const words = [...new Set(query.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean))];
      const hits: ToolSearchHit[] = [];
      definition.tools.forEach((tool, index) => {
        const score = words.filter((word) => texts[index]!.includes(word)).length;
        if (score > 0 && visible(tool)) hits.push({ tool, score });
      });
      // Array.prototype.sort is stable: equal scores keep the definition's order.
      return hits.sort((a, b) => b.score - a.score).slice(0, limit);
    },
  };
}
