/**
 * The upstream client: one tool call becomes one HTTP request to the API, and its response becomes the tool result.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { ExchangeFailureReason } from './audit-reasons.js';
import { refusalAdvice, UpstreamAuthenticationError } from './credentials.js';
import type { CredentialUse, UpstreamCredentials } from './credentials.js';
import type { ToolDefinition } from './definition.js';
import { PortcullisError, SettingError, ToolInputError } from './errors.js';
import { QueueFullError } from './limits.js';
import type { ConcurrencyLimiter } from './limits.js';
import { buildRequest } from './request.js';
import type { UpstreamRequest } from './request.js';
import { toToolResult } from './response.js';
import type { UpstreamResponse } from './response.js';
import { ExchangeError } from './token-exchange.js';
import type { CallerToken } from './token-exchange.js';
import { send } from './upstream-http.js';
import type { UpstreamExchange } from './upstream-http.js';

/** What callUpstream needs besides the call itself. */
export interface UpstreamContext {
  /** Base URL of the API (UPSTREAM_BASE_URL, or the spec's server as the caller decides). */
  baseUrl: string;
  credentials: UpstreamCredentials;
  /** Milliseconds for the whole exchange, response body included. */
  timeoutMs: number;
  maxResponseBytes: number;
  /** Sends through this fetch instead of the runtime's node:http client (tests). */
  fetch?: typeof fetch;
  /**
   * Told the status of the upstream response as soon as it arrives (the audit records it), and, when the call was made
   * on the user's behalf with an exchanged token, the user acted for. Never a token.
   */
  onResponse?: (status: number, facts?: UpstreamCallFacts) => void;
  /** Told, for the audit, when nothing was sent because the token exchange was refused or could not be completed. */
  onExchangeFailure?: (reason: ExchangeFailureReason) => void;
  /**
   * The caller's verified access token (HTTP with OAuth), exchanged by schemes that act for the user
   * (token-exchange.ts). It goes nowhere else: never upstream, never into a message or a log.
   */
  caller?: CallerToken;
  /** Caps the upstream requests in flight (UPSTREAM_MAX_CONCURRENCY); shared by every call of the server. */
  limiter?: ConcurrencyLimiter;
  /** Retries of idempotent requests (UPSTREAM_RETRIES); default 0. */
  retries?: number;
  /** First backoff before a retry, doubled each time, with full jitter; default 200 ms. */
  retryBaseDelayMs?: number;
  /** A valid W3C `traceparent` of the MCP request (trace-context.ts), sent on the upstream request. */
  traceparent?: string;
}

/** What the audit learns of a call made on the user's behalf. */
export interface UpstreamCallFacts {
  readonly upstreamCredential: 'exchanged';
  /** The exchanged token's `sub`, or the caller's when the exchanged token is opaque. */
  readonly onBehalfOf?: string | undefined;
}

/** Methods whose repetition has the effect of one request (RFC 9110 §9.2.2): the only ones retried. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
/** Answers that say "try again": overloaded or a gateway's failure to reach the API, and 429 (with Retry-After). */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const DEFAULT_RETRY_BASE_DELAY_MS = 200;
/** Backoff never waits longer than this between two attempts. */
const MAX_BACKOFF_MS = 5_000;
/** A Retry-After longer than this is not waited for: the answer is returned as it is. */
export const MAX_RETRY_AFTER_MS = 10_000;

