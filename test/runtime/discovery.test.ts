/**
 * #13 Tool discovery on the wire: TOOL_MODE (direct, discovery, auto at TOOL_MODE_THRESHOLD), the three meta-tools,
 * and authorization through them — search and describe show only what the caller may use or obtain by a step-up,
 * call_tool passes the same checks as tools/call (403 insufficient_scope, validation before the upstream) and the audit
 * names the tool it ran.
 */

import { describe, expect, it } from 'vitest';
import { SettingError } from '../../templates/runtime/errors.js';
import { readSettings } from '../../templates/runtime/settings.js';
import { startHttpServer } from '../../templates/runtime/http.js';
import type { AuditRecord } from '../../templates/runtime/audit.js';
import { summaryOf, toolModeDecider } from '../../templates/runtime/discovery.js';
import type { RecordingUpstream } from '../support/upstream.js';
import { bearerChallengeParams } from '../support/challenge.js';
import type { ScriptedIssuer } from '../support/scripted-issuer.js';
import { discoveryDefinition } from './fixtures/discovery-definition.js';
import { rpc, startProtected, TOOLS_LIST, toolsCall, useProtectedStack } from './fixtures/protected.js';
import type { ProtectedServer } from './fixtures/protected.js';

let as: ScriptedIssuer;
let upstream: RecordingUpstream;
let discovery: ProtectedServer;

const META = ['search_tools', 'describe_tool', 'call_tool'];

useProtectedStack(
  (stack) => ({ as, upstream, mcp: discovery } = stack),
  (issuer, upstreamBaseUrl) => startProtected(issuer, upstreamBaseUrl, { TOOL_MODE: 'discovery' }, {}, discoveryDefinition()),
);

/** A token for `server` with these scopes and roles. */
function token(server: ProtectedServer, scope: string, roles: string[] = []) {
  return as.mint(server.server.publicUrl, { claims: { scope, roles } });
}

/** tools/call of a meta-tool on the discovery server. */
async function meta(name: string, args: Record<string, unknown>, bearer: string, id: number | string = 1) {
  return rpc(discovery.url, bearer, toolsCall(name, args, id));
}

