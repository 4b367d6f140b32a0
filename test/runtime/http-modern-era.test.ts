/**
 * #10 The 2026-07-28 era over HTTP, raw on the wire: server/discover, per-request `_meta`, the Mcp-Method / Mcp-Name
 * headers checked against the body, results with `resultType` and caching hints, version errors, batches refused,
 * W3C trace context carried upstream and into the audit — with the same authorization as the legacy era.
 */

import { describe, expect, it } from 'vitest';
import type { RecordingUpstream } from '../support/upstream.js';
import { bearerChallengeParams } from '../support/challenge.js';
import type { ScriptedIssuer } from '../support/scripted-issuer.js';
import { rpc, startProtected, useProtectedStack } from './fixtures/protected.js';
import type { ProtectedServer } from './fixtures/protected.js';

const MODERN = '2026-07-28';
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01';

let as: ScriptedIssuer;
let upstream: RecordingUpstream;
let mcp: ProtectedServer;

useProtectedStack((stack) => ({ as, upstream, mcp } = stack));

/** A 2026-07-28 request: the `_meta` envelope in the body, the standard headers mirroring it. */
function modern(method: string, params: Record<string, unknown> = {}, id: number | string = 1) {
  const meta = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {}, ...(params._meta as object | undefined) };
  const body = { jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } };
  const name = typeof params.name === 'string' ? params.name : undefined;
  const headers: Record<string, string> = { 'MCP-Protocol-Version': MODERN, 'Mcp-Method': method, ...(name === undefined ? {} : { 'Mcp-Name': name }) };
  return { body, headers };
}

async function send(request: { body: unknown; headers: Record<string, string> }, token?: string) {
  return rpc(mcp.url, token ?? (await as.mint(mcp.server.publicUrl, { claims: { scope: 'pets:read pets:write' } })), request.body, request.headers);
}

