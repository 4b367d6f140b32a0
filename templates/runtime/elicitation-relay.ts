/**
 * Legacy elicitation over stateless HTTP (2025-11-25 client/elicitation, basic/transports#sending-messages-to-the-server):
 * the server sends `elicitation/create` as a request on the SSE stream answering the tools/call, and the client POSTs
 * its JSON-RPC response as a separate HTTP request. With no session, that POST may arrive on any request handler of
 * this process: the relay holds the questions waiting for an answer, keyed by the server-chosen (random) request id and
 * by who asked, so the answer reaches the call that asked it, and only from the same caller. Bounded in number, each
 * with a timeout. The answer must reach the same process: one instance, or sticky routing (see README).
 */

import { randomBytes } from 'node:crypto';
import type { ElicitRequestFormParams, ElicitResult, JSONRPCMessage, JSONRPCRequest } from '@modelcontextprotocol/server';
import { PortcullisError } from './errors.js';

/** Questions waiting for an answer at once, by default; a further question fails at once (the call is refused). */
export const DEFAULT_MAX_PENDING = 1000;

/** The client answered with a JSON-RPC error (e.g. -32601 when it cannot elicit after all). */
export class ElicitationError extends PortcullisError {
  constructor(
    /** The JSON-RPC error code of the client's answer (JSON-RPC 2.0 §5.1), e.g. -32601. */
    readonly rpcCode: number,
    message: string,
  ) {
    super('ERR_ELICITATION', message);
  }
}

export interface ElicitationRelay {
  /**
   * Sends `params` as `elicitation/create` with `write` and resolves with the answer of `owner` (a caller's identity),
   * or rejects: on a JSON-RPC error answer (ElicitationError), an answer that is not an elicitation result, after
   * `timeoutMs`, when `signal` aborts, or when too many questions wait already.
   */
  ask(owner: string, write: (request: JSONRPCRequest) => void, params: ElicitRequestFormParams, timeoutMs: number, signal: AbortSignal): Promise<ElicitResult>;
  /** Hands a JSON-RPC response POSTed by `owner` to the question it answers; false when none of `owner`'s waits for it. */
  answer(owner: string, message: JSONRPCMessage): boolean;
  /** Questions waiting now. */
  readonly pending: number;
}

interface Waiting {
  readonly owner: string;
  readonly settle: (outcome: { result: unknown } | { error: Error }) => void;
}

/** One relay per process (per HTTP server). */
export function createElicitationRelay(maxPending = DEFAULT_MAX_PENDING): ElicitationRelay {
  const waiting = new Map<string, Waiting>();
  return {
    get pending() {
      return waiting.size;
    },
    ask(owner, write, params, timeoutMs, signal) {
      if (waiting.size >= maxPending) return Promise.reject(new Error('too many questions are waiting for an answer'));
      if (signal.aborted) return Promise.reject(new Error('the client has gone'));
      // Unguessable: an answer is accepted only for an id the server made, from the caller it was sent to.
      const id = `elicit-${randomBytes(16).toString('base64url')}`;
      return new Promise<ElicitResult>((resolve, reject) => {
        const timer = setTimeout(() => settle({ error: new Error('no answer in time') }), timeoutMs);
        const onAbort = () => settle({ error: new Error('the client has gone') });
        signal.addEventListener('abort', onAbort, { once: true });
        function settle(outcome: { result: unknown } | { error: Error }): void {
          if (!waiting.delete(id)) return;
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          if ('error' in outcome) return reject(outcome.error);
          const result = asElicitResult(outcome.result);
          if (result) resolve(result);
          else reject(new Error('the answer is not an elicitation result'));
        }
        waiting.set(id, { owner, settle });
        try {
          write({ jsonrpc: '2.0', id, method: 'elicitation/create', params });
        } catch (error) {
          settle({ error: error instanceof Error ? error : new Error(String(error)) });
        }
      });
    },
    answer(owner, message) {
      if (!('id' in message) || 'method' in message || typeof message.id !== 'string') return false;
      const question = waiting.get(message.id);
      if (!question || question.owner !== owner) return false;
      if ('error' in message && message.error) {
        const { code, message: text } = message.error as { code?: unknown; message?: unknown };
        question.settle({ error: new ElicitationError(typeof code === 'number' ? code : -32603, typeof text === 'string' ? text : 'error') });
      } else {
        question.settle({ result: (message as { result?: unknown }).result });
      }
      return true;
    },
  };
}

/** `value` as an elicitation result (2025-11-25 client/elicitation#response-actions), or undefined. */
function asElicitResult(value: unknown): ElicitResult | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { action, content } = value as { action?: unknown; content?: unknown };
  if (action !== 'accept' && action !== 'decline' && action !== 'cancel') return undefined;
  if (content !== undefined && (typeof content !== 'object' || content === null || Array.isArray(content))) return undefined;
  return { action, ...(content === undefined ? {} : { content: content as ElicitResult['content'] }) } as ElicitResult;
}

/**
 * The Mcp-Session-Id given to a legacy client whose initialize declared form elicitation (2025-11-25
 * basic/transports#session-management). The server keeps no session: the id only tells later requests of this stateless
 * server that the client can answer `elicitation/create`, which a legacy request does not say by itself. It grants
 * nothing — a client claiming it falsely is asked a question it cannot answer, and its call is refused.
 */
export function elicitationSessionId(): string {
  return `elicit.${randomBytes(16).toString('base64url')}`;
}

/** Whether a request's Mcp-Session-Id is one made by elicitationSessionId. */
export function isElicitationSessionId(value: string | undefined): boolean {
  return value !== undefined && /^elicit\.[A-Za-z0-9_-]{22}$/.test(value);
}

/** Who a relayed question belongs to: the caller's subject and client id. */
export function relayOwner(caller: { readonly subject?: string | undefined; readonly clientId?: string | undefined } | undefined): string {
  return JSON.stringify([caller?.subject ?? null, caller?.clientId ?? null]);
}
