/**
 * #12 The sealed consent state on the wire (raw 2026-07-28 JSON-RPC): a state that is forged, altered, expired,
 * replayed, or presented by another caller, for another tool or other arguments is refused with nothing sent upstream
 * and the audit saying why; replicas sharing CONSENT_KEY accept each other's approvals, others do not.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConsentSealer, decodeConsentKey } from '../../templates/runtime/consent-state.js';
import { memorySingleUseRecord } from '../../templates/runtime/single-use.js';
import type { SingleUseRecord } from '../../templates/runtime/single-use.js';
import { startRecordingUpstream } from '../support/upstream.js';
import type { RecordingUpstream } from '../support/upstream.js';
import { startScriptedIssuer } from '../support/scripted-issuer.js';
import type { ScriptedIssuer } from '../support/scripted-issuer.js';
import { consentDefinition } from './fixtures/consent-definition.js';
import { rpc, startProtected } from './fixtures/protected.js';
import type { ProtectedServer } from './fixtures/protected.js';

const MODERN = '2026-07-28';
const KEY = Buffer.alloc(32, 7).toString('base64');
const OTHER_KEY = Buffer.alloc(32, 9).toString('hex');
const ACCEPT = { confirm: { action: 'accept', content: { confirm: true } } };

let as: ScriptedIssuer;
let upstream: RecordingUpstream;
let mcp: ProtectedServer;
let twin: ProtectedServer;
let stranger: ProtectedServer;
let clock = Date.now();

beforeAll(async () => {
  as = await startScriptedIssuer();
  upstream = await startRecordingUpstream();
  const definition = consentDefinition();
  // Replicas: the same key and one shared single-use record (as a Redis record would be), or another key.
  const shared: SingleUseRecord = memorySingleUseRecord();
  mcp = await startProtected(as, `${upstream.origin}/api`, { CONSENT_KEY: KEY, CONSENT_TTL_SECONDS: '60' }, { consent: { now: () => clock, record: shared } }, definition);
  twin = await startProtected(as, `${upstream.origin}/api`, { CONSENT_KEY: KEY }, { consent: { record: shared } }, definition);
  stranger = await startProtected(as, `${upstream.origin}/api`, { CONSENT_KEY: OTHER_KEY }, {}, definition);
});
afterAll(async () => {
  await Promise.all([mcp?.close(), twin?.close(), stranger?.close()]);
  await upstream?.close();
  await as?.close();
});
beforeEach(() => {
  clock = Date.now();
  upstream.received.length = 0;
  for (const server of [mcp, twin, stranger]) server.audit.length = 0;
});

const tokenOf = (server: ProtectedServer, sub = 'alice', clientId = 'desk-app') => as.mint(server.server.publicUrl, { claims: { sub, client_id: clientId, scope: '', tenant: 'acme' } });

/** A raw 2026-07-28 tools/call declaring form elicitation, with the answer and state of a retry when given. */
async function call(server: ProtectedServer, tool: string, args: Record<string, unknown>, retry?: { requestState: string; inputResponses?: unknown }, token?: string) {
  const meta = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } } };
  const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: args, _meta: meta, ...(retry ? { inputResponses: ACCEPT, ...retry } : {}) } };
  const response = await rpc(server.url, token ?? (await tokenOf(server)), body, { 'MCP-Protocol-Version': MODERN, 'Mcp-Method': 'tools/call', 'Mcp-Name': tool });
  expect(response.status).toBe(200);
  return response.body.result;
}

/** The requestState of a first call of `tool` with `args`. */
async function question(server: ProtectedServer, tool = 'delete_ticket', args: Record<string, unknown> = { ticketId: 'T-1' }, token?: string): Promise<string> {
  const result = await call(server, tool, args, undefined, token);
  expect(result).toMatchObject({ resultType: 'input_required', inputRequests: { confirm: { method: 'elicitation/create', params: { mode: 'form' } } } });
  return result.requestState as string;
}