async function auditLines(count = 1) {
  for (let i = 0; i < 100 && mcp.audit.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return mcp.audit;
}

describe('#10 the 2026-07-28 era on the one endpoint', () => {
  it('#10 answers server/discover with the versions it speaks, its capabilities and identity, as a complete cacheable result', async () => {
    const response = await send(modern('server/discover'));
    expect(response.status).toBe(200);
    expect(response.body.result).toMatchObject({
      resultType: 'complete',
      supportedVersions: expect.arrayContaining([MODERN]),
      capabilities: { tools: {} },
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: expect.any(String), version: expect.any(String) } },
    });
    expect(response.body.result.ttlMs).toBeGreaterThanOrEqual(0);
  });

  it('#10 lists tools with resultType, ttlMs and cacheScope private on every page, filtered by the caller and in the same order each time', async () => {
    const first = await send(modern('tools/list'));
    expect(first.status).toBe(200);
    expect(first.body.result).toMatchObject({ resultType: 'complete', ttlMs: 60_000, cacheScope: 'private' });
    const names = first.body.result.tools.map((tool: { name: string }) => tool.name);
    // pets:read pets:write, no roles: no tool that needs a role or another scope.
    expect(names).toEqual(['get_pet', 'create_pet']);
    const again = await send(modern('tools/list'));
    expect(again.body.result.tools.map((tool: { name: string }) => tool.name)).toEqual(names);
  });

  it('#10 puts ttlMs and cacheScope private on every tools/list page, the next ones included', async () => {
    const paged = await startProtected(as, `${upstream.origin}/api`, { MCP_TOOLS_PAGE_SIZE: '1' });
    try {
      const token = await as.mint(paged.server.publicUrl, { claims: { scope: 'pets:read pets:write' } });
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const request = modern('tools/list', cursor === undefined ? {} : { cursor });
        const page = await rpc(paged.url, token, request.body, request.headers);
        expect(page.status).toBe(200);
        expect(page.body.result).toMatchObject({ resultType: 'complete', ttlMs: 60_000, cacheScope: 'private' });
        names.push(...page.body.result.tools.map((tool: { name: string }) => tool.name));
        cursor = page.body.result.nextCursor;
      } while (cursor !== undefined);
      expect(names).toEqual(['get_pet', 'create_pet']);
    } finally {
      await paged.close();
    }
  });

  it('#10 calls a tool with resultType complete, sends no token upstream, and carries the traceparent of _meta upstream and into the audit', async () => {
    const response = await send(modern('tools/call', { name: 'get_pet', arguments: { petId: 7 }, _meta: { traceparent: TRACEPARENT } }));
    expect(response.status).toBe(200);
    expect(response.body.result.resultType).toBe('complete');
    expect(response.body.result.isError).toBeUndefined();
    const sent = upstream.received.at(-1)!;
    expect(sent.url).toBe('/api/pets/7');
    expect(sent.headers.traceparent).toBe(TRACEPARENT);
    expect(sent.headers.authorization).toBeUndefined();
    const [line] = await auditLines();
    expect(line).toMatchObject({ method: 'tools/call', tool: 'get_pet', decision: 'allow', traceId: '0af7651916cd43dd8448eb211c80319c' });
  });

  it('#10 forwards no traceparent that is not a valid W3C version-00 value', async () => {
    for (const traceparent of ['00-00000000000000000000000000000000-00f067aa0ba902b7-01', '00-0AF7651916CD43DD8448EB211C80319C-00f067aa0ba902b7-01', 'x\r\ninjected: 1', 42]) {
      upstream.received.length = 0;
      mcp.audit.length = 0;
      const response = await send(modern('tools/call', { name: 'get_pet', arguments: { petId: 7 }, _meta: { traceparent } }));
      expect(response.status).toBe(200);
      expect(upstream.received.at(-1)!.headers.traceparent).toBeUndefined();
      expect((await auditLines())[0]!.traceId).toBeUndefined();
    }
  });

  it('#10 answers HTTP 400 HeaderMismatch (-32020) when Mcp-Method or Mcp-Name disagree with the body or are missing, before anything runs', async () => {
    const call = modern('tools/call', { name: 'get_pet', arguments: { petId: 7 } });
    const cases: Record<string, string | undefined>[] = [
      { 'Mcp-Method': 'tools/list' },
      { 'Mcp-Name': 'create_pet' },
      { 'Mcp-Name': `=?base64?${Buffer.from('create_pet').toString('base64')}?=` },
      { 'Mcp-Name': undefined },
      { 'Mcp-Method': undefined },
    ];
    for (const change of cases) {
      mcp.audit.length = 0;
      const headers = { ...call.headers, ...change };
      for (const [name, value] of Object.entries(change)) if (value === undefined) delete headers[name];
      const response = await send({ body: call.body, headers: headers as Record<string, string> });
      expect(response.status, JSON.stringify(change)).toBe(400);
      expect(response.body.error.code, JSON.stringify(change)).toBe(-32020);
      expect((await auditLines())[0]).toMatchObject({ decision: 'deny', reason: 'header_mismatch' });
    }
    expect(upstream.received).toHaveLength(0);
  });

  it('#10 accepts Mcp-Name in the base64 form when it decodes to the body name', async () => {
    const call = modern('tools/call', { name: 'get_pet', arguments: { petId: 7 } });
    const response = await send({ body: call.body, headers: { ...call.headers, 'Mcp-Name': `=?base64?${Buffer.from('get_pet').toString('base64')}?=` } });
    expect(response.status).toBe(200);
    expect(response.body.result.isError).toBeUndefined();
  });

  it('#10 answers an unsupported version in _meta with UnsupportedProtocolVersion (-32022), listing the versions to retry with', async () => {
    const request = modern('tools/list');
    const body = { ...request.body, params: { _meta: { ...request.body.params._meta, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } } };
    const response = await send({ body, headers: { ...request.headers, 'MCP-Protocol-Version': '2099-01-01' } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe(-32022);
    expect(response.body.error.data).toMatchObject({ supported: expect.arrayContaining([MODERN]), requested: '2099-01-01' });
    expect((await auditLines())[0]).toMatchObject({ decision: 'deny', reason: 'unsupported_protocol_version' });
  });

  it('#10 refuses a JSON-RPC batch under 2026-07-28, which has none', async () => {
    const first = modern('tools/list', {}, 1);
    const response = await send({ body: [first.body, modern('tools/list', {}, 2).body], headers: first.headers });
    expect(response.status).toBe(400);
    expect(upstream.received).toHaveLength(0);
  });

  it('#10 reports an unknown tool as invalid params whose message carries no "MCP error" prefix', async () => {
    const response = await send(modern('tools/call', { name: 'no_such_tool', arguments: {} }));
    expect(response.body.error).toEqual({ code: -32602, message: 'Unknown tool: no_such_tool' });
  });

  it('#10 passes arguments named constructor and __proto__ to the tool as sent', async () => {
    const call = modern('tools/call', { name: 'get_pet', arguments: {} });
    const text = JSON.stringify(call.body).replace('"arguments":{}', '"arguments":{"petId":7,"__proto__":{"polluted":true}}');
    const response = await fetch(mcp.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${await as.mint(mcp.server.publicUrl, { claims: { scope: 'pets:read' } })}`, ...call.headers },
      body: text,
    });
    const answer = (await response.json()) as { result: { isError?: boolean; content: { text: string }[] } };
    // get_pet takes no __proto__ argument: the tool's schema refuses it, rather than the argument vanishing unseen.
    expect(answer.result.isError).toBe(true);
    expect(answer.result.content[0]!.text).toContain('__proto__');
    expect(upstream.received).toHaveLength(0);
  });

  it('#10 authorizes exactly as in the legacy era: 401 without a token, 403 insufficient_scope step-up, role refusal as a tool error', async () => {
    const unauthenticated = await rpc(mcp.url, undefined, modern('tools/list').body, modern('tools/list').headers);
    expect(unauthenticated.status).toBe(401);
    expect(bearerChallengeParams(unauthenticated.headers.get('www-authenticate')).resource_metadata).toContain('/.well-known/oauth-protected-resource/mcp');

    const readOnly = await as.mint(mcp.server.publicUrl, { claims: { scope: 'pets:read' } });
    const stepUp = await send(modern('tools/call', { name: 'create_pet', arguments: { name: 'Rex' } }), readOnly);
    expect(stepUp.status).toBe(403);
    expect(bearerChallengeParams(stepUp.headers.get('www-authenticate'))).toMatchObject({ error: 'insufficient_scope', scope: expect.stringContaining('pets:write') });

    const role = await send(modern('tools/call', { name: 'list_owners', arguments: {} }));
    expect(role.status).toBe(200);
    expect(role.body.result.isError).toBe(true);
    expect(upstream.received).toHaveLength(0);
    const lines = await auditLines(3);
    expect(lines.map((line) => line.reason)).toEqual(['missing_token', 'insufficient_scope', 'role']);
  });

  it('#10 audits GET on the endpoint, answered 405, as a refusal', async () => {
    const token = await as.mint(mcp.server.publicUrl, { claims: { scope: 'pets:read' } });
    const response = await fetch(mcp.url, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } });
    expect(response.status).toBe(405);
    expect((await auditLines())[0]).toMatchObject({ decision: 'deny', reason: 'method_not_allowed' });
  });
});
