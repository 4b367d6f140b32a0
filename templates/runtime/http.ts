/**
 * The MCP endpoint over HTTP: stateless Streamable HTTP (2025-11-25 basic/transports#streamable-http) at the path of
 * MCP_PUBLIC_URL (default `/mcp`), protected as an OAuth 2.1 resource server (2025-11-25 basic/authorization).
 *
 * Stateless: every POST gets a fresh transport and a fresh Server, closed when its response ends, so nothing is shared
 * between requests or callers and any instance behind a load balancer can answer any request (no session state: 2025-11-25 basic/transports#session-management is optional). A request
 * passes, in order: routing → Host/Origin check → `authenticate` (401) → rate limit (429) → method check (405) →
 * in-flight cap (503) → body (413, 400) → batching check (400) → rate limit and in-flight cap for the rest of a batch
 * (429, 503) → step-up check (403) → the MCP server. Every request carries its own token: there is no session to
 * trust (RFC 6750 §3, RFC 9728 §5.1). Whatever is refused before its body is read closes its connection (connection-limits.ts).
 */

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { isLoopbackHost, publicUrlFor } from './auth-settings.js';
import { openAuditSink, requestIdOf } from './audit.js';
import type { AuditRecord, AuditSink } from './audit.js';
import { createToolPolicy, decide } from './authorization.js';
import { insufficientScopeChallenge, stepUpScopes, unauthorizedChallenge } from './challenges.js';
import type { ServerDefinition, ToolDefinition } from './definition.js';
import type { ServerHooks } from './hooks.js';
import { createMcpEndpoint } from './mcp-endpoint.js';
import type { EndpointOutcome } from './mcp-endpoint.js';
import { ALLOW_ALL, ANONYMOUS_CALLER } from './mcp-server.js';
import type { CallerContext, ToolPolicy } from './mcp-server.js';
import { metadataPaths, metadataUrl, protectedResourceMetadata, serveMetadata } from './resource-metadata.js';
import { closeUnlessBodyRead, httpServerOptions, limitConnections } from './connection-limits.js';
import { jsonShapeProblem, MAX_JSON_DEPTH, MAX_JSON_ITEMS } from './json-shape.js';
import { ConcurrencyLimiter, InFlightLimit, RateLimiter } from './limits.js';
import { createLog } from './log.js';
import type { Log, Settings } from './settings.js';
import { AuthServerUnavailableError, createTokenVerifier, InvalidTokenError, RETRY_AFTER_FAILURE_MS } from './token-verifier.js';
import type { TokenVerifier } from './token-verifier.js';
import { traceIdOf, traceparentOf } from './trace-context.js';
import type { UpstreamContext } from './upstream.js';

/** Unauthenticated probes for orchestrators; they reveal nothing but ok / ready / a short reason. */
const HEALTH_PATH = '/healthz';
const READINESS_PATH = '/readyz';
/**
 * Request headers a browser client may send (CORS preflight of the MCP endpoint), besides the `Mcp-Param-{Name}`
 * headers of 2026-07-28 basic/transports/streamable-http#custom-headers-from-tool-parameters, allowed as asked for.
 */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'mcp-protocol-version', 'mcp-session-id', 'last-event-id', 'mcp-method', 'mcp-name', 'traceparent', 'tracestate'];
/** Response headers a browser client must be able to read: the challenge (RFC 6750 §3, RFC 9728 §5.1) and the session id. */
const EXPOSED_HEADERS = 'WWW-Authenticate, Mcp-Session-Id';
/** 2025-06-18 changelog: JSON-RPC batching was removed from the protocol in this revision. */
const FIRST_VERSION_WITHOUT_BATCHING = '2025-06-18';
/** Seconds a client is asked to wait when every in-flight slot is taken: requests are short. */
const RETRY_AFTER_OVERLOAD_SECONDS = 1;

