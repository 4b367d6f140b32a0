/**
 * Your code: portcullis created this file once and never overwrites it. Regenerating keeps your changes.
 *
 * Every tools/call runs: scopes and roles (from the spec) ▶ argument validation ▶ authorize ▶ the tool's before
 * ▶ the upstream API ▶ the tool's after. `identity` is the caller as verified from the access token.
 *
 * `ServerHooks<ToolName>` accepts only the names of tools this server serves (or '*'): when a tool is renamed or
 * removed from the spec, `npm run build` fails here instead of the hook silently no longer running.
 */
import type { ServerHooks } from './runtime/hooks.js';
import type { ToolName } from './tool-names.js';

export const hooks: ServerHooks<ToolName> = {
  // Object-level checks: may this caller act on these arguments? A denial is a tool error showing `reason`.
  // authorize(identity, tool, args) {
  //   if (tool.name === 'getTicket' && !identity.roles.includes('agent')) return { allowed: false, reason: 'agents only' };
  //   return { allowed: true };
  // },
  tools: {
    // Per tool (or '*' for every tool):
    // someTool: {
    //   before({ identity, args }) { /* return { allowed: false, reason } to reject */ },
    //   after({ tool }, result) { return result; },
    // },
  },
};
