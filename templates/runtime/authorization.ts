/**
 * Who may see and call which tool: the one decision function used by tools/list, tools/call and the HTTP layer's
 * step-up gate (step-up-gate.ts), so what tools/list shows, what tools/call allows and what is challenged agree.
 */

import type { Caller } from './caller.js';
import type { ServerDefinition, ToolDefinition } from './definition.js';
import type { ToolPolicy } from './mcp-server.js';

/** What the caller is told when a role refuses it: nothing about roles, policy or other tools (no request can obtain a role). */
export const ROLE_REFUSAL = 'You are not permitted to use this tool.';
/** Shown if a scope refusal reaches the tool (over HTTP the request is answered 403 before). */
export const SCOPE_REFUSAL = 'The access token lacks the scopes this tool needs; ask for them and try again.';

export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly denied: 'role' }
  /** `challengeScopes`: the alternative with the fewest missing scopes, all of its scopes. */
  | { readonly allowed: false; readonly denied: 'scope'; readonly challengeScopes: readonly string[] };

type ImpliedScopes = ServerDefinition['impliedScopes'];

/** The caller's scopes plus every narrower scope they imply (2026-07-28 scope hierarchies; impliedScopes is closed). */
export function expandScopes(scopes: readonly string[], impliedScopes: ImpliedScopes): Set<string> {
  const expanded = new Set(scopes);
  // Scopes come from the token: `constructor` or `__proto__` must not reach Object.prototype.
  for (const scope of scopes) if (Object.hasOwn(impliedScopes, scope)) for (const narrower of impliedScopes[scope]!) expanded.add(narrower);
  return expanded;
}

/** Decides whether `caller` may use `tool` now: roles first (never a step-up), then scopes (OR of AND-sets). */
export function decide(caller: Caller, tool: ToolDefinition, impliedScopes: ImpliedScopes): Decision {
  // A role is not an OAuth scope: no re-consent can obtain it, so it is checked first and never leads to a scope challenge.
  if (tool.roles.length > 0 && !tool.roles.some((role) => caller.roles.includes(role))) return { allowed: false, denied: 'role' };
  // `scopes: []` is a public tool, open to any valid token for this server.
  if (tool.scopes.length === 0) return { allowed: true };
  const held = expandScopes(caller.scopes, impliedScopes);
  let best: readonly string[] | undefined;
  let fewestMissing = Infinity;
  for (const alternative of tool.scopes) {
    const missing = alternative.filter((scope) => !held.has(scope)).length;
    if (missing === 0) return { allowed: true };
    // RFC 6750 §3.1, MCP 2025-11-25 basic/authorization#scope-challenge-handling: for OR alternatives, challenge with the one needing the fewest new scopes (the first on a tie).
    if (missing < fewestMissing) [best, fewestMissing] = [alternative, missing];
  }
  return { allowed: false, denied: 'scope', challengeScopes: best ?? [] };
}

/** The ToolPolicy of caller authorization: a tool is listed exactly when it may be called now. */
export function createToolPolicy(impliedScopes: ImpliedScopes): ToolPolicy {
  return {
    canSee: (caller, tool) => decide(caller, tool, impliedScopes).allowed,
    check(caller, tool) {
      const decision = decide(caller, tool, impliedScopes);
      if (decision.allowed) return { allowed: true };
      return { allowed: false, reason: decision.denied === 'role' ? ROLE_REFUSAL : SCOPE_REFUSAL };
    },
  };
}