/** The last tools/call audit line of `server`. */
async function lastAudit(server: ProtectedServer) {
  for (let i = 0; i < 200 && !server.audit.some((line) => line.method === 'tools/call' && line.reason !== 'consent_requested'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  const line = server.audit.filter((entry) => entry.method === 'tools/call').at(-1)!;
  return { decision: line.decision, reason: line.reason, consent: line.consent, why: line.why };
}

function expectRefused(result: { isError?: boolean; content: { text: string }[] }, words: string) {
  expect(result.isError).toBe(true);
  expect(result.content[0]!.text).toBe(`The approval for this call is not valid (${words}); call the tool again to ask the user. Nothing was done.`);
}

describe('#12 sealed consent state', () => {
  it('#12 the state is opaque: it does not show the caller, the tool or the arguments', async () => {
    const state = await question(mcp, 'delete_ticket', { ticketId: 'SECRET-TICKET' });
    expect(state).toMatch(/^pc1\.[A-Za-z0-9_-]+$/);
    expect(Buffer.from(state.slice(4), 'base64url').toString('latin1')).not.toMatch(/alice|desk-app|delete_ticket|SECRET/);
  });

  it('#12 an accepted, valid state lets the call through once', async () => {
    const state = await question(mcp);
    const result = await call(mcp, 'delete_ticket', { ticketId: 'T-1' }, { requestState: state });
    expect(result.isError).toBeFalsy();
    expect(upstream.received.map((request) => request.url)).toEqual(['/api/tickets/T-1']);
    expect(await lastAudit(mcp)).toEqual({ decision: 'allow', reason: 'ok', consent: 'approved', why: undefined });
  });

  it('#12 replayed: the same state twice runs the call once; audited why replayed', async () => {
    const state = await question(mcp);
    await call(mcp, 'delete_ticket', { ticketId: 'T-1' }, { requestState: state });
    upstream.received.length = 0;
    expectRefused(await call(mcp, 'delete_ticket', { ticketId: 'T-1' }, { requestState: state }), 'already used');
    expect(upstream.received).toEqual([]);
    expect(await lastAudit(mcp)).toEqual({ decision: 'deny', reason: 'consent_invalid_state', consent: 'invalid_state', why: 'replayed' });
  });

  it('#12 forged: a random state is refused; audited why tampered', async () => {
    const forged = `pc1.${Buffer.from(Array.from({ length: 120 }, (_, index) => (index * 37) % 256)).toString('base64url')}`;
    expectRefused(await call(mcp, 'delete_ticket', { ticketId: 'T-1' }, { requestState: forged }), 'not issued by this server');
    expectRefused(await call(mcp, 'delete_ticket', { ticketId: 'T-1' }, { requestState: 'approved' }), 'not issued by this server');
    expect(upstream.received).toEqual([]);
    expect(await lastAudit(mcp)).toEqual({ decision: 'deny', reason: 'consent_invalid_state', consent: 'invalid_state', why: 'tampered' });
  });

  it('#12 tampered: any one bit flipped anywhere in the sealed bytes is refused', async () => {
    const state = await question(mcp);
    const bytes = Buffer.from(state.slice(4), 'base64url');
    for (const index of [0, 11, 12, Math.floor(bytes.length / 2), bytes.length - 17, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[index]! ^= 0x01;
      expectRefused(await call(mcp, 'delete_ticket', { ticketId: 'T-1' }, { requestState: `pc1.${altered.toString('base64url')}` }), 'not issued by this server');
    }
    expect(upstream.received).toEqual([]);
    // The untouched state still works: nothing above used it up.
    expect((await call(mcp, 'delete_ticket', { ticketId: 'T-1' }, { requestState: state })).isError).toBeFalsy();
  });

  it('#12 expired: a state answered after CONSENT_TTL_SECONDS is refused; audited why expired', async () => {
    const state = await question(mcp);
    clock += 61_000;
    expectRefused(await call(mcp, 'delete_ticket', { ticketId: 'T-1' }, { requestState: state }), 'expired');
    expect(upstream.received).toEqual([]);
    expect(await lastAudit(mcp)).toEqual({ decision: 'deny', reason: 'consent_invalid_state', consent: 'invalid_state', why: 'expired' });
  });

  it('#12 another caller (subject, or client) presenting the state is refused; audited why other_caller', async () => {
    const state = await question(mcp);
    expectRefused(await call(mcp, 'delete_ticket', { ticketId: 'T-1' }, { requestState: state }, await tokenOf(mcp, 'mallory')), 'issued to another caller');
    expectRefused(await call(mcp, 'delete_ticket', { ticketId: 'T-1' }, { requestState: state }, await tokenOf(mcp, 'alice', 'other-app')), 'issued to another caller');
    expect(upstream.received).toEqual([]);
    expect(await lastAudit(mcp)).toEqual({ decision: 'deny', reason: 'consent_invalid_state', consent: 'invalid_state', why: 'other_caller' });
  });

  it('#12 a state for another tool is refused; audited why other_tool', async () => {
    const state = await question(mcp, 'close_ticket');
    expectRefused(await call(mcp, 'delete_ticket', { ticketId: 'T-1' }, { requestState: state }), 'issued for another tool');
    expect(upstream.received).toEqual([]);
    expect(await lastAudit(mcp)).toEqual({ decision: 'deny', reason: 'consent_invalid_state', consent: 'invalid_state', why: 'other_tool' });
  });

  it('#12 changed arguments (another value, an added argument) are refused; audited why other_arguments', async () => {
    const state = await question(mcp, 'delete_ticket', { ticketId: 'T-1' });
    expectRefused(await call(mcp, 'delete_ticket', { ticketId: 'T-2' }, { requestState: state }), 'issued for other arguments');
    expectRefused(await call(mcp, 'delete_ticket', { ticketId: 'T-1', reason: 'spam' }, { requestState: state }), 'issued for other arguments');
    expect(upstream.received).toEqual([]);
    expect(await lastAudit(mcp)).toEqual({ decision: 'deny', reason: 'consent_invalid_state', consent: 'invalid_state', why: 'other_arguments' });
  });

  it('#12 the same arguments in another member order are the same call', async () => {
    const state = await question(mcp, 'delete_ticket', { ticketId: 'T-1', reason: 'spam' });
    expect((await call(mcp, 'delete_ticket', { reason: 'spam', ticketId: 'T-1' }, { requestState: state })).isError).toBeFalsy();
    expect(upstream.received).toHaveLength(1);
  });

  it('#12 a retry without an answer is asked again, not approved', async () => {
    const state = await question(mcp);
    const again = await call(mcp, 'delete_ticket', { ticketId: 'T-1' }, { requestState: state, inputResponses: {} });
    expect(again.resultType).toBe('input_required');
    expect(again.requestState).not.toBe(state);
    expect(upstream.received).toEqual([]);
  });

  it('#12 replicas with the same CONSENT_KEY accept each other\'s approvals; one with another key does not', async () => {
    const state = await question(mcp);
    expectRefused(await call(stranger, 'delete_ticket', { ticketId: 'T-1' }, { requestState: state }, await tokenOf(stranger)), 'not issued by this server');
    expect(upstream.received).toEqual([]);
    expect((await call(twin, 'delete_ticket', { ticketId: 'T-1' }, { requestState: state }, await tokenOf(twin))).isError).toBeFalsy();
    expect(upstream.received).toHaveLength(1);
    // With the record shared, the approval used on one replica cannot be replayed on the other.
    expectRefused(await call(mcp, 'delete_ticket', { ticketId: 'T-1' }, { requestState: state }), 'already used');
    expect(upstream.received).toHaveLength(1);
  });
});

describe('#12 consent state units', () => {
  it('#12 CONSENT_KEY decodes from hex, base64 and base64url, and refuses short or malformed keys', () => {
    const bytes = Buffer.alloc(32, 0xfb);
    for (const text of [bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('base64url').replace(/=+$/, '')]) {
      expect(decodeConsentKey(text)).toEqual({ key: bytes });
    }
    expect(decodeConsentKey(Buffer.alloc(31).toString('base64'))).toEqual({ problem: 'decodes to 31 bytes; it needs at least 32 (e.g. openssl rand -base64 32)' });
    expect(decodeConsentKey('not a key!')).toEqual({ problem: 'is neither hex nor base64/base64url' });
  });

  it('#12 a state sealed under one key never opens under another', () => {
    const claims = { sub: 'alice', cid: null, tool: 't', args: 'x', id: 'i', exp: 1 };
    const one = createConsentSealer(Buffer.alloc(32, 1));
    expect(one.open(one.seal(claims))).toEqual(claims);
    expect(createConsentSealer(Buffer.alloc(32, 2)).open(one.seal(claims))).toBeUndefined();
  });

  it('#12 the in-memory single-use record: a second claim is refused, expired ids are pruned, a full record refuses (fail closed)', async () => {
    let now = 1_000;
    const record = memorySingleUseRecord({ capacity: 2, now: () => now });
    expect(await record.claim('a', 2_000)).toBe(true);
    expect(await record.claim('a', 2_000)).toBe(false);
    expect(await record.claim('b', 5_000)).toBe(true);
    await expect(record.claim('c', 5_000)).rejects.toThrow(/holds 2 unexpired approvals/);
    now = 3_000;
    expect(await record.claim('c', 5_000)).toBe(true);
  });
});
