/**
 * The step-up gate (MCP 2025-11-25 basic/authorization#scope-challenge-handling, RFC 6750 §3.1 insufficient_scope):
 * before anything in a request runs, each of its tools/call messages is decided by `decide` (authorization.ts), the
 * same function that filters tools/list and guards tools/call, and a call lacking scopes refuses the whole request
 * 403 with the scopes to ask for. A role refusal is left to the tool's answer: no re-consent can obtain a role.
 *
 * In discovery mode a `call_tool` message is decided for the tool it runs (its `arguments.name`, resolved by
 * audit-trail.ts into the message's `tool`), so a step-up is reachable through the meta-tools exactly as through tools/call.
 */

import { deny } from './audit-trail.js';
import type { AuditedMessage } from './audit-trail.js';
import { decide } from './authorization.js';
import type { Caller } from './caller.js';
import { insufficientScopeChallenge, stepUpScopes } from './challenges.js';
import type { ServerDefinition } from './definition.js';
import type { Refusal } from './refusal.js';

/** The 403 refusal of a request whose tools/call messages lack scopes, or undefined when nothing in it needs a step-up. */
export type StepUpGate = (messages: readonly AuditedMessage[], caller: Caller, batch: boolean) => Refusal | undefined;

/**
 * The gate of a server with the tools of `definition`, whose metadata is at `resourceMetadataUrl` (RFC 9728 §5.1). It
 * marks the audit entry of each message it refuses (`insufficient_scope` or `role`).
 */
export function createStepUpGate(definition: Pick<ServerDefinition, 'scopes' | 'impliedScopes'>, resourceMetadataUrl: string): StepUpGate {
  // The scopes "the server uses" (MCP 2025-11-25 basic/authorization#scope-challenge-handling): what tools require, and the broader scopes that imply them.
  const serverScopes = new Set([...definition.scopes, ...Object.keys(definition.impliedScopes)]);
  return (messages, caller, batch) => {
    const wanted: string[] = [];
    const refusedTools: string[] = [];
    let firstRefusedId: unknown = null;
    for (const { entry, id, tool } of messages) {
      if (!tool) continue;
      const decision = decide(caller, tool, definition.impliedScopes);
      if (decision.allowed) continue;
      deny(entry, decision.denied === 'role' ? 'role' : 'insufficient_scope');
      if (decision.denied !== 'scope') continue;
      if (refusedTools.length === 0) firstRefusedId = id ?? null;
      refusedTools.push(tool.name);
      wanted.push(...stepUpScopes(decision.challengeScopes, caller.scopes, serverScopes));
    }
    if (refusedTools.length === 0) return undefined;
    const description = `The access token lacks scopes needed by ${refusedTools.join(', ')}`;
    return {
      status: 403,
      // The whole request is refused: its other messages are audited under this reason, those refused above keep theirs.
      reason: 'batch_refused',
      message: `Forbidden: ${description}`,
      id: batch ? null : firstRefusedId,
      headers: { 'WWW-Authenticate': insufficientScopeChallenge({ resourceMetadataUrl, scopes: [...new Set(wanted)], description }) },
    };
  };
}
