/** The step-up gate (step-up-gate.ts): 403 insufficient_scope before anything runs, decided by `decide`. */

import { describe, expect, it } from 'vitest';
import type { AuditedMessage, Entry } from '../../templates/runtime/audit-trail.js';
import { createToolPolicy } from '../../templates/runtime/authorization.js';
import type { Caller } from '../../templates/runtime/caller.js';
import type { ToolDefinition } from '../../templates/runtime/definition.js';
import { createStepUpGate } from '../../templates/runtime/step-up-gate.js';

const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
const DEFINITION = { scopes: ['owners:read', 'pets:delete', 'pets:read', 'pets:write'], impliedScopes: { 'pets:admin': ['pets:delete', 'pets:read', 'pets:write'] } };
const tool = (name: string, scopes: string[][], roles: string[] = []) => ({ name, scopes, roles }) as unknown as ToolDefinition;
const TOOLS = [tool('get_pet', []), tool('create_pet', [['pets:write']]), tool('delete_pet', [['pets:admin', 'owners:write'], ['pets:write', 'pets:delete']]), tool('list_owners', [], ['admin']), tool('audit_owners', [['owners:read']], ['auditor'])];
const caller = (scopes: string[], roles: string[] = []): Caller => ({ subject: 'alice', scopes, roles });

/** The audited messages of tools/call requests for `tools`, ids 1, 2, … */
function calls(...tools: (ToolDefinition | undefined)[]): AuditedMessage[] {
  return tools.map((called, index) => ({ entry: { decision: 'allow', reason: 'ok' } as Entry, id: index + 1, tool: called }));
}

describe('step-up-gate', () => {
  const gate = createStepUpGate(DEFINITION, METADATA);

  it('#10 lets through exactly what the policy of tools/list and tools/call allows, or leaves to the tool (roles)', () => {
    const policy = createToolPolicy(DEFINITION.impliedScopes);
    const callers = [caller([]), caller(['pets:write']), caller(['pets:admin']), caller(['pets:write', 'pets:delete'], ['admin']), caller(['owners:read'], ['auditor'])];
    for (const who of callers) {
      for (const called of TOOLS) {
        const messages = calls(called);
        const refusal = gate(messages, who, false);
        const allowed = policy.check(who, called).allowed;
        // A scope refusal is the gate's; a role refusal is audited here and answered by the tool.
        expect({ tool: called.name, scopes: who.scopes, decision: messages[0]!.entry.decision, refused: refusal !== undefined }).toEqual({
          tool: called.name,
          scopes: who.scopes,
          decision: allowed ? 'allow' : 'deny',
          refused: !allowed && messages[0]!.entry.reason === 'insufficient_scope',
        });
      }
    }
  });

  it('#10 refuses 403 with the scopes of the alternative missing the fewest, plus those held that the server uses', () => {
    const messages = calls(TOOLS[2]);
    expect(gate(messages, caller(['pets:write', 'profile']), false)).toEqual({
      status: 403,
      reason: 'batch_refused',
      message: 'Forbidden: The access token lacks scopes needed by delete_pet',
      id: 1,
      headers: {
        'WWW-Authenticate': `Bearer error="insufficient_scope", scope="pets:write pets:delete", resource_metadata="${METADATA}", error_description="The access token lacks scopes needed by delete_pet"`,
      },
    });
    expect(messages[0]!.entry).toEqual({ decision: 'deny', reason: 'insufficient_scope' });
  });

  it('#10 refuses a whole batch for one call lacking scopes, naming every such tool, with id null', () => {
    const messages = calls(TOOLS[0], TOOLS[1], TOOLS[2], TOOLS[4], undefined);
    const refusal = gate(messages, caller([]), true);
    expect(refusal).toMatchObject({ status: 403, id: null, message: 'Forbidden: The access token lacks scopes needed by create_pet, delete_pet' });
    expect(refusal?.headers?.['WWW-Authenticate']).toContain('scope="pets:write pets:admin owners:write"');
    expect(messages.map(({ entry }) => entry.reason)).toEqual(['ok', 'insufficient_scope', 'insufficient_scope', 'role', 'ok']);
  });

  it('#10 refuses nothing when only roles are missing: no re-consent can obtain a role', () => {
    const messages = calls(TOOLS[3]);
    expect(gate(messages, caller(['pets:admin']), false)).toBeUndefined();
    expect(messages[0]!.entry).toEqual({ decision: 'deny', reason: 'role' });
  });
});
