/**
 * The legacy era (protocol revisions 2025-11-25 down to 2025-03-26, which open with `initialize`) over stateless
 * Streamable HTTP (2025-11-25 basic/transports#streamable-http), answered with one JSON body: what the SDK's
 * WebStandardStreamableHTTPServerTransport does with `sessionIdGenerator: undefined, enableJsonResponse: true`, without
 * its conversion of the Node request into a Web Request and back (which cost about a quarter of a call's CPU), and
 * without the SSE answers the SDK's own stateless fallback gives every legacy request. Requests of the 2026-07-28 era
 * never reach it (mcp-endpoint.ts routes them to the SDK's handler).
 *
 * One transport serves one HTTP request whose body has already been read and parsed: `handle` checks the headers and
 * the messages, hands every message to the connected Server (with the caller's AuthInfo, as the SDK's transport does)
 * and answers once every request in the body has its response. The rules are the SDK transport's: Accept must name
 * both application/json and text/event-stream (406), Content-Type must be application/json (415), a present
 * MCP-Protocol-Version must be a supported one (400 with 2026-07-28's UnsupportedProtocolVersion error, -32022, and the
 * versions this server speaks; not checked on initialize, which negotiates it), an initialize
 * request must come alone (400), at most MAX_BATCH_SIZE messages (400); a body of only notifications and responses is
 * answered 202 with no body. Server-to-client messages other than responses (progress, logging, server requests) have
 * no stream to travel on in JSON mode and are dropped, as the SDK's transport drops them.
 *
 * One exception, for consent (consent.ts): a call that asks the user with `elicit` switches its answer to an SSE stream
 * (2025-11-25 basic/transports#sending-messages-to-the-server: the server MAY send requests before the response) that
 * carries the `elicitation/create` request, then the response. The client POSTs its answer separately; a body holding
 * such answers hands them to the elicitation relay (elicitation-relay.ts) instead of the Server. A client whose
 * initialize declared form elicitation is told so in a marker Mcp-Session-Id, since a stateless legacy request does not
 * say what its client can do.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonContentType, parseJSONRPCMessage, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { AuthInfo, ElicitRequestFormParams, ElicitResult, JSONRPCMessage, MessageExtraInfo, RequestId, Transport } from '@modelcontextprotocol/server';
import { canElicitForm } from './consent.js';
import { elicitationSessionId } from './elicitation-relay.js';
import type { ElicitationRelay } from './elicitation-relay.js';

/** The most messages one JSON-RPC batch may hold (the SDK transport's limit). */
const MAX_BATCH_SIZE = 100;
/** Every protocol revision this server speaks, newest first: the modern one, then the legacy ones of the SDK. */
export const SPOKEN_PROTOCOL_VERSIONS: readonly string[] = ['2026-07-28', ...SUPPORTED_PROTOCOL_VERSIONS];
/** 2026-07-28 basic/index#error-codes: UnsupportedProtocolVersion. */
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

/** Milliseconds between SSE comments while a stream waits for the user, so that proxies do not close it as idle. */
const KEEP_ALIVE_MS = 15_000;

export interface JsonTransportOptions {
  /** Consent over legacy HTTP: the relay of questions waiting for an answer, and whose answers this request may carry. */
  readonly elicitation?: { readonly relay: ElicitationRelay; readonly owner: string };
}