async function auditLines(server: ProtectedServer, count = 1) {
  for (let i = 0; i < 100 && server.audit.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return server.audit;
}

const names = (response: { body: any }) => response.body.result.tools.map((tool: { name: string }) => tool.name);

describe('#13 discovery mode', () => {
  it('#13 tools/list offers exactly the three meta-tools, with input schemas and annotations, whatever the caller', async () => {
    for (const scope of ['', 'pets:admin owners:write']) {
      const listed = await rpc(discovery.url, await token(discovery, scope), TOOLS_LIST);
      expect(listed.status).toBe(200);
      expect(names(listed)).toEqual(META);
      expect(listed.body.result.nextCursor).toBeUndefined();
      for (const tool of listed.body.result.tools) {
        expect(tool.description.length).toBeGreaterThan(80);
        expect(tool.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
      }
      const [search, describeTool, call] = listed.body.result.tools;
      expect(search.inputSchema.required).toEqual(['query']);
      expect(search.inputSchema.properties.limit).toMatchObject({ type: 'integer', minimum: 1, maximum: 50, default: 10 });
      expect(describeTool.inputSchema.required).toEqual(['name']);
      expect(call.inputSchema.required).toEqual(['name']);
      expect(search.annotations).toMatchObject({ readOnlyHint: true });
      expect(call.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    }
  });

  it('#13 refuses a tools/list cursor: it issues none', async () => {
    const listed = await rpc(discovery.url, await token(discovery, ''), { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { cursor: 'dG9vbHM6MQ' } });
    expect(listed.body.error).toMatchObject({ code: -32602 });
  });

  it('#13 search_tools shows the tools the caller may use, and those a step-up would give with requiredScopes, never those a role forbids', async () => {
    const response = await meta('search_tools', { query: 'pet owners', limit: 50 }, await token(discovery, 'pets:read'));
    expect(response.status).toBe(200);
    const result = response.body.result;
    expect(result.isError).toBeUndefined();
    // list_owners (role admin) and audit_owners (role auditor) never appear; create_pet and delete_pet need scopes.
    expect([...result.structuredContent.tools].sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name))).toEqual([
      { name: 'create_pet', title: 'Create a pet', summary: 'Adds a pet, with its owner and children.', readOnly: false, destructive: false, requiredScopes: ['pets:write'] },
      { name: 'delete_pet', title: 'Delete a pet', summary: 'Deletes a pet for good.', readOnly: false, destructive: true, requiredScopes: ['pets:admin', 'owners:write'] },
      { name: 'get_pet', title: 'Get a pet', summary: 'Returns one pet by its id.', readOnly: true, destructive: false },
    ]);
    const text = result.content[0].text as string;
    expect(text).toContain('- get_pet: Returns one pet by its id. [read-only]');
    expect(text).toContain('- create_pet: Adds a pet, with its owner and children. [needs a step-up to scopes: pets:write]');
    expect(text).not.toMatch(/list_owners|audit_owners/);
    expect(upstream.received).toHaveLength(0);
  });

  it('#13 search_tools shows a role-holding caller the tools of its role, and no requiredScopes for what it may call', async () => {
    const response = await meta('search_tools', { query: 'owners' }, await token(discovery, 'owners:read', ['admin', 'auditor']));
    const found = response.body.result.structuredContent.tools.map((tool: { name: string; requiredScopes?: string[] }) => [tool.name, tool.requiredScopes]);
    expect(found).toEqual(expect.arrayContaining([['list_owners', undefined], ['audit_owners', undefined]]));
  });

  it('#13 search_tools honours limit and refuses bad arguments as a tool error', async () => {
    const bearer = await token(discovery, 'pets:admin owners:write');
    const one = await meta('search_tools', { query: 'pet', limit: 1 }, bearer);
    expect(one.body.result.structuredContent.tools).toHaveLength(1);
    for (const [args, message] of [
      [{}, '/query: is required'],
      [{ query: 'pet', limit: 51 }, '/limit: must be an integer from 1 to 50'],
      [{ query: 'pet', limit: 0 }, '/limit: must be an integer from 1 to 50'],
      [{ query: 'x'.repeat(501) }, '/query: must be at most 500 characters'],
      [{ query: 'pet', extra: 1 }, '/extra: is not an allowed property'],
    ] as const) {
      const refused = await meta('search_tools', args, bearer);
      expect(refused.body.result.isError).toBe(true);
      expect(refused.body.result.content[0].text).toContain(message);
    }
  });

  it('#13 describe_tool gives the published schema, annotations and requiredScopes of a step-up-able tool', async () => {
    const response = await meta('describe_tool', { name: 'create_pet' }, await token(discovery, 'pets:read'));
    const described = response.body.result.structuredContent;
    expect(described).toMatchObject({ name: 'create_pet', description: 'Adds a pet, with its owner and children.', annotations: { readOnlyHint: false }, requiredScopes: ['pets:write'] });
    expect(described.inputSchema).toMatchObject({ type: 'object', required: ['body'], $defs: { Pet: expect.any(Object) } });
    expect(JSON.parse(response.body.result.content[0].text)).toEqual(described);
    const usable = await meta('describe_tool', { name: 'get_pet' }, await token(discovery, 'pets:read'));
    expect(usable.body.result.structuredContent.requiredScopes).toBeUndefined();
  });

  it('#13 describe_tool answers a role-forbidden tool exactly as one that does not exist', async () => {
    const bearer = await token(discovery, 'pets:admin owners:read owners:write');
    const forbidden = await meta('describe_tool', { name: 'list_owners' }, bearer);
    const unknown = await meta('describe_tool', { name: 'no_such_tool' }, bearer);
    expect(forbidden.status).toBe(200);
    expect(forbidden.body.result).toEqual({ isError: true, content: [{ type: 'text', text: 'Unknown tool: "list_owners". Use search_tools to find the tools you may use.' }] });
    expect(JSON.stringify(unknown.body.result).replace('no_such_tool', 'list_owners')).toBe(JSON.stringify(forbidden.body.result));
  });

  it('#13 call_tool returns exactly what tools/call of the tool returns, and the audit names the tool it ran', async () => {
    const bearer = await token(discovery, 'pets:read');
    const direct = await rpc(discovery.url, bearer, toolsCall('get_pet', { petId: 7 }, 1));
    const viaMeta = await meta('call_tool', { name: 'get_pet', arguments: { petId: 7 } }, bearer, 2);
    expect(direct.body.result.isError).toBeUndefined();
    expect(viaMeta.body.result).toEqual(direct.body.result);
    expect(upstream.received.map((request) => `${request.method} ${request.url}`)).toEqual(['GET /api/pets/7', 'GET /api/pets/7']);
    const lines = await auditLines(discovery, 2);
    expect(lines[0]).toMatchObject({ method: 'tools/call', tool: 'get_pet', decision: 'allow', reason: 'ok', upstreamStatus: 200 });
    expect(lines[0]!).not.toHaveProperty('via');
    expect(lines[1]).toMatchObject({ method: 'tools/call', tool: 'get_pet', via: 'call_tool', decision: 'allow', reason: 'ok', requiredScopes: [], upstreamStatus: 200 });
  });

  it('#13 call_tool of a tool lacking scopes is answered 403 insufficient_scope with the challenge, before anything runs', async () => {
    const response = await meta('call_tool', { name: 'create_pet', arguments: { body: { name: 'Rex' } } }, await token(discovery, 'pets:read'), 'c1');
    expect(response.status).toBe(403);
    const challenge = bearerChallengeParams(response.headers.get('www-authenticate')!);
    expect(challenge).toMatchObject({ error: 'insufficient_scope', scope: 'pets:write pets:read', error_description: 'The access token lacks scopes needed by create_pet' });
    expect(response.body).toMatchObject({ id: 'c1', error: { message: 'Forbidden: The access token lacks scopes needed by create_pet' } });
    expect(upstream.received).toHaveLength(0);
    const [line] = await auditLines(discovery);
    expect(line).toMatchObject({ method: 'tools/call', tool: 'create_pet', via: 'call_tool', decision: 'deny', reason: 'insufficient_scope', requiredScopes: [['pets:write']] });
  });

  it('#13 call_tool of the same tool with the stepped-up token runs it', async () => {
    const response = await meta('call_tool', { name: 'create_pet', arguments: { body: { name: 'Rex' } } }, await token(discovery, 'pets:read pets:write'));
    expect(response.status).toBe(200);
    expect(response.body.result.isError).toBeUndefined();
    expect(upstream.received.map((request) => `${request.method} ${request.url}`)).toEqual(['POST /api/pets']);
    expect(JSON.parse(upstream.received[0]!.body.toString())).toEqual({ name: 'Rex' });
  });

  it('#13 call_tool of a role-forbidden tool answers as for an unknown tool, runs nothing, and is audited as a role refusal', async () => {
    const bearer = await token(discovery, 'pets:admin owners:read owners:write');
    const forbidden = await meta('call_tool', { name: 'audit_owners', arguments: {} }, bearer);
    const unknown = await meta('call_tool', { name: 'no_such_tool', arguments: {} }, bearer, 2);
    expect(forbidden.status).toBe(200);
    expect(forbidden.body.result).toEqual({ isError: true, content: [{ type: 'text', text: 'Unknown tool: "audit_owners". Use search_tools to find the tools you may use.' }] });
    expect(JSON.stringify(unknown.body.result).replace('no_such_tool', 'audit_owners')).toBe(JSON.stringify(forbidden.body.result));
    expect(upstream.received).toHaveLength(0);
    const lines = await auditLines(discovery, 2);
    expect(lines[0]).toMatchObject({ tool: 'audit_owners', via: 'call_tool', decision: 'deny', reason: 'role' });
    expect(lines[1]).toMatchObject({ tool: 'no_such_tool', via: 'call_tool', decision: 'deny', reason: 'unknown_tool' });
  });

  it('#13 call_tool with bad arguments is refused by validation before the upstream', async () => {
    const bearer = await token(discovery, 'pets:read');
    for (const args of [{ petId: 'seven' }, { petId: 0 }, {}, { petId: 7, extra: true }]) {
      const response = await meta('call_tool', { name: 'get_pet', arguments: args }, bearer);
      expect(response.status).toBe(200);
      expect(response.body.result.isError).toBe(true);
      expect(response.body.result.content[0].text).toMatch(/^\/(petId|extra)?: /);
    }
    const notAnObject = await meta('call_tool', { name: 'get_pet', arguments: [7] }, bearer);
    expect(notAnObject.body.result).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('/arguments: must be an object') }] });
    const noName = await meta('call_tool', { arguments: { petId: 7 } }, bearer);
    expect(noName.body.result).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('/name: is required') }] });
    expect(upstream.received).toHaveLength(0);
  });

  it('#13 call_tool keeps arguments named __proto__ as sent, so validation refuses them like tools/call does', async () => {
    const bearer = await token(discovery, 'pets:read');
    const body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"call_tool","arguments":{"name":"get_pet","arguments":{"petId":7,"__proto__":{"x":1}}}}}`;
    const response = await fetch(discovery.url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': '2025-11-25', Authorization: `Bearer ${bearer}` }, body });
    const answer = (await response.json()) as any;
    expect(answer.result).toMatchObject({ isError: true, content: [{ text: '/__proto__: is not an allowed property' }] });
    expect(upstream.received).toHaveLength(0);
  });

  it('#13 a tool is still called directly by name in discovery mode, through the same checks', async () => {
    const stepUp = await rpc(discovery.url, await token(discovery, 'pets:read'), toolsCall('create_pet', { body: { name: 'Rex' } }));
    expect(stepUp.status).toBe(403);
    const forbidden = await rpc(discovery.url, await token(discovery, 'pets:read'), toolsCall('list_owners', {}));
    expect(forbidden.body.result).toMatchObject({ isError: true, content: [{ text: 'You are not permitted to use this tool.' }] });
    expect(upstream.received).toHaveLength(0);
  });

  it('#13 search_tools and describe_tool are audited under their own names, allowed', async () => {
    await meta('search_tools', { query: 'pet' }, await token(discovery, 'pets:read'));
    const [line] = await auditLines(discovery);
    expect(line).toMatchObject({ method: 'tools/call', tool: 'search_tools', decision: 'allow', reason: 'ok' });
    expect(line).not.toHaveProperty('requiredScopes');
  });
});

describe('#13 TOOL_MODE auto and direct', () => {
  it('#13 auto offers the meta-tools to a caller who may use more than TOOL_MODE_THRESHOLD tools, the tools otherwise', async () => {
    const auto = await startProtected(as, `${upstream.origin}/api`, { TOOL_MODE_THRESHOLD: '1' }, {}, discoveryDefinition());
    try {
      // No scopes: get_pet only (1 tool, not more than 1) → direct; pets:write adds create_pet (2 tools) → discovery.
      const few = await token(auto, '');
      const many = await token(auto, 'pets:write');
      expect(names(await rpc(auto.url, few, TOOLS_LIST))).toEqual(['get_pet']);
      expect(names(await rpc(auto.url, many, TOOLS_LIST))).toEqual(META);
      // tools/call agrees with tools/list: call_tool is no tool for the caller served directly.
      const direct = await rpc(auto.url, few, toolsCall('call_tool', { name: 'get_pet', arguments: { petId: 7 } }));
      expect(direct.body.error).toMatchObject({ code: -32602, message: expect.stringContaining('Unknown tool: call_tool') });
      const viaMeta = await rpc(auto.url, many, toolsCall('call_tool', { name: 'get_pet', arguments: { petId: 7 } }));
      expect(viaMeta.body.result.isError).toBeUndefined();
      expect(upstream.received).toHaveLength(1);
      const lines = await auditLines(auto, 4);
      expect(lines[2]).toMatchObject({ tool: 'call_tool', decision: 'deny', reason: 'unknown_tool' });
      expect(lines[3]).toMatchObject({ tool: 'get_pet', via: 'call_tool', decision: 'allow' });
    } finally {
      await auto.close();
    }
  });

  it('#13 auto with the default threshold (64) serves a small API directly, unchanged', async () => {
    const auto = await startProtected(as, `${upstream.origin}/api`, {}, {}, discoveryDefinition());
    try {
      expect(names(await rpc(auto.url, await token(auto, 'pets:admin owners:write'), TOOLS_LIST))).toEqual(['get_pet', 'create_pet', 'delete_pet']);
    } finally {
      await auto.close();
    }
  });

  it('#13 TOOL_MODE=direct lists the tools themselves, paginated, and knows no meta-tool, however many tools the caller sees', async () => {
    const direct = await startProtected(as, `${upstream.origin}/api`, { TOOL_MODE: 'direct', TOOL_MODE_THRESHOLD: '0', MCP_TOOLS_PAGE_SIZE: '2' }, {}, discoveryDefinition());
    try {
      const bearer = await token(direct, 'pets:admin owners:write');
      const first = await rpc(direct.url, bearer, TOOLS_LIST);
      expect(names(first)).toEqual(['get_pet', 'create_pet']);
      const second = await rpc(direct.url, bearer, { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { cursor: first.body.result.nextCursor } });
      expect(names(second)).toEqual(['delete_pet']);
      const search = await rpc(direct.url, bearer, toolsCall('search_tools', { query: 'pet' }));
      expect(search.body.error).toMatchObject({ code: -32602, message: expect.stringContaining('Unknown tool: search_tools') });
    } finally {
      await direct.close();
    }
  });
});

describe('#13 discovery without caller authorization, and an API tool named like a meta-tool', () => {
  it('#13 the meta-tools keep their names; call_tool reaches the API tool of the same name; every tool is discoverable', async () => {
    const base = discoveryDefinition();
    const definition = { ...base, tools: [...base.tools, { ...base.tools[0]!, name: 'search_tools', title: 'Find a pet', description: 'Finds a pet by id.' }] };
    const settings = readSettings({ PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api`, AUTH_MODE: 'none', LOG_LEVEL: 'error', TOOL_MODE: 'discovery' }, definition);
    const audit: AuditRecord[] = [];
    const server = await startHttpServer(definition, settings, { audit: (record) => audit.push(record) });
    try {
      expect(names(await rpc(server.url, undefined, TOOLS_LIST))).toEqual(META);
      const found = await rpc(server.url, undefined, toolsCall('search_tools', { query: 'pet owners', limit: 50 }));
      const tools = found.body.result.structuredContent.tools as { name: string; requiredScopes?: string[] }[];
      // No authorization: every tool, none with requiredScopes, the API's search_tools among them.
      expect(tools.map((tool) => tool.name).sort()).toEqual(['audit_owners', 'create_pet', 'delete_pet', 'get_pet', 'list_owners', 'search_tools']);
      expect(tools.every((tool) => tool.requiredScopes === undefined)).toBe(true);
      const ran = await rpc(server.url, undefined, toolsCall('call_tool', { name: 'search_tools', arguments: { petId: 3 } }));
      expect(ran.body.result.isError).toBeUndefined();
      expect(upstream.received.map((request) => `${request.method} ${request.url}`)).toEqual(['GET /api/pets/3']);
      for (let i = 0; i < 100 && audit.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(audit[2]).toMatchObject({ tool: 'search_tools', via: 'call_tool', decision: 'allow', reason: 'auth_disabled', upstreamStatus: 200 });
    } finally {
      await server.close();
    }
  });
});

