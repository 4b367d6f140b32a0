/**
 * #12 Consent with the real clients over HTTP: the v2 client pinned to 2026-07-28 (input-required round trip with a
 * sealed requestState), the v1 client on the legacy era with the elicitation capability (elicitation/create on the
 * call's SSE stream, answered by a separate POST), and clients that can do neither — upstream reached only on approval.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import type { RecordingUpstream } from '../support/upstream.js';
import type { ScriptedIssuer } from '../support/scripted-issuer.js';
import { consentDefinition } from './fixtures/consent-definition.js';
import { startProtected, useProtectedStack } from './fixtures/protected.js';
import type { ProtectedServer } from './fixtures/protected.js';

type Answer = { action: 'accept'; content: { confirm: boolean } } | { action: 'decline' } | { action: 'cancel' };

let as: ScriptedIssuer;
let upstream: RecordingUpstream;
let mcp: ProtectedServer;

useProtectedStack((stack) => ({ as, upstream, mcp } = stack), (issuer, upstreamBaseUrl) => startProtected(issuer, upstreamBaseUrl, {}, {}, consentDefinition()));

const token = () => as.mint(mcp.server.publicUrl, { claims: { sub: 'alice', client_id: 'desk-app', scope: '', tenant: 'acme' } });

/** The audit lines of tools/call, once `count` are written. */
async function toolAudit(count: number) {
  const calls = () => mcp.audit.filter((line) => line.method === 'tools/call');
  for (let i = 0; i < 200 && calls().length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return calls().map(({ tool, decision, reason, consent, why }) => ({ tool, decision, reason, consent, ...(why ? { why } : {}) }));
}

/** A v2 client pinned to 2026-07-28; with `answer`, it declares form elicitation and answers every question so. */
async function modernClient(answer?: Answer, questions: string[] = []) {
  const client = new Client({ name: 'consent-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } }, ...(answer ? { capabilities: { elicitation: { form: {} } } } : {}) });
  if (answer) {
    client.setRequestHandler('elicitation/create', (request) => {
      questions.push((request.params as { message: string }).message);
      return Promise.resolve(answer);
    });
  }
  await client.connect(new StreamableHTTPClientTransport(new URL(mcp.url), { requestInit: { headers: { Authorization: `Bearer ${await token()}` } } }));
  return client;
}

/** The v1 client (legacy era only); with `answer`, it declares elicitation and answers every question so. */
async function legacyClient(answer?: Answer, questions: string[] = []) {
  const client = new V1Client({ name: 'consent-v1', version: '1.0.0' }, answer ? { capabilities: { elicitation: { form: {} } } } : {});
  if (answer) {
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      questions.push((request.params as { message: string }).message);
      return Promise.resolve(answer);
    });
  }
  await client.connect(new V1StreamableHTTPClientTransport(new URL(mcp.url), { requestInit: { headers: { Authorization: `Bearer ${await token()}` } } }));
  return client;
}

const textOf = (result: unknown) => ((result as { content: { text: string }[] }).content[0]!.text);
const QUESTION = 'Helpdesk API: Delete a ticket (DELETE /tickets/{ticketId}).\nticketId: "T-42"\nThis cannot be undone.';

describe('#12 consent with a 2026-07-28 client (input required, sealed requestState)', () => {
  it('#12 asks in plain language, and on accept the call goes upstream once; audited requested then approved', async () => {
    const questions: string[] = [];
    const client = await modernClient({ action: 'accept', content: { confirm: true } }, questions);
    const result = await client.callTool({ name: 'delete_ticket', arguments: { ticketId: 'T-42' } });
    await client.close();
    expect(result.isError).toBeFalsy();
    expect(questions).toEqual([QUESTION]);
    expect(upstream.received.map((request) => `${request.method} ${request.url}`)).toEqual(['DELETE /api/tickets/T-42']);
    expect(await toolAudit(2)).toEqual([
      { tool: 'delete_ticket', decision: 'deny', reason: 'consent_requested', consent: 'requested' },
      { tool: 'delete_ticket', decision: 'allow', reason: 'ok', consent: 'approved' },
    ]);
  });

  it('#12 declined: nothing upstream, the result says the user declined; audited consent_declined', async () => {
    const client = await modernClient({ action: 'decline' });
    const result = await client.callTool({ name: 'delete_ticket', arguments: { ticketId: 'T-42' } });
    await client.close();
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('The user declined this action. Nothing was done.');
    expect(upstream.received).toEqual([]);
    expect((await toolAudit(2))[1]).toEqual({ tool: 'delete_ticket', decision: 'deny', reason: 'consent_declined', consent: 'declined' });
  });

  it('#12 cancelled, or accepted without ticking confirm: nothing upstream', async () => {
    const cancelling = await modernClient({ action: 'cancel' });
    const cancelled = await cancelling.callTool({ name: 'delete_ticket', arguments: { ticketId: 'T-42' } });
    await cancelling.close();
    expect(textOf(cancelled)).toBe('The user dismissed the confirmation without approving. Nothing was done.');
    const unticked = await modernClient({ action: 'accept', content: { confirm: false } });
    const declined = await unticked.callTool({ name: 'delete_ticket', arguments: { ticketId: 'T-42' } });
    await unticked.close();
    expect(textOf(declined)).toBe('The user declined this action. Nothing was done.');
    expect(upstream.received).toEqual([]);
    expect((await toolAudit(4)).map((line) => line.reason)).toEqual(['consent_requested', 'consent_cancelled', 'consent_requested', 'consent_declined']);
  });

  it('#12 a tool without consent is not asked about', async () => {
    const questions: string[] = [];
    const client = await modernClient({ action: 'decline' }, questions);
    const result = await client.callTool({ name: 'get_ticket', arguments: { ticketId: 'T-1' } });
    await client.close();
    expect(result.isError).toBeFalsy();
    expect(questions).toEqual([]);
    expect(upstream.received).toHaveLength(1);
  });

  it('#12 a 2026-07-28 client without elicitation is refused before anything goes upstream; audited consent_unsupported', async () => {
    const client = await modernClient();
    const result = await client.callTool({ name: 'delete_ticket', arguments: { ticketId: 'T-42' } });
    await client.close();
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe("This tool needs the user's confirmation, and this client cannot ask for it (it supports neither input requests nor elicitation). Nothing was done.");
    expect(upstream.received).toEqual([]);
    expect(await toolAudit(1)).toEqual([{ tool: 'delete_ticket', decision: 'deny', reason: 'consent_unsupported', consent: 'unsupported' }]);
  });

  it('#12 a bound argument is never shown in the question, even when the consent parts name it', async () => {
    const questions: string[] = [];
    const client = await modernClient({ action: 'accept', content: { confirm: true } }, questions);
    await client.callTool({ name: 'delete_note', arguments: { noteId: 'N-7' } });
    await client.close();
    expect(questions).toEqual(['Helpdesk API: Delete a note (DELETE /tenants/{tenant}/notes/{noteId}).\nnoteId: "N-7"\nThis cannot be undone.']);
    expect(upstream.received.map((request) => request.url)).toEqual(['/api/tenants/acme/notes/N-7']);
  });
});

describe('#12 consent with a legacy client (elicitation/create during the call)', () => {
  it('#12 the v1 client with elicitation is asked and, on accept, the call goes upstream; audited approved', async () => {
    const questions: string[] = [];
    const client = await legacyClient({ action: 'accept', content: { confirm: true } }, questions);
    const result = await client.callTool({ name: 'delete_ticket', arguments: { ticketId: 'T-42' } });
    await client.close();
    expect(result.isError).toBeFalsy();
    expect(questions).toEqual([QUESTION]);
    expect(upstream.received.map((request) => `${request.method} ${request.url}`)).toEqual(['DELETE /api/tickets/T-42']);
    expect(await toolAudit(1)).toEqual([{ tool: 'delete_ticket', decision: 'allow', reason: 'ok', consent: 'approved' }]);
  });

  it('#12 the v1 client declines: nothing upstream, the result says so; audited consent_declined', async () => {
    const client = await legacyClient({ action: 'decline' });
    const result = await client.callTool({ name: 'delete_ticket', arguments: { ticketId: 'T-42' } });
    await client.close();
    expect(textOf(result)).toBe('The user declined this action. Nothing was done.');
    expect(upstream.received).toEqual([]);
    expect(await toolAudit(1)).toEqual([{ tool: 'delete_ticket', decision: 'deny', reason: 'consent_declined', consent: 'declined' }]);
  });

  it('#12 the v1 client without elicitation is refused before anything goes upstream; audited consent_unsupported', async () => {
    const client = await legacyClient();
    const result = await client.callTool({ name: 'delete_ticket', arguments: { ticketId: 'T-42' } });
    await client.close();
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^This tool needs the user's confirmation, and this client cannot ask for it/);
    expect(upstream.received).toEqual([]);
    expect(await toolAudit(1)).toEqual([{ tool: 'delete_ticket', decision: 'deny', reason: 'consent_unsupported', consent: 'unsupported' }]);
  });
});

describe('#12 legacy elicitation on the wire', () => {
  const LEGACY_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': '2025-11-25' };
  const post = (tokenValue: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(mcp.url, { method: 'POST', headers: { ...LEGACY_HEADERS, Authorization: `Bearer ${tokenValue}`, ...headers }, body: JSON.stringify(body) });
  const initialize = (capabilities: Record<string, unknown>) => ({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 'raw', version: '1' } } });

  /** Reads server-sent events from `response` until one holds a message matching `want`. */
  async function nextEvent(reader: ReadableStreamDefaultReader<Uint8Array>, state: { text: string }, want: (message: any) => boolean): Promise<any> {
    const decoder = new TextDecoder();
    for (;;) {
      const events = state.text.split('\n\n');
      state.text = events.pop()!;
      for (const event of events) {
        const data = event.split('\n').find((line) => line.startsWith('data: '));
        if (data) {
          const message = JSON.parse(data.slice(6));
          if (want(message)) return message;
        }
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      state.text += decoder.decode(value, { stream: true });
    }
  }

  it('#12 only an initialize declaring form elicitation gets the marker session id', async () => {
    const tokenValue = await token();
    expect((await post(tokenValue, initialize({ elicitation: {} }))).headers.get('mcp-session-id')).toMatch(/^elicit\.[A-Za-z0-9_-]{22}$/);
    expect((await post(tokenValue, initialize({ elicitation: { url: {} } }))).headers.get('mcp-session-id')).toBeNull();
    expect((await post(tokenValue, initialize({}))).headers.get('mcp-session-id')).toBeNull();
  });

  it('#12 the answer of another caller does not reach the waiting call; the asking caller\'s does', async () => {
    const alice = await token();
    const mallory = await as.mint(mcp.server.publicUrl, { claims: { sub: 'mallory', client_id: 'desk-app', scope: '' } });
    const session = (await post(alice, initialize({ elicitation: { form: {} } }))).headers.get('mcp-session-id')!;
    const response = await post(alice, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'delete_ticket', arguments: { ticketId: 'T-5' } } }, { 'Mcp-Session-Id': session });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    const state = { text: '' };
    const question = await nextEvent(reader, state, (message) => message.method === 'elicitation/create');
    expect(question.params).toMatchObject({ mode: 'form', message: 'Helpdesk API: Delete a ticket (DELETE /tickets/{ticketId}).\nticketId: "T-5"\nThis cannot be undone.' });
    const approval = { jsonrpc: '2.0', id: question.id, result: { action: 'accept', content: { confirm: true } } };
    // Mallory's answer (even with the right id) is not taken, so the call still waits.
    expect((await post(mallory, approval, { 'Mcp-Session-Id': session })).status).toBe(202);
    expect(upstream.received).toEqual([]);
    expect((await post(alice, approval, { 'Mcp-Session-Id': session })).status).toBe(202);
    const result = await nextEvent(reader, state, (message) => message.id === 7);
    expect(result.result.isError).toBeFalsy();
    expect(upstream.received.map((request) => request.url)).toEqual(['/api/tickets/T-5']);
  });
});
