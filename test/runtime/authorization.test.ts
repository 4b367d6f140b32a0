/**
 * Per-tool authorization (contract §§5–6): the decision function, the 403 step-up challenge, role refusals, tools/list
 * filtering, and where roles and scopes are read from in a token.
 */

import { describe, expect, it } from 'vitest';
import { createToolPolicy, decide, expandScopes, ROLE_REFUSAL } from '../../templates/runtime/authorization.js';
import { bearerChallenge, insufficientScopeChallenge, stepUpScopes, unauthorizedChallenge } from '../../templates/runtime/challenges.js';
import type { ToolDefinition } from '../../templates/runtime/definition.js';
import type { CallerContext } from '../../templates/runtime/mcp-server.js';
import { rolesFrom, scopesFrom } from '../../templates/runtime/token-verifier.js';
import type { RecordingUpstream } from '../support/upstream.js';
import { bearerChallengeParams } from '../support/challenge.js';
import type { ScriptedIssuer } from '../support/scripted-issuer.js';
import { authDefinition, rpc, startProtected, toolsCall, TOOLS_LIST, useProtectedStack } from './fixtures/protected.js';
import type { ProtectedServer } from './fixtures/protected.js';

const tool = (scopes: string[][], roles: string[] = []) => ({ name: 't', scopes, roles }) as unknown as ToolDefinition;
const caller = (scopes: string[], roles: string[] = []): CallerContext => ({ scopes, roles });
const IMPLIED = { admin: ['a', 'b'] };

describe('decide', () => {
  it('opens a public tool to any caller', () => {
    expect(decide(caller([]), tool([]), {})).toEqual({ allowed: true });
  });

  it('needs every scope of one alternative (AND inside, OR across)', () => {
    expect(decide(caller(['a', 'b']), tool([['a', 'b']]), {})).toEqual({ allowed: true });
    expect(decide(caller(['a']), tool([['a', 'b']]), {})).toEqual({ allowed: false, denied: 'scope', challengeScopes: ['a', 'b'] });
    expect(decide(caller(['c']), tool([['a', 'b'], ['c']]), {})).toEqual({ allowed: true });
  });

  it('challenges with the alternative missing the fewest scopes, the first on a tie', () => {
    expect(decide(caller(['a']), tool([['x', 'y', 'z'], ['a', 'b', 'c'], ['d']]), {})).toMatchObject({ challengeScopes: ['d'] });
    expect(decide(caller(['a']), tool([['a', 'b'], ['d']]), {})).toMatchObject({ challengeScopes: ['a', 'b'] });
    expect(decide(caller([]), tool([['p'], ['q']]), {})).toMatchObject({ challengeScopes: ['p'] });
  });

  it('lets a broader scope satisfy the narrower ones it implies, never the reverse', () => {
    expect(decide(caller(['admin']), tool([['a', 'b']]), IMPLIED)).toEqual({ allowed: true });
    expect(decide(caller(['a', 'b']), tool([['admin']]), IMPLIED)).toMatchObject({ denied: 'scope' });
    expect([...expandScopes(['admin', 'c'], IMPLIED)].sort()).toEqual(['a', 'admin', 'b', 'c']);
  });

  it('#16 treats token scopes named like built-in object properties as plain scopes', () => {
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
    expect([...expandScopes(names, IMPLIED)].sort()).toEqual([...names].sort());
    expect(decide(caller(names), tool([['a']]), IMPLIED)).toMatchObject({ denied: 'scope' });
    expect(decide(caller(['constructor']), tool([['constructor']]), {})).toEqual({ allowed: true });
  });

  it('checks roles first (any of them), and a role refusal is never a scope challenge', () => {
    expect(decide(caller([]), tool([['a']], ['ops']), {})).toEqual({ allowed: false, denied: 'role' });
    expect(decide(caller(['a']), tool([['a']], ['ops', 'admin']), {}).allowed).toBe(false);
    expect(decide(caller(['a'], ['admin']), tool([['a']], ['ops', 'admin']), {})).toEqual({ allowed: true });
    expect(decide(caller([], ['admin']), tool([['a']], ['admin']), {})).toMatchObject({ denied: 'scope' });
  });

  it('is what the ToolPolicy uses for both listing and calling', () => {
    const policy = createToolPolicy(IMPLIED);
    const cases: [CallerContext, ToolDefinition][] = [
      [caller([]), tool([])],
      [caller(['admin']), tool([['a']])],
      [caller(['a']), tool([['b']])],
      [caller([], ['x']), tool([], ['y'])],
    ];
    for (const [who, what] of cases) {
      const allowed = decide(who, what, IMPLIED).allowed;
      expect(policy.canSee(who, what)).toBe(allowed);
      expect(policy.check(who, what).allowed).toBe(allowed);
    }
    expect(policy.check(caller([]), tool([], ['y']))).toEqual({ allowed: false, reason: ROLE_REFUSAL });
  });
});

