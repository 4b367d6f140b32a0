/**
 * One caller type for the whole runtime (caller.ts). The deprecated names users' hooks files may import stay the same
 * type, so code written against them keeps compiling: this file is type-checked by `npm run typecheck`.
 */

import { describe, expect, expectTypeOf, it } from 'vitest';
import { decide } from '../../templates/runtime/authorization.js';
import { ANONYMOUS_CALLER } from '../../templates/runtime/caller.js';
import type { Caller } from '../../templates/runtime/caller.js';
import type { ToolDefinition } from '../../templates/runtime/definition.js';
import { runWithHooks } from '../../templates/runtime/hooks.js';
import type { ServerHooks, ToolCallContext, VerifiedIdentity } from '../../templates/runtime/hooks.js';
import { ANONYMOUS_CALLER as ANONYMOUS_FROM_SERVER } from '../../templates/runtime/mcp-server.js';
import type { CallerContext, ToolPolicy } from '../../templates/runtime/mcp-server.js';
import type { VerifiedToken } from '../../templates/runtime/token-verifier.js';

const tool = { name: 'get_pet', scopes: [['pets:read']], roles: [] } as unknown as ToolDefinition;

describe('caller', () => {
  it('#10 is the one type of the verifier, the decision function, the policy and the hooks', () => {
    expectTypeOf<VerifiedIdentity>().toEqualTypeOf<Caller>();
    expectTypeOf<CallerContext>().toEqualTypeOf<Caller>();
    expectTypeOf<VerifiedToken['caller']>().toEqualTypeOf<Caller>();
    expectTypeOf<ToolCallContext['identity']>().toEqualTypeOf<Caller>();
    expectTypeOf<Parameters<typeof decide>[0]>().toEqualTypeOf<Caller>();
    expectTypeOf<Parameters<ToolPolicy['check']>[0]>().toEqualTypeOf<Caller>();
    expectTypeOf<Parameters<NonNullable<ServerHooks['authorize']>>[0]>().toEqualTypeOf<Caller>();
    expect(ANONYMOUS_FROM_SERVER).toBe(ANONYMOUS_CALLER);
    expect(ANONYMOUS_CALLER).toEqual({ scopes: [], roles: [] });
    expect([ANONYMOUS_CALLER, ANONYMOUS_CALLER.scopes, ANONYMOUS_CALLER.roles].map(Object.isFrozen)).toEqual([true, true, true]);
  });

  it('#10 an older hooks file naming VerifiedIdentity and CallerContext still compiles, and its hooks see the caller', async () => {
    const seen: string[] = [];
    const allowed = (identity: VerifiedIdentity): boolean => identity.scopes.includes('pets:read');
    const hooks: ServerHooks = {
      authorize: (identity: VerifiedIdentity) => (allowed(identity) ? { allowed: true } : { allowed: false, reason: 'no' }),
      tools: { '*': { before: ({ identity }: { identity: CallerContext }) => void seen.push(`${identity.subject} until ${identity.expiresAt}`) } },
    };
    const caller: Caller = { subject: 'alice', clientId: 'app', scopes: ['pets:read'], roles: [], expiresAt: 1_900_000_000 };
    const outcome = await runWithHooks(hooks, { tool, identity: caller, args: {} }, () => Promise.resolve({ content: [] }));
    expect(outcome).toEqual({ result: { content: [] } });
    expect(seen).toEqual(['alice until 1900000000']);
  });
});
