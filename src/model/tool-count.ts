/** The generation warning for an API with more tools than MCP clients handle well when they are all listed. */
import type { IssueCollector } from '../errors.js';

/** More tools than this in one tools/list: popular MCP clients cap tools at 40 to 128, and a model chooses worse long before. */
export const MANY_TOOLS = 128;

/**
 * Warns (WARN_MANY_TOOLS) when the spec yields more than MANY_TOOLS tools: served with TOOL_MODE=auto (the default)
 * callers who may use many of them get the discovery meta-tools, but TOOL_MODE=direct would list them all.
 */
export function warnManyTools(toolCount: number, issues: IssueCollector): void {
  if (toolCount <= MANY_TOOLS) return;
  issues.warn(
    'WARN_MANY_TOOLS',
    '#/paths',
    `the spec yields ${toolCount} tools, more than the ${MANY_TOOLS} MCP clients commonly accept in one list: with TOOL_MODE=direct every caller is shown them all`,
    'Keep TOOL_MODE=auto (the default: a caller who may use more than TOOL_MODE_THRESHOLD tools gets the search_tools, describe_tool and call_tool meta-tools) or set TOOL_MODE=discovery, or narrow the operations with include/exclude in the config.',
  );
}