export class JsonResponseTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void) | undefined;

  /** The JSON-RPC error code of the answer when the transport refused the request itself (for the audit). */
  refusalCode: number | undefined;

  private started = false;
  private closed = false;
  /** The ids of the requests still waiting for their response, in the order of the body. */
  private readonly pending: RequestId[] = [];
  private readonly responses = new Map<RequestId, JSONRPCMessage>();
  private reply: ((messages: JSONRPCMessage[]) => void) | undefined;
  private res: ServerResponse | undefined;
  /** Set once the answer is an SSE stream (a question was sent on it). */
  private streaming = false;
  private keepAlive: NodeJS.Timeout | undefined;
  /** Aborted when the transport closes; made only for a call that waits on the client (an abort costs a DOMException). */
  private gone: AbortController | undefined;

  constructor(private readonly options: JsonTransportOptions = {}) {}

  async start(): Promise<void> {
    if (this.started) throw new Error('JsonResponseTransport already started');
    this.started = true;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return;
    // Only responses (results and errors) are sent back; anything else has no stream to go on.
    if (!('id' in message) || 'method' in message) return;
    const id = message.id as RequestId;
    if (!this.pending.includes(id)) throw new Error(`No request with ID ${String(id)} is waiting for a response`);
    this.responses.set(id, message);
    if (this.reply && this.pending.every((pendingId) => this.responses.has(pendingId))) {
      const reply = this.reply;
      this.reply = undefined;
      reply(this.pending.map((pendingId) => this.responses.get(pendingId)!));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reply = undefined;
    this.gone?.abort();
    clearInterval(this.keepAlive);
    this.onclose?.();
  }

  /** Answers `res` for the parsed `body` of the POST `req`; resolves once the answer is written (or the transport closed). */
  async handle(req: IncomingMessage, res: ServerResponse, body: unknown, authInfo: AuthInfo | undefined): Promise<void> {
    const accept = req.headers.accept;
    if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) {
      return this.refuse(res, 406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream');
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      return this.refuse(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
    }
    const batch = Array.isArray(body);
    const raw: unknown[] = batch ? body : [body];
    if (batch && raw.length === 0) return this.refuse(res, 400, -32600, 'Invalid Request: empty batch');
    if (raw.length > MAX_BATCH_SIZE) return this.refuse(res, 400, -32600, `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`);
    const messages: JSONRPCMessage[] = [];
    for (const entry of raw) {
      try {
        parseJSONRPCMessage(entry);
      } catch {
        return this.refuse(res, 400, -32600, 'Invalid Request: not a JSON-RPC 2.0 message');
      }
      messages.push(entry as JSONRPCMessage);
    }
    const initializing = messages.some((message) => 'method' in message && message.method === 'initialize' && 'id' in message);
    if (initializing && messages.length > 1) return this.refuse(res, 400, -32600, 'Invalid Request: Only one initialization request is allowed');
    if (!initializing) {
      const version = req.headers['mcp-protocol-version'];
      if (version !== undefined && !(typeof version === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(version))) {
        // 2026-07-28 basic/versioning#protocol-version-negotiation: the versions the client may retry with.
        const data = { supported: SPOKEN_PROTOCOL_VERSIONS, requested: String(version) };
        return this.refuse(res, 400, UNSUPPORTED_PROTOCOL_VERSION, 'Unsupported protocol version', data);
      }
    }
    if (this.closed) return;

    const relayed = this.options.elicitation;
    if (relayed) {
      // Answers to questions this process asked go to the calls waiting for them, never to the Server.
      const kept = messages.filter((message) => !relayed.relay.answer(relayed.owner, message));
      if (kept.length === 0) return void res.writeHead(202).end();
      messages.splice(0, messages.length, ...kept);
      const initialize = messages.find((message) => 'method' in message && message.method === 'initialize');
      const params = initialize && 'params' in initialize ? (initialize.params as { capabilities?: unknown } | undefined) : undefined;
      if (canElicitForm(params?.capabilities)) res.setHeader('Mcp-Session-Id', elicitationSessionId());
    }
    this.res = res;

    const extra: MessageExtraInfo = authInfo ? { authInfo } : {};
    for (const message of messages) if ('method' in message && 'id' in message) this.pending.push(message.id);
    if (this.pending.length === 0) {
      for (const message of messages) this.onmessage?.(message, extra);
      res.writeHead(202).end();
      return;
    }
    const answered = new Promise<JSONRPCMessage[] | undefined>((resolve) => {
      this.reply = resolve;
      // A closed transport (the client went away) settles the wait with nothing to write.
      const onclose = this.onclose;
      this.onclose = () => {
        resolve(undefined);
        onclose?.();
      };
    });
    for (const message of messages) this.onmessage?.(message, extra);
    const responses = await answered;
    clearInterval(this.keepAlive);
    if (!responses || res.writableEnded || res.destroyed) return;
    if (this.streaming) {
      for (const response of responses) res.write(sseEvent(response));
      return void res.end();
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(batch ? responses : responses[0]));
  }

  /**
   * Asks the client `params` with `elicitation/create` on this request's answer stream and resolves with its answer
   * (elicitation-relay.ts); rejects when this transport relays no answers, or as the relay does.
   */
  elicit(params: ElicitRequestFormParams, timeoutMs: number): Promise<ElicitResult> {
    const relayed = this.options.elicitation;
    const res = this.res;
    if (!relayed || !res) return Promise.reject(new Error('this request cannot carry a question'));
    return relayed.relay.ask(relayed.owner, (request) => this.writeEvent(res, request), params, timeoutMs, (this.gone ??= new AbortController()).signal);
  }

  private writeEvent(res: ServerResponse, message: JSONRPCMessage): void {
    if (this.closed || res.writableEnded || res.destroyed) throw new Error('the client has gone');
    if (!this.streaming) {
      this.streaming = true;
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform' });
      this.keepAlive = setInterval(() => void res.write(': waiting for the user\n\n'), KEEP_ALIVE_MS);
      this.keepAlive.unref();
    }
    res.write(sseEvent(message));
  }

  private refuse(res: ServerResponse, status: number, code: number, message: string, data?: unknown): void {
    this.refusalCode = code;
    sendError(res, status, code, message, data);
  }
}

/** One message as a server-sent event (HTML Living Standard §9.2.5 event stream format). */
function sseEvent(message: JSONRPCMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

/** A JSON-RPC error without id, as the SDK's transport answers what it refuses. */
function sendError(res: ServerResponse, status: number, code: number, message: string, data?: unknown): void {
  const error = { code, message, ...(data === undefined ? {} : { data }) };
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error, id: null }));
}