describe('challenges', () => {
  it('quote values and replace what RFC 6750 §3 does not allow in them', () => {
    expect(bearerChallenge([['error_description', 'bad "quote" and \\ back\nslash é'], ['scope', undefined]])).toBe(
      'Bearer error_description="bad  quote  and   back slash  "',
    );
    expect(unauthorizedChallenge({ resourceMetadataUrl: 'https://m/x', scopes: ['a', 'bad"scope', 'b c', 'a'] })).toBe('Bearer resource_metadata="https://m/x", scope="a"');
    expect(unauthorizedChallenge({ resourceMetadataUrl: 'https://m/x', scopes: [] })).toBe('Bearer resource_metadata="https://m/x"');
    expect(insufficientScopeChallenge({ resourceMetadataUrl: 'https://m/x', scopes: ['a'], description: 'd' })).toBe(
      'Bearer error="insufficient_scope", scope="a", resource_metadata="https://m/x", error_description="d"',
    );
  });

  it('step-up scopes: the alternative, then the held scopes the server uses', () => {
    expect(stepUpScopes(['w', 'd'], ['openid', 'r', 'w'], new Set(['r', 'w', 'd']))).toEqual(['w', 'd', 'r']);
  });
});

describe('claims', () => {
  it('scopes come from scope, else scp (array or string)', () => {
    expect(scopesFrom({ scope: 'a  b' })).toEqual(['a', 'b']);
    expect(scopesFrom({ scp: ['a', 'b', 3] })).toEqual(['a', 'b']);
    expect(scopesFrom({ scp: 'a b' })).toEqual(['a', 'b']);
    expect(scopesFrom({ scope: 'a', scp: ['b'] })).toEqual(['a']);
    expect(scopesFrom({ scope: 42 })).toEqual([]);
  });

  it('roles: a literal claim name first, then a dotted path; arrays or space/comma separated strings', () => {
    expect(rolesFrom({ roles: ['a', 'b'] }, 'roles')).toEqual(['a', 'b']);
    expect(rolesFrom({ 'https://example.com/roles': 'a, b c' }, 'https://example.com/roles')).toEqual(['a', 'b', 'c']);
    expect(rolesFrom({ realm_access: { roles: ['admin'] } }, 'realm_access.roles')).toEqual(['admin']);
    expect(rolesFrom({ 'realm_access.roles': ['literal'], realm_access: { roles: ['nested'] } }, 'realm_access.roles')).toEqual(['literal']);
    expect(rolesFrom({ a: { b: { c: 'x,y' } } }, 'a.b.c')).toEqual(['x', 'y']);
    expect(rolesFrom({ roles: { admin: true } }, 'roles')).toEqual([]);
    expect(rolesFrom({}, 'constructor.name')).toEqual([]);
    expect(rolesFrom({ groups: 'g1' }, 'roles')).toEqual([]);
  });
});