describe('#13 settings and summaries', () => {
  const env = { UPSTREAM_BASE_URL: 'https://api.example.com', AUTH_MODE: 'none' };

  it('#13 TOOL_MODE defaults to auto and TOOL_MODE_THRESHOLD to 64; malformed values refuse the start naming the variable', () => {
    const definition = discoveryDefinition();
    expect(readSettings(env, definition)).toMatchObject({ toolMode: 'auto', toolModeThreshold: 64 });
    expect(readSettings({ ...env, TOOL_MODE: 'Discovery', TOOL_MODE_THRESHOLD: '0' }, definition)).toMatchObject({ toolMode: 'discovery', toolModeThreshold: 0 });
    expect(() => readSettings({ ...env, TOOL_MODE: 'lazy' }, definition)).toThrow(SettingError);
    expect(() => readSettings({ ...env, TOOL_MODE: 'lazy' }, definition)).toThrow(/TOOL_MODE.*"lazy" is not one of direct, discovery, auto/);
    expect(() => readSettings({ ...env, TOOL_MODE_THRESHOLD: '-1' }, definition)).toThrow(/TOOL_MODE_THRESHOLD/);
  });

  it('#13 auto decides once per set of scopes and roles with caller authorization, on every request with another policy', () => {
    const tools = discoveryDefinition().tools;
    let checks = 0;
    const canSee = (caller: { scopes: readonly string[] }, tool: { scopes: readonly (readonly string[])[]; roles: readonly string[] }) => {
      checks++;
      if (tool.roles.length > 0) return false;
      return tool.scopes.length === 0 || tool.scopes.some((alternative) => alternative.every((scope) => caller.scopes.includes(scope)));
    };
    const remembered = toolModeDecider({ mode: 'auto', threshold: 1 }, tools, canSee, true);
    expect(remembered({ scopes: ['pets:write'], roles: [] })).toBe(true);
    expect(remembered({ scopes: [], roles: [] })).toBe(false);
    const afterTwo = checks;
    expect(remembered({ subject: 'bob', scopes: ['pets:write'], roles: [] })).toBe(true);
    expect(remembered({ scopes: [], roles: [] })).toBe(false);
    expect(checks).toBe(afterTwo);
    const fresh = toolModeDecider({ mode: 'auto', threshold: 1 }, tools, canSee, false);
    fresh({ scopes: [], roles: [] });
    const once = checks;
    fresh({ scopes: [], roles: [] });
    expect(checks).toBe(once + (once - afterTwo));
  });

  it('#13 a summary is the first sentence of the description, else the title, on one line and bounded', () => {
    expect(summaryOf({ name: 'x', title: 'Get a pet', description: 'Long. Text.' })).toBe('Long.');
    expect(summaryOf({ name: 'x', title: 'Get a pet', description: ' ' })).toBe('Get a pet');
    expect(summaryOf({ name: 'x', description: 'Returns one pet.\nThe pet must exist.' })).toBe('Returns one pet.');
    expect(summaryOf({ name: 'x', description: 'Version 1.2 of the\n  thing' })).toBe('Version 1.2 of the thing');
    expect(summaryOf({ name: 'get_x', description: '' })).toBe('get_x');
    const long = summaryOf({ name: 'x', description: 'word '.repeat(100) });
    expect(long).toHaveLength(160);
    expect(long.endsWith('…')).toBe(true);
  });
});