/** Sends the tool call upstream and maps the outcome, failures included, to a CallToolResult. */
export async function callUpstream(tool: ToolDefinition, args: Record<string, unknown>, context: UpstreamContext): Promise<CallToolResult> {
  let request: UpstreamRequest;
  let credentials: CredentialUse;
  try {
    request = buildRequest(tool, args, context.baseUrl);
    credentials = await context.credentials.apply(tool, request, context.caller);
    // W3C Trace Context §3.1: the trace continues upstream, unless the tool itself sends a traceparent header.
    if (context.traceparent !== undefined && !request.headers.has('traceparent')) request.headers.set('traceparent', context.traceparent);
  } catch (error) {
    // Nothing has been sent: the call fails with a message the caller (or operator) can act on.
    // A refused or unavailable token exchange too: its message says which, and whether to retry (never a token).
    if (error instanceof ExchangeError) context.onExchangeFailure?.(error.retryable ? 'exchange_unavailable' : 'exchange_refused');
    if (error instanceof ToolInputError || error instanceof UpstreamAuthenticationError || error instanceof SettingError || error instanceof ExchangeError) {
      return errorResult(error.message);
    }
    throw error;
  }

  const origin = request.url.origin;
  // One deadline for the whole call: the wait for a slot, every attempt with its body, and the pauses between them.
  const deadline = Date.now() + context.timeoutMs;
  let deadlineSignal: AbortSignal | undefined;
  const signal = () => (deadlineSignal ??= AbortSignal.timeout(Math.max(0, deadline - Date.now())));
  const expired = () => Date.now() >= deadline || (deadlineSignal?.aborted ?? false);
  const timedOut = () => errorResult(`The upstream API at ${origin} did not answer within ${context.timeoutMs} ms.`);
  // Never POST or PATCH: repeating them could create or change things twice.
  const retries = IDEMPOTENT_METHODS.has(request.method.toUpperCase()) ? (context.retries ?? 0) : 0;
  const baseDelay = context.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS;
  for (let attempt = 0; ; attempt++) {
    // The wait for a slot counts against the timeout, like the exchange itself.
    let release: () => void;
    try {
      release = context.limiter ? await context.limiter.acquire(signal()) : () => undefined;
    } catch (error) {
      if (error instanceof QueueFullError) return errorResult('The upstream API is busy: too many calls are waiting for it. Try again shortly.');
      return timedOut();
    }
    let response: Exchange;
    try {
      response = await exchange(request, context, deadline, signal);
    } catch (error) {
      release();
      if (expired()) return timedOut();
      if (attempt < retries) {
        if (await pause(backoff(attempt, baseDelay), signal())) continue;
        return timedOut();
      }
      // Only the origin and an error code: the full URL may carry an API key in its query.
      const code = errorCode(error);
      return errorResult(`Could not reach the upstream API at ${origin}${code ? ` (${code})` : ''}.`);
    }
    if (attempt < retries && RETRYABLE_STATUSES.has(response.status)) {
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      // A Retry-After beyond the bound is not waited for: the caller gets the answer (and its advice) now.
      if (retryAfter === undefined || retryAfter <= MAX_RETRY_AFTER_MS) {
        response.cancel();
        release();
        if (await pause(retryAfter ?? backoff(attempt, baseDelay), signal())) continue;
        return timedOut();
      }
    }
    try {
      const exchanged = credentials.kind === 'sent' ? credentials.exchanged : undefined;
      context.onResponse?.(response.status, exchanged ? { upstreamCredential: 'exchanged', ...(exchanged.onBehalfOf === undefined ? {} : { onBehalfOf: exchanged.onBehalfOf }) } : undefined);
      // A 401 or 403 names the variables to set, or the ones whose credentials were refused (never their values).
      const advice = refusalAdvice(credentials);
      return await toToolResult(response, { maxBytes: context.maxResponseBytes, ...(advice ? { refusalAdvice: advice } : {}) });
    } catch (error) {
      if (response.timedOut || expired()) return timedOut();
      const code = errorCode(error);
      return errorResult(`Could not reach the upstream API at ${origin}${code ? ` (${code})` : ''}.`);
    } finally {
      response.finish();
      release();
    }
  }
}

/** A response being received, whichever client sent the request. */
type Exchange = Pick<UpstreamExchange, 'cancel' | 'finish' | 'timedOut'> & UpstreamResponse;

/** One attempt: node:http by default, or the fetch given in the context. Rejects when no response arrives. */
async function exchange(request: UpstreamRequest, context: UpstreamContext, deadline: number, signal: () => AbortSignal): Promise<Exchange> {
  if (!context.fetch) return send(request, Math.max(0, deadline - Date.now()));
  const abort = signal();
  const response = await context.fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body ?? null,
    // Following a redirect could hand the server's credentials to another host; the result names the target instead.
    redirect: 'manual',
    signal: abort,
  });
  return {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    url: response.url,
    body: response.body,
    cancel: () => void response.body?.cancel().catch(() => undefined),
    finish: () => undefined,
    get timedOut() {
      return abort.aborted;
    },
  };
}

/** Exponential backoff with full jitter (a random delay up to base·2^attempt, capped). */
function backoff(attempt: number, baseDelayMs: number): number {
  return Math.random() * Math.min(MAX_BACKOFF_MS, baseDelayMs * 2 ** attempt);
}

/** Waits `ms`; false when the signal aborts first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** RFC 9110 §10.2.3 Retry-After: delay-seconds or an HTTP-date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A tool error result with one text block. */
function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

/** The system error code behind a fetch failure (e.g. ECONNREFUSED), if there is one. */
function errorCode(error: unknown): string | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    // This server's own codes (errors.ts) say nothing about the network.
    if (cause instanceof PortcullisError) continue;
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) return code;
  }
  return undefined;
}