export interface HttpServerOptions {
  /** Largest accepted request body; a larger one is answered 413. Default settings.maxBodyBytes (MCP_MAX_BODY_BYTES). */
  readonly maxBodyBytes?: number;
  /** How long close() lets in-flight requests finish before cutting their connections. Default settings.shutdownTimeoutMs. */
  readonly closeTimeoutMs?: number;
  /** The fetch used to reach the upstream API (tests substitute their own). */
  readonly fetch?: typeof fetch;
  /** Which tools callers may see and use; defaults to caller authorization (everything with AUTH_MODE=none). */
  readonly policy?: ToolPolicy;
  /** Receives unexpected errors, and one line per request; defaults to JSON lines on stderr at settings.logLevel. */
  readonly log?: Log;
  /** Receives one record per decision; defaults to AUDIT_LOG (stderr). */
  readonly audit?: AuditSink;
  /** The user's hooks (src/hooks.ts) run around every tool call. */
  readonly hooks?: ServerHooks;
  /** Clock for token validity, in ms since the epoch (tests freeze it); default Date.now. */
  readonly now?: () => number;
  /** Monotonic clock in ms for the rate limiter's token buckets (tests move it); default performance.now. */
  readonly rateLimitClock?: () => number;
  /** First backoff of upstream retries in ms (tests shorten it); default 200. */
  readonly retryBaseDelayMs?: number;
}

export interface RunningHttpServer {
  /** Where the MCP endpoint listens, e.g. `http://127.0.0.1:3000/mcp` (with the actual port when PORT=0). */
  readonly url: string;
  /** The canonical URL of the endpoint: the metadata's `resource` and the expected audience (MCP 2025-11-25 basic/authorization#token-audience-binding-and-validation, RFC 8707 §2). */
  readonly publicUrl: string;
  /** Caps concurrent upstream requests (UPSTREAM_MAX_CONCURRENCY); readable for tests and metrics. */
  readonly upstreamLimiter: ConcurrencyLimiter;
  /** Caps MCP requests in flight (MCP_MAX_CONCURRENT_REQUESTS); readable for tests and metrics. */
  readonly requestLimit: InFlightLimit;
  /**
   * Stops accepting connections, lets in-flight requests finish (bounded by SHUTDOWN_TIMEOUT_MS), then resolves.
   * Readiness answers 503 from the moment it is called.
   */
  close(): Promise<void>;
}

/** The outcome of authentication: who calls, and the SDK's view of the token (absent with AUTH_MODE=none). */
interface Authenticated {
  readonly caller: CallerContext;
  readonly authInfo?: AuthInfo;
}

/** One audit entry in the making; `id` is the JSON-RPC id it belongs to. */
type Entry = Omit<AuditRecord, 'time' | 'requestId' | 'durationMs' | 'subject' | 'clientId' | 'grantedScopes'> & { id?: unknown; upstreamStatus?: number };

/** A JSON-RPC message of the body with its audit entry, and the tool it calls (tools/call of a known tool). */
interface AuditedMessage {
  readonly entry: Entry;
  readonly id: unknown;
  readonly tool?: ToolDefinition | undefined;
}

/**
 * Marks the request's entries as refused for `reason` — those still allowed, or with `every` all of them (the whole
 * body was refused for this reason) — or records one refusal when the body is not known.
 */
function denyAll(trail: Trail, reason: string, every = false): void {
  if (trail.entries.length === 0) return void trail.entries.push({ decision: 'deny', reason });
  for (const entry of trail.entries) if (every || entry.decision === 'allow') Object.assign(entry, { decision: 'deny', reason });
}

/** What one HTTP request has decided so far; written to the audit when the response ends. */
interface Trail {
  readonly requestId: string;
  readonly started: number;
  caller?: CallerContext;
  readonly entries: Entry[];
}

