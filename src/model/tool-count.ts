/** The generation warning for a project that lists every tool although the API has more than MCP clients handle. */
import { configFileOf } from '../config/load-config.js';
import type { PortcullisConfig } from '../config/types.js';
import type { IssueCollector, WarningIssue } from '../errors.js';

/** More tools than this in one tools/list: popular MCP clients cap tools at 40 to 128, and a model chooses worse long before. */
export const MANY_TOOLS = 128;

/**
 * Warns (WARN_MANY_TOOLS), at the config's `toolMode`, when the config makes direct mode the project's default and the
 * spec yields more than MANY_TOOLS tools: every caller would be listed them all. With `auto` (the default) or
 * `discovery` a caller who may use many tools gets the discovery meta-tools instead, so there is nothing to warn about.
 */
export function warnManyTools(toolCount: number, config: PortcullisConfig, issues: IssueCollector): void {
  if (config.toolMode !== 'direct' || toolCount <= MANY_TOOLS) return;
  const warning: WarningIssue = {
    code: 'WARN_MANY_TOOLS',
    severity: 'warning',
    file: configFileOf(config) ?? 'portcullis.config.yaml',
    pointer: '#/toolMode',
    message: `toolMode: direct lists all ${toolCount} tools of the spec to every caller who may use them, but MCP clients commonly cap tools at 40 to 128 (and a model chooses worse long before)`,
    hint: 'Set toolMode: auto (the default: a caller who may use more than TOOL_MODE_THRESHOLD tools gets the search_tools, describe_tool and call_tool meta-tools) or toolMode: discovery, or narrow the operations with include/exclude.',
  };
  issues.issues.push(warning);
}