describe('over HTTP', () => {
  let as: ScriptedIssuer;
  let upstream: RecordingUpstream;
  let mcp: ProtectedServer;

  useProtectedStack((stack) => ({ as, upstream, mcp } = stack));

  const token = (scope: string, claims: Record<string, unknown> = {}) => as.mint(mcp.server.publicUrl, { claims: { scope, ...claims } });
  const metadata = () => `${new URL(mcp.server.publicUrl).origin}/.well-known/oauth-protected-resource/mcp`;
  const listed = async (bearer: string) => ((await rpc(mcp.url, bearer, TOOLS_LIST)).body.result.tools as { name: string }[]).map((entry) => entry.name);

  it('tools/list shows exactly the tools the caller may call now', async () => {
    expect(await listed(await token(''))).toEqual(['get_pet']);
    expect(await listed(await token('pets:write'))).toEqual(['get_pet', 'create_pet']);
    expect(await listed(await token('pets:write pets:delete'))).toEqual(['get_pet', 'create_pet', 'delete_pet']);
    expect(await listed(await token('pets:admin owners:write'))).toEqual(['get_pet', 'create_pet', 'delete_pet']);
    expect(await listed(await token('', { roles: ['admin'] }))).toEqual(['get_pet', 'list_owners']);
    expect(await listed(await token('', { roles: ['auditor'] }))).toEqual(['get_pet']);
    expect(await listed(await token('owners:read', { roles: ['auditor'] }))).toEqual(['get_pet', 'audit_owners']);
  });

  /** Expects a 403 step-up with `scope` for a call of `name`, nothing sent upstream. */
  async function expectStepUp(bearer: string, name: string, scope: string) {
    const response = await rpc(mcp.url, bearer, toolsCall(name, { petId: 1 }, 'call-1'));
    expect(response.status).toBe(403);
    expect(bearerChallengeParams(response.headers.get('www-authenticate'))).toEqual({
      error: 'insufficient_scope',
      scope,
      resource_metadata: metadata(),
      error_description: `The access token lacks scopes needed by ${name}`,
    });
    expect(response.body).toMatchObject({ jsonrpc: '2.0', id: 'call-1', error: { code: -32000 } });
    expect(upstream.received).toHaveLength(0);
  }

  it('a call lacking scopes is answered 403 before the tool runs, keeping the scopes already held', async () => {
    await expectStepUp(await token('pets:read openid'), 'create_pet', 'pets:write pets:read');
  });

  it('OR alternatives: the challenge names the one with the fewest missing scopes', async () => {
    await expectStepUp(await token('pets:write owners:read openid'), 'delete_pet', 'pets:write pets:delete owners:read');
    await expectStepUp(await token('owners:write'), 'delete_pet', 'pets:admin owners:write');
    await expectStepUp(await token(''), 'delete_pet', 'pets:admin owners:write');
  });

  it('scope hierarchy: a broader scope satisfies narrower ones, and is kept in a challenge', async () => {
    const admin = await token('pets:admin');
    const response = await rpc(mcp.url, admin, toolsCall('create_pet', { body: { name: 'Rex' } }));
    expect(response.status).toBe(200);
    expect(response.body.result.isError).toBeFalsy();
    expect(upstream.received).toHaveLength(1);
    // delete_pet's second alternative (pets:write + pets:delete) is implied by pets:admin.
    expect((await rpc(mcp.url, admin, toolsCall('delete_pet', { petId: 1 }))).body.result.isError).toBeFalsy();
    expect(upstream.received).toHaveLength(2);
    upstream.received.length = 0;
    await expectStepUp(await token('pets:admin', { roles: 'auditor' }), 'audit_owners', 'owners:read pets:admin');
  });

  it('a batch with one call lacking scopes is refused whole, nothing runs', async () => {
    const bearer = await token('pets:read');
    const response = await rpc(mcp.url, bearer, [toolsCall('get_pet', { petId: 1 }, 1), toolsCall('create_pet', { body: { name: 'x' } }, 2), toolsCall('delete_pet', { petId: 1 }, 3)], { 'MCP-Protocol-Version': '2025-03-26' });
    expect(response.status).toBe(403);
    // create_pet's alternative, the held pets:read, then delete_pet's first alternative (a tie of two missing each).
    expect(bearerChallengeParams(response.headers.get('www-authenticate'))).toMatchObject({ scope: 'pets:write pets:read pets:admin owners:write' });
    expect(response.body).toMatchObject({ id: null });
    expect(upstream.received).toHaveLength(0);
    // Audited per call, and none as allowed: the request was refused whole.
    for (let i = 0; i < 100 && mcp.audit.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(mcp.audit.slice(-3).map((line) => [line.tool, line.decision, line.reason])).toEqual([
      ['get_pet', 'deny', 'batch_refused'],
      ['create_pet', 'deny', 'insufficient_scope'],
      ['delete_pet', 'deny', 'insufficient_scope'],
    ]);
  });

  it('a role refusal is a tool error telling nothing, never a 403 or a challenge', async () => {
    for (const [name, bearer] of [
      ['list_owners', await token('pets:admin owners:read owners:write')],
      ['audit_owners', await token('')],
      ['audit_owners', await token('owners:read', { roles: ['admin'] })],
    ] as const) {
      const response = await rpc(mcp.url, bearer, toolsCall(name, {}));
      expect(response.status).toBe(200);
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(response.body.result).toEqual({ isError: true, content: [{ type: 'text', text: 'You are not permitted to use this tool.' }] });
    }
    expect(upstream.received).toHaveLength(0);
    const allowed = await rpc(mcp.url, await token('', { roles: 'admin' }), toolsCall('list_owners', {}));
    expect(allowed.body.result.isError).toBeFalsy();
    expect(upstream.received).toHaveLength(1);
  });

  it('an unknown tool stays a JSON-RPC error, not a step-up', async () => {
    const response = await rpc(mcp.url, await token(''), toolsCall('drop_database', {}));
    expect(response.status).toBe(200);
    expect(response.body.error.message).toContain('drop_database');
  });

  it('scopes from scp when the token has no scope claim', async () => {
    expect(await listed(await as.mint(mcp.server.publicUrl, { claims: { scope: undefined, scp: ['pets:write'] } }))).toEqual(['get_pet', 'create_pet']);
  });

  it.each([
    ['realm_access.roles', { realm_access: { roles: ['admin'] } }, true],
    ['realm_access.roles', { realm_access: { roles: 'user admin' } }, true],
    ['realm_access.roles', { realm_access: { roles: ['user'] } }, false],
    ['realm_access.roles', { 'realm_access.roles': ['admin'], realm_access: { roles: [] } }, true],
    ['https://example.com/roles', { 'https://example.com/roles': 'ops,admin' }, true],
    ['https://example.com/roles', { roles: ['admin'] }, false],
    ['groups', { groups: ['admin'] }, true],
  ])('OAUTH_ROLES_CLAIM=%s with %j: admin tool allowed=%s', async (claim, claims, allowed) => {
    const custom = await startProtected(as, `${upstream.origin}/api`, { OAUTH_ROLES_CLAIM: claim }, {}, authDefinition());
    try {
      const bearer = await as.mint(custom.server.publicUrl, { claims });
      const names = ((await rpc(custom.url, bearer, TOOLS_LIST)).body.result.tools as { name: string }[]).map((entry) => entry.name);
      expect(names.includes('list_owners')).toBe(allowed);
      const call = await rpc(custom.url, bearer, toolsCall('list_owners', {}));
      expect(call.body.result.isError ?? false).toBe(!allowed);
    } finally {
      await custom.close();
    }
  });
});
