/** The audit of one HTTP request (audit-trail.ts): its entries, refusals, and the lines written. */

import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../templates/runtime/audit.js';
import { createAuditTrail, denyAll, recordUpstreamStatus, refusalReason } from '../../templates/runtime/audit-trail.js';
import type { ToolDefinition } from '../../templates/runtime/definition.js';

const TOOLS = new Map([['create_pet', { name: 'create_pet', scopes: [['pets:write']], roles: [] } as unknown as ToolDefinition]]);
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const request = (headers: Record<string, string> = {}) => ({ headers }) as unknown as IncomingMessage;

/** An audit trail writing into an array. */
function recording(protect: boolean) {
  const records: AuditRecord[] = [];
  return { records, trail: createAuditTrail((record) => void records.push(record), TOOLS, protect) };
}

describe('audit-trail', () => {
  it('#10 names the reason of each refusal of the MCP layer by its JSON-RPC error code', () => {
    const cases: [number, number | undefined, string][] = [
      [400, -32020, 'header_mismatch'],
      [400, -32021, 'missing_client_capability'],
      [400, -32022, 'unsupported_protocol_version'],
      [400, -32700, 'parse_error'],
      [400, -32600, 'invalid_request'],
      [404, undefined, 'invalid_request'],
      [500, -32603, 'internal_error'],
      [503, undefined, 'internal_error'],
    ];
    expect(cases.map(([status, errorCode]) => refusalReason({ status, errorCode }))).toEqual(cases.map(([, , reason]) => reason));
  });

  it('#10 keeps one entry per JSON-RPC message: method, tool, its scopes, trace id; an unknown tool is refused', () => {
    const { trail: audit } = recording(true);
    const trail = audit.start(request({ 'x-request-id': 'req-1' }));
    const messages = audit.messages(
      [
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'create_pet', _meta: { traceparent: TRACEPARENT } } },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'nope' } },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 3, result: {} },
        'not a message',
      ],
      trail,
    );
    expect(trail.requestId).toBe('req-1');
    expect(trail.entries).toEqual([
      { id: 1, method: 'tools/call', decision: 'allow', reason: 'ok', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', tool: 'create_pet', requiredScopes: [['pets:write']] },
      { id: 2, method: 'tools/call', decision: 'deny', reason: 'unknown_tool', tool: 'nope' },
      { id: undefined, method: 'notifications/initialized', decision: 'allow', reason: 'ok' },
    ]);
    expect(messages.map(({ id, tool }) => [id, tool?.name])).toEqual([
      [1, 'create_pet'],
      [2, undefined],
      [undefined, undefined],
    ]);
  });

  it('#10 cuts long method and tool names in the audit', () => {
    const { trail: audit } = recording(false);
    const trail = audit.start(request());
    audit.messages({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x'.repeat(500) } }, trail);
    audit.messages({ jsonrpc: '2.0', id: 2, method: 'm'.repeat(500) }, trail);
    expect(trail.entries.map((entry) => [entry.tool?.length, entry.method?.length])).toEqual([
      [200, 10],
      [undefined, 100],
    ]);
  });

  it('#10 refuses the entries still allowed, all of them, or records one refusal when the body is not known', () => {
    const { trail: audit } = recording(true);
    const trail = audit.start(request());
    denyAll(trail, 'missing_token');
    expect(trail.entries).toEqual([{ decision: 'deny', reason: 'missing_token' }]);

    const batch = audit.start(request());
    audit.messages([{ id: 1, method: 'tools/call', params: { name: 'create_pet' } }, { id: 2, method: 'tools/call', params: { name: 'nope' } }], batch);
    denyAll(batch, 'batch_refused');
    expect(batch.entries.map((entry) => entry.reason)).toEqual(['batch_refused', 'unknown_tool']);
    denyAll(batch, 'rate_limited', true);
    expect(batch.entries.map((entry) => [entry.decision, entry.reason])).toEqual([
      ['deny', 'rate_limited'],
      ['deny', 'rate_limited'],
    ]);
  });

  it('#10 writes one line per entry with the caller, never the JSON-RPC id; granted scopes only with authorization on', () => {
    const { records, trail: audit } = recording(true);
    const trail = audit.start(request({ 'x-request-id': 'req-2' }));
    trail.caller = { subject: 'alice', clientId: 'app', scopes: ['pets:write'], roles: [] };
    audit.messages({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'create_pet' } }, trail);
    recordUpstreamStatus(trail, 7, 201);
    recordUpstreamStatus(trail, 8, 500);
    audit.write(trail);
    expect(records).toEqual([
      {
        time: new Date(trail.started).toISOString(),
        requestId: 'req-2',
        subject: 'alice',
        clientId: 'app',
        method: 'tools/call',
        decision: 'allow',
        reason: 'ok',
        tool: 'create_pet',
        requiredScopes: [['pets:write']],
        upstreamStatus: 201,
        grantedScopes: ['pets:write'],
        durationMs: expect.any(Number),
      },
    ]);

    const open = recording(false);
    const anonymous = open.trail.start(request({ 'x-request-id': 'req-3' }));
    anonymous.caller = { scopes: ['ignored'], roles: [] };
    open.trail.write(anonymous);
    expect(open.records).toEqual([{ time: expect.any(String), requestId: 'req-3', decision: 'allow', reason: 'auth_disabled', durationMs: expect.any(Number) }]);
  });

  it('#10 writes nothing for a request that reached no decision (a probe, a 404)', () => {
    const { records, trail: audit } = recording(true);
    audit.write(audit.start(request()));
    expect(records).toEqual([]);
  });
});