/** Starts the HTTP server on settings.host:settings.port; resolves once it listens. */
export async function startHttpServer(definition: ServerDefinition, settings: Settings, options: HttpServerOptions = {}): Promise<RunningHttpServer> {
  const auth = settings.auth;
  if (!auth) throw new Error('startHttpServer needs the authorization settings: readSettings(env, definition, { transport: "http" })');
  const maxBodyBytes = options.maxBodyBytes ?? settings.maxBodyBytes;
  const log = options.log ?? createLog(settings.logLevel);
  const audit = options.audit ?? openAuditSink(auth.auditLog);
  const upstreamLimiter = new ConcurrencyLimiter(settings.upstreamMaxConcurrency, settings.upstreamMaxQueue);
  const rateLimiter = new RateLimiter(settings.rateLimitPerMinute, settings.rateLimitBurst, options.rateLimitClock);
  const requestLimit = new InFlightLimit(settings.maxConcurrentRequests);
  const upstream: UpstreamContext = {
    baseUrl: settings.upstreamBaseUrl,
    credentials: settings.credentials,
    timeoutMs: settings.upstreamTimeoutMs,
    maxResponseBytes: settings.upstreamMaxResponseBytes,
    limiter: upstreamLimiter,
    retries: settings.upstreamRetries,
    ...(options.retryBaseDelayMs === undefined ? {} : { retryBaseDelayMs: options.retryBaseDelayMs }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const protect = auth.mode === 'oauth';
  const policy = options.policy ?? (protect ? createToolPolicy(definition.impliedScopes) : ALLOW_ALL);
  const tools = new Map(definition.tools.map((tool) => [tool.name, tool]));
  // The scopes "the server uses" (MCP 2025-11-25 basic/authorization#scope-challenge-handling): what tools require, and the broader scopes that imply them.
  const serverScopes = new Set([...definition.scopes, ...Object.keys(definition.impliedScopes)]);
  const challengeScopes = (protect ? auth.challengeScopes : undefined) ?? definition.scopes.filter((scope) => scope !== 'offline_access');

  // Known once the server listens (the default public URL carries the bound port).
  let publicUrl = '';
  let resourceMetadataUrl = '';
  let metadataBody = '';
  let wellKnownPaths: readonly string[] = [];
  let allowedOrigins = new Set<string>();
  let verifier: TokenVerifier | undefined;
  let closing = false;
  const endpoint = createMcpEndpoint(definition);

  async function handle(req: IncomingMessage, res: ServerResponse, trail: Trail, bodyRead: () => void): Promise<void> {
    // While closing, answered connections are not kept alive, so they do not hold close() up.
    if (closing) res.setHeader('Connection', 'close');
    res.setHeader('X-Request-Id', trail.requestId);
    const path = pathOf(req);
    if (path === HEALTH_PATH || path === READINESS_PATH) return serveProbe(req, res, path);
    if (protect && wellKnownPaths.includes(path)) return serveMetadata(req, res, metadataBody);
    if (path !== auth!.path) return sendJson(res, 404, { error: 'not_found', message: `Not found; the MCP endpoint is ${auth!.path}` });

    // MCP 2025-11-25 basic/transports#security-warning: DNS rebinding and cross-site browser requests.
    if (!hostAllowed(req)) return refuse(res, trail, 403, 'host', 'Forbidden: Host header not allowed');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(originOf(origin))) return refuse(res, trail, 403, 'origin', originRefusal(origin));
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      // A preflight carries no credentials: it is answered before authentication.
      res.writeHead(204, { Allow: 'POST, OPTIONS', 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': allowedHeaders(req), 'Access-Control-Max-Age': '600' });
      return void res.end();
    }
    // RFC 6750 §3, RFC 9728 §5.1: every request to the endpoint without a valid token gets 401, whatever its method.
    const authenticated = await authenticate(req, res, trail);
    if (!authenticated) return;
    trail.caller = authenticated.caller;
    // Per caller, before the body is read or parsed: a flood costs one token check and one bucket lookup each. The
    // token pays for the first message of the body; the rest of a batch is paid for once it is parsed.
    const limited = rateLimiter.take(rateKeyOf(authenticated.caller, req));
    if (!limited.allowed) {
      res.setHeader('Retry-After', String(limited.retryAfterSeconds));
      return refuse(res, trail, 429, 'rate_limited', 'Too many requests: slow down and retry after the Retry-After delay');
    }
    if (req.method !== 'POST') {
      // 2025-11-25 basic/transports#listening-for-messages-from-the-server: a server offering no SSE stream answers GET
      // with 405; #session-management: DELETE may be answered 405 too (stateless: there is no session to end).
      res.setHeader('Allow', 'POST');
      return refuse(res, trail, 405, 'method_not_allowed', 'Method not allowed: this stateless server accepts only POST');
    }
    // One in-flight slot, taken before the body is read, bounds the memory of bodies being read and parsed.
    const slot = requestLimit.tryTake();
    if (!slot) return overloaded(res, trail);
    const slots = [slot];
    // Slots are freed once the response has closed and the work it started has ended: a client that goes away does
    // not free the slot of a call still running.
    let work: Promise<void> = Promise.resolve();
    const release = () => slots.splice(0).forEach((free) => free());
    res.once('close', () => void work.then(release, release));
    const body = await readJsonBody(req, res, trail);
    if (body === NO_BODY) return;
    bodyRead();
    const messages = auditMessages(body, trail);
    if (batchingRefused(req, body, res, trail)) return;
    if (Array.isArray(body) && !chargeBatch(body.length, rateKeyOf(authenticated.caller, req), res, trail, slots)) return;
    if (stepUpRefused(messages, body, authenticated.caller, res, trail)) return;
    work = handleMcp(req, res, authenticated, body, trail);
    await work;
  }

  /** Answers 503 with Retry-After: every in-flight slot is taken (MCP_MAX_CONCURRENT_REQUESTS). */
  function overloaded(res: ServerResponse, trail: Trail): void {
    res.setHeader('Retry-After', String(RETRY_AFTER_OVERLOAD_SECONDS));
    denyAll(trail, 'overloaded', true);
    sendJsonRpcError(res, 503, 'Service unavailable: too many requests in flight; retry after the Retry-After delay');
  }

  /** Reads and parses the JSON body, or answers 413 / 400 itself (audited) and returns NO_BODY. */
  async function readJsonBody(req: IncomingMessage, res: ServerResponse, trail: Trail): Promise<unknown> {
    const text = await readBody(req, maxBodyBytes);
    if (text === CLIENT_GONE) {
      // Gone mid-body (or cut by MCP_REQUEST_TIMEOUT_MS, which Node answers 408 itself): there is no one to answer.
      denyAll(trail, 'client_closed', true);
      return NO_BODY;
    }
    if (text === TOO_LARGE) {
      // The rest of the body is not read: the connection is closed once the answer is sent.
      refuse(res, trail, 413, 'body_too_large', `Request body larger than ${maxBodyBytes} bytes`);
      return NO_BODY;
    }
    // RFC 8259 §9: parsing is bounded before it starts, so a small body cannot become a huge object graph.
    const shape = jsonShapeProblem(text);
    if (shape !== undefined) {
      if (shape === 'items') refuse(res, trail, 413, 'body_too_complex', `Request body holds more than ${MAX_JSON_ITEMS} JSON values and members`);
      else refuse(res, trail, 400, 'body_too_deep', `Invalid Request: JSON nested deeper than ${MAX_JSON_DEPTH} levels`, -32600);
      return NO_BODY;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      refuse(res, trail, 400, 'parse_error', 'Parse error: the body is not JSON', -32700);
      return NO_BODY;
    }
  }

  /**
   * JSON-RPC batching was removed in protocol revision 2025-06-18: a client naming that revision or a later one in
   * MCP-Protocol-Version (2025-11-25 basic/transports#protocol-version-header) gets 400 for an array body.
   */
  function batchingRefused(req: IncomingMessage, body: unknown, res: ServerResponse, trail: Trail): boolean {
    const version = req.headers['mcp-protocol-version'];
    if (!Array.isArray(body) || typeof version !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(version)) return false;
    // Revisions are dates, so their text order is their order.
    if (version < FIRST_VERSION_WITHOUT_BATCHING) return false;
    refuse(res, trail, 400, 'batching_unsupported', `Invalid Request: batching is not supported in protocol version ${version}`, -32600);
    return true;
  }

  /**
   * Pays for the messages of a batch after the first (paid for before the body was read): one rate-limit token and one
   * in-flight slot each, all or none. A refused batch is refused whole: nothing in it runs.
   */
  function chargeBatch(count: number, rateKey: string, res: ServerResponse, trail: Trail, slots: (() => void)[]): boolean {
    if (count <= 1) return true;
    if (!rateLimiter.fits(count)) {
      refuse(res, trail, 429, 'rate_limited', `Too many requests: a batch may hold at most ${settings.rateLimitBurst} requests; send fewer at once`);
      return false;
    }
    const limited = rateLimiter.take(rateKey, count - 1);
    if (!limited.allowed) {
      res.setHeader('Retry-After', String(limited.retryAfterSeconds));
      refuse(res, trail, 429, 'rate_limited', 'Too many requests: slow down and retry after the Retry-After delay');
      return false;
    }
    if (count > requestLimit.max) {
      refuse(res, trail, 400, 'batch_too_large', `Invalid Request: a batch may hold at most ${requestLimit.max} requests`, -32600);
      return false;
    }
    const more = requestLimit.tryTake(count - 1);
    if (!more) {
      overloaded(res, trail);
      return false;
    }
    slots.push(more);
    return true;
  }

  /**
   * GET/HEAD /healthz: the process answers. GET/HEAD /readyz: it can serve — not shutting down, the upstream base URL
   * set and (AUTH_MODE=oauth) the authorization server's metadata and keys reachable. Neither needs a token, so both
   * say nothing but a status and a short reason: no URLs, versions or configuration.
   */
  async function serveProbe(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendJson(res, 405, { status: 'error', reason: 'method_not_allowed' });
    }
    if (path === HEALTH_PATH) return sendJson(res, 200, { status: 'ok' });
    const reason = await notReadyReason();
    if (reason === undefined) return sendJson(res, 200, { status: 'ready' });
    return sendJson(res, 503, { status: 'unavailable', reason });
  }

  /** Why the server should get no traffic now, or undefined when it is ready. */
  async function notReadyReason(): Promise<string | undefined> {
    if (closing) return 'shutting_down';
    if (!settings.upstreamBaseUrl) return 'upstream_not_configured';
    if (verifier && !(await verifier.ready())) return 'authorization_server_unreachable';
    // Shutdown may have started while the authorization server was asked.
    return closing ? 'shutting_down' : undefined;
  }

  /** The caller of a request, or undefined once it has been answered 401 (or 503 when tokens cannot be checked). */
  async function authenticate(req: IncomingMessage, res: ServerResponse, trail: Trail): Promise<Authenticated | undefined> {
    if (!protect) return { caller: ANONYMOUS_CALLER };
    // RFC 6750 §2.1, MCP 2025-11-25 basic/authorization#token-requirements: the Authorization header only; an access_token in the query is ignored.
    const header = req.headers.authorization;
    const scheme = header === undefined ? undefined : /^\s*(\S+)/.exec(header)?.[1];
    if (scheme === undefined || scheme.toLowerCase() !== 'bearer') {
      // RFC 6750 §3.1: a request without a bearer token gets a challenge without an error code.
      res.setHeader('WWW-Authenticate', unauthorizedChallenge({ resourceMetadataUrl, scopes: challengeScopes }));
      return void refuse(res, trail, 401, 'missing_token', 'Unauthorized: an access token is required');
    }
    try {
      // RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
      const token = /^\s*bearer +([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header!)?.[1];
      if (token === undefined) throw new InvalidTokenError('malformed', 'The Authorization header is not "Bearer <token>"');
      return await verifier!.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        res.setHeader('WWW-Authenticate', unauthorizedChallenge({ resourceMetadataUrl, scopes: challengeScopes, description: error.description }));
        return void refuse(res, trail, 401, `invalid_token:${error.reason}`, `Unauthorized: ${error.description}`);
      }
      if (error instanceof AuthServerUnavailableError) {
        res.setHeader('Retry-After', String(RETRY_AFTER_FAILURE_MS / 1000));
        return void refuse(res, trail, 503, 'auth_server_unavailable', 'Service unavailable: access tokens cannot be checked right now');
      }
      throw error;
    }
  }

  /** One audit entry per JSON-RPC message of the body (its id, method and tool), each `allow` until decided otherwise. */
  function auditMessages(body: unknown, trail: Trail): AuditedMessage[] {
    const messages: AuditedMessage[] = [];
    for (const message of Array.isArray(body) ? body : [body]) {
      if (!isObject(message) || typeof message.method !== 'string') continue;
      const traceparent = isObject(message.params) ? traceparentOf(message.params._meta) : undefined;
      const entry: Entry = {
        id: message.id,
        method: message.method.slice(0, 100),
        decision: 'allow',
        reason: protect ? 'ok' : 'auth_disabled',
        ...(traceparent === undefined ? {} : { traceId: traceIdOf(traceparent) }),
      };
      const name = message.method === 'tools/call' && isObject(message.params) && typeof message.params.name === 'string' ? message.params.name : undefined;
      if (name !== undefined) {
        const tool = tools.get(name);
        Object.assign(entry, { tool: name.slice(0, 200) }, tool ? { requiredScopes: tool.scopes } : { decision: 'deny', reason: 'unknown_tool' });
      }
      trail.entries.push(entry);
      messages.push({ entry, id: message.id, ...(name === undefined ? {} : { tool: tools.get(name) }) });
    }
    return messages;
  }

  /**
   * Decides each tools/call and answers 403 with a step-up challenge when one lacks scopes (RFC 6750 §3.1, MCP 2025-11-25 basic/authorization#scope-challenge-handling), before
   * anything runs. A role refusal is left to the tool's answer: it never asks for scopes (§6).
   */
  function stepUpRefused(messages: readonly AuditedMessage[], body: unknown, caller: CallerContext, res: ServerResponse, trail: Trail): boolean {
    const wanted: string[] = [];
    const refusedTools: string[] = [];
    let firstRefusedId: unknown = null;
    for (const { entry, id, tool } of messages) {
      if (!tool || !protect) continue;
      const decision = decide(caller, tool, definition.impliedScopes);
      if (decision.allowed) continue;
      Object.assign(entry, { decision: 'deny', reason: decision.denied === 'role' ? 'role' : 'insufficient_scope' });
      if (decision.denied !== 'scope') continue;
      if (refusedTools.length === 0) firstRefusedId = id ?? null;
      refusedTools.push(tool.name);
      wanted.push(...stepUpScopes(decision.challengeScopes, caller.scopes, serverScopes));
    }
    if (refusedTools.length === 0) return false;
    // The whole request is refused: nothing in it runs, so nothing in it is audited as allowed.
    denyAll(trail, 'batch_refused');
    const description = `The access token lacks scopes needed by ${refusedTools.join(', ')}`;
    res.setHeader('WWW-Authenticate', insufficientScopeChallenge({ resourceMetadataUrl, scopes: [...new Set(wanted)], description }));
    sendJson(res, 403, { jsonrpc: '2.0', error: { code: -32000, message: `Forbidden: ${description}` }, id: Array.isArray(body) ? null : firstRefusedId });
    return true;
  }

  /** Serves one MCP POST whose body has been read, in the era it speaks (mcp-endpoint.ts), and audits a refusal. */
  async function handleMcp(req: IncomingMessage, res: ServerResponse, authenticated: Authenticated, body: unknown, trail: Trail): Promise<void> {
    const work: Promise<unknown>[] = [];
    const outcome = await endpoint.serve(req, res, body, authenticated.authInfo, {
      track: (call) => void work.push(call),
      upstream,
      caller: authenticated.caller,
      policy,
      pageSize: settings.toolsPageSize,
      ...(options.hooks ? { hooks: options.hooks } : {}),
      onUpstreamResponse: ({ requestId, status }) => {
        const entry = trail.entries.find((candidate) => candidate.id === requestId);
        if (entry) entry.upstreamStatus = status;
      },
    });
    if (outcome.status >= 400) denyAll(trail, refusalReason(outcome), true);
    // The answer is written, or the client has gone: either way, the request's slots stay taken until its work ends.
    await Promise.allSettled(work);
  }

  function hostAllowed(req: IncomingMessage): boolean {
    // Bound to another interface, the server is meant to be reached by other names; the token check guards it.
    if (!isLoopbackHost(settings.host)) return true;
    const host = req.headers.host;
    if (host === undefined) return false;
    const name = hostnameOf(`http://${host}`);
    // Behind a reverse proxy on the same machine the Host is the public one.
    return isLoopbackHost(name) || name === hostnameOf(publicUrl);
  }

  /** Answers with a JSON-RPC error and audits the request as refused for `reason`: each of its messages, if known. */
  function refuse(res: ServerResponse, trail: Trail, status: number, reason: string, message: string, code?: number): void {
    denyAll(trail, reason, true);
    sendJsonRpcError(res, status, message, code);
  }

  /** Writes the request's audit lines once its response has ended. */
  function writeAudit(trail: Trail): void {
    const caller = trail.caller;
    const entries = trail.entries.length ? trail.entries : caller ? [{ decision: 'allow' as const, reason: protect ? 'ok' : 'auth_disabled' }] : [];
    const common = {
      time: new Date(trail.started).toISOString(),
      requestId: trail.requestId,
      ...(caller?.subject === undefined ? {} : { subject: caller.subject }),
      ...(caller?.clientId === undefined ? {} : { clientId: caller.clientId }),
    };
    const durationMs = Date.now() - trail.started;
    for (const { id: _id, ...entry } of entries) {
      audit({ ...common, ...entry, ...(caller && protect ? { grantedScopes: caller.scopes } : {}), durationMs });
    }
  }

  /** Responses not yet closed: a shutdown tells their connections not to stay open once they are answered. */
  const active = new Set<ServerResponse>();
  const server = createServer(httpServerOptions(settings), (req, res) => {
    active.add(res);
    // While closing, a connection is not kept alive, whether or not its body has been read.
    const bodyRead = closeUnlessBodyRead(req, res, () => !closing);
    res.once('close', () => active.delete(res));
    const trail: Trail = { requestId: requestIdOf(req), started: Date.now(), entries: [] };
    // The path only: a query string might carry a token (RFC 6750 §5.3: bearer tokens are never logged).
    res.once('finish', () => {
      const path = pathOf(req);
      // Probes come every few seconds: their lines are debug, so they do not drown the requests that matter.
      const level = path === HEALTH_PATH || path === READINESS_PATH ? 'debug' : 'info';
      log(level, 'request', { requestId: trail.requestId, method: req.method, path, status: res.statusCode, durationMs: Date.now() - trail.started });
    });
    res.once('close', () => writeAudit(trail));
    handle(req, res, trail, bodyRead).catch((error: unknown) => {
      log('error', 'request failed', { requestId: trail.requestId, method: req.method, path: pathOf(req), error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      if (!res.headersSent) sendJsonRpcError(res, 500, 'Internal error');
      else res.destroy();
    });
  });

  limitConnections(server, settings);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const host = isIP(settings.host) === 6 ? `[${settings.host}]` : settings.host;

  publicUrl = publicUrlFor(auth, settings.host, port);
  allowedOrigins = new Set([new URL(publicUrl).origin, ...auth.allowedOrigins]);
  if (auth.mode === 'oauth') {
    resourceMetadataUrl = metadataUrl(publicUrl);
    wellKnownPaths = metadataPaths(publicUrl);
    metadataBody = JSON.stringify(protectedResourceMetadata(definition, publicUrl, auth.issuer));
    verifier = createTokenVerifier({
      issuer: auth.issuer,
      audience: auth.audience ?? publicUrl,
      jwksUrl: auth.jwksUrl,
      algorithms: auth.algorithms,
      clockToleranceSeconds: auth.clockToleranceSeconds,
      rolesClaim: auth.rolesClaim,
      introspection: auth.introspection,
      resource: publicUrl,
      log,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  return {
    url: `http://${host}:${port}${auth.path}`,
    publicUrl,
    upstreamLimiter,
    requestLimit,
    close() {
      closing = true;
      void endpoint.close();
      // A keep-alive connection whose request finishes after this point would otherwise hold close() up until its
      // keep-alive timeout: it is ended as soon as its response is.
      for (const res of active) {
        if (!res.headersSent) res.setHeader('Connection', 'close');
        res.once('finish', () => res.socket?.end());
      }
      return new Promise<void>((resolve) => {
        const deadline = setTimeout(() => server.closeAllConnections(), options.closeTimeoutMs ?? settings.shutdownTimeoutMs);
        deadline.unref();
        server.close(() => {
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}

const NO_BODY = Symbol('no body');

const TOO_LARGE = Symbol('too large');
const CLIENT_GONE = Symbol('client gone');

/**
 * The body as text; TOO_LARGE as soon as it is known to exceed `maxBytes` (declared or as received); CLIENT_GONE when
 * the connection ends or fails before the whole body has arrived.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string | typeof TOO_LARGE | typeof CLIENT_GONE> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // Stop reading without destroying the socket, which would lose the 413 answer.
      req.off('data', onData).pause();
      resolve(TOO_LARGE);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // A client that goes away mid-body settles the promise (a no-op when it already has), so nothing waits for ever.
    req.once('error', () => resolve(CLIENT_GONE));
    req.once('close', () => resolve(CLIENT_GONE));
  });
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return '/';
  }
}

/** The serialized origin of an Origin header, or '' (never allowed) when it is not one (e.g. `null`). */
function originOf(value: string): string {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : '';
  } catch {
    return '';
  }
}

function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return '';
  }
}

/**
 * The rate limiter's key: the token's subject, else its client id, else (AUTH_MODE=none, or a token naming neither)
 * the address the connection comes from. X-Forwarded-For is not trusted: any client can send it.
 */
function rateKeyOf(caller: CallerContext, req: IncomingMessage): string {
  if (caller.subject !== undefined) return `sub:${caller.subject}`;
  if (caller.clientId !== undefined) return `client:${caller.clientId}`;
  return `addr:${req.socket.remoteAddress ?? 'unknown'}`;
}

/**
 * The 403 message for a browser Origin not in MCP_ALLOWED_ORIGINS, saying how to allow it. The origin is named only
 * when it parses as an http(s) origin (RFC 6454 §7: scheme, host, port), so no other text from the request is echoed.
 */
function originRefusal(origin: string): string {
  const parsed = originOf(origin);
  const named = parsed === '' ? 'this origin' : parsed;
  return `Forbidden: Origin not allowed; to allow a browser-based client from it, set MCP_ALLOWED_ORIGINS=${named}`;
}

/** The audit reason of a request the MCP layer refused (HTTP 4xx or 5xx), by its JSON-RPC error code. */
function refusalReason(outcome: EndpointOutcome): string {
  switch (outcome.errorCode) {
    case -32020:
      return 'header_mismatch';
    case -32021:
      return 'missing_client_capability';
    case -32022:
      return 'unsupported_protocol_version';
    case -32700:
      return 'parse_error';
    default:
      return outcome.status >= 500 ? 'internal_error' : 'invalid_request';
  }
}

/** The CORS preflight's allowed request headers: ours, and the `Mcp-Param-*` headers the browser asks for. */
function allowedHeaders(req: IncomingMessage): string {
  const asked = String(req.headers['access-control-request-headers'] ?? '').split(',').map((name) => name.trim().toLowerCase());
  const params = asked.filter((name) => /^mcp-param-[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name));
  return [...ALLOWED_HEADERS, ...new Set(params)].join(', ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** Errors on the MCP endpoint carry a JSON-RPC error body, as the SDK's own transport answers. */
function sendJsonRpcError(res: ServerResponse, status: number, message: string, code = -32000): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });
}

