/**
 * The MCP endpoint over HTTP: stateless Streamable HTTP (2025-11-25 basic/transports#streamable-http) at the path of
 * MCP_PUBLIC_URL (default `/mcp`), protected as an OAuth 2.1 resource server (2025-11-25 basic/authorization).
 *
 * Stateless: every POST gets a fresh transport and a fresh Server, closed when its response ends, so nothing is shared
 * between requests or callers and any instance behind a load balancer can answer any request (contract §8). A request
 * passes, in order: routing → Host/Origin check → `authenticate` (401) → method check → body → step-up check (403) →
 * the MCP server. Every request carries its own token: there is no session to trust (contract §3).
 */

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { isLoopbackHost, publicUrlFor } from './auth-settings.js';
import { openAuditSink, requestIdOf } from './audit.js';
import type { AuditRecord, AuditSink } from './audit.js';
import { createToolPolicy, decide } from './authorization.js';
import { insufficientScopeChallenge, stepUpScopes, unauthorizedChallenge } from './challenges.js';
import type { ServerDefinition } from './definition.js';
import type { ServerHooks } from './hooks.js';
import { JsonResponseTransport } from './json-transport.js';
import { ALLOW_ALL, ANONYMOUS_CALLER, createMcpServer } from './mcp-server.js';
import type { CallerContext, ToolPolicy } from './mcp-server.js';
import { metadataPaths, metadataUrl, protectedResourceMetadata, serveMetadata } from './resource-metadata.js';
import { ConcurrencyLimiter, RateLimiter } from './limits.js';
import { createLog } from './log.js';
import type { Log, Settings } from './settings.js';
import { AuthServerUnavailableError, createTokenVerifier, InvalidTokenError, RETRY_AFTER_FAILURE_MS } from './token-verifier.js';
import type { TokenVerifier } from './token-verifier.js';
import type { UpstreamContext } from './upstream.js';

/** Unauthenticated probes for orchestrators; they reveal nothing but ok / ready / a short reason. */
const HEALTH_PATH = '/healthz';
const READINESS_PATH = '/readyz';
/** Request headers a browser client may send (CORS preflight of the MCP endpoint). */
const ALLOWED_HEADERS = 'authorization, content-type, mcp-protocol-version, mcp-session-id, last-event-id';
/** Response headers a browser client must be able to read: the challenge (contract §3) and the session id. */
const EXPOSED_HEADERS = 'WWW-Authenticate, Mcp-Session-Id';

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
  /** The canonical URL of the endpoint: the metadata's `resource` and the expected audience (contract §1). */
  readonly publicUrl: string;
  /** Caps concurrent upstream requests (UPSTREAM_MAX_CONCURRENCY); readable for tests and metrics. */
  readonly upstreamLimiter: ConcurrencyLimiter;
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
  // The scopes "the server uses" (contract §5): what tools require, and the broader scopes that imply them.
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

  async function handle(req: IncomingMessage, res: ServerResponse, trail: Trail): Promise<void> {
    // While closing, answered connections are not kept alive, so they do not hold close() up.
    if (closing) res.setHeader('Connection', 'close');
    res.setHeader('X-Request-Id', trail.requestId);
    const path = pathOf(req);
    if (path === HEALTH_PATH || path === READINESS_PATH) return serveProbe(req, res, path);
    if (protect && wellKnownPaths.includes(path)) return serveMetadata(req, res, metadataBody);
    if (path !== auth!.path) return sendJson(res, 404, { error: 'not_found', message: `Not found; the MCP endpoint is ${auth!.path}` });

    // Contract §8 (2025-11-25 basic/transports#security-warning): DNS rebinding and cross-site browser requests.
    if (!hostAllowed(req)) return refuse(res, trail, 403, 'host', 'Forbidden: Host header not allowed');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(originOf(origin))) return refuse(res, trail, 403, 'origin', 'Forbidden: Origin not allowed');
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      // A preflight carries no credentials: it is answered before authentication.
      res.writeHead(204, { Allow: 'POST, OPTIONS', 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': ALLOWED_HEADERS, 'Access-Control-Max-Age': '600' });
      return void res.end();
    }
    // Contract §3: every request to the endpoint without a valid token gets 401, whatever its method.
    const authenticated = await authenticate(req, res, trail);
    if (!authenticated) return;
    trail.caller = authenticated.caller;
    // Per caller, before the body is read or parsed: a flood costs one token check and one bucket lookup each.
    const limited = rateLimiter.take(rateKeyOf(authenticated.caller));
    if (!limited.allowed) {
      res.setHeader('Retry-After', String(limited.retryAfterSeconds));
      return refuse(res, trail, 429, 'rate_limited', 'Too many requests: slow down and retry after the Retry-After delay');
    }
    if (req.method !== 'POST') {
      // 2025-11-25 basic/transports#listening-for-messages-from-the-server: a server offering no SSE stream answers GET
      // with 405; #session-management: DELETE may be answered 405 too (stateless: there is no session to end).
      res.setHeader('Allow', 'POST');
      return sendJsonRpcError(res, 405, 'Method not allowed: this stateless server accepts only POST');
    }
    const body = await readJsonBody(req, res, maxBodyBytes);
    if (body === NO_BODY) return;
    if (stepUpRefused(body, authenticated.caller, res, trail)) return;
    await handleMcp(req, res, authenticated, body, trail);
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
    // Contract §3 / RFC 6750 §2.1: the Authorization header only; an access_token in the query is ignored.
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

  /**
   * Records a decision per JSON-RPC message and answers 403 with a step-up challenge when a tools/call lacks scopes
   * (contract §5), before anything runs. A role refusal is left to the tool's answer: it never asks for scopes (§6).
   */
  function stepUpRefused(body: unknown, caller: CallerContext, res: ServerResponse, trail: Trail): boolean {
    const wanted: string[] = [];
    const refusedTools: string[] = [];
    let firstRefusedId: unknown = null;
    for (const message of Array.isArray(body) ? body : [body]) {
      if (!isObject(message) || typeof message.method !== 'string') continue;
      const entry: Entry = { id: message.id, method: message.method.slice(0, 100), decision: 'allow', reason: protect ? 'ok' : 'auth_disabled' };
      trail.entries.push(entry);
      if (message.method !== 'tools/call') continue;
      const name = isObject(message.params) && typeof message.params.name === 'string' ? message.params.name : undefined;
      if (name === undefined) continue;
      const tool = tools.get(name);
      Object.assign(entry, { tool: name.slice(0, 200) }, tool ? { requiredScopes: tool.scopes } : { decision: 'deny', reason: 'unknown_tool' });
      if (!tool || !protect) continue;
      const decision = decide(caller, tool, definition.impliedScopes);
      if (decision.allowed) continue;
      Object.assign(entry, { decision: 'deny', reason: decision.denied === 'role' ? 'role' : 'insufficient_scope' });
      if (decision.denied !== 'scope') continue;
      if (refusedTools.length === 0) firstRefusedId = message.id ?? null;
      refusedTools.push(tool.name);
      wanted.push(...stepUpScopes(decision.challengeScopes, caller.scopes, serverScopes));
    }
    if (refusedTools.length === 0) return false;
    // The whole request is refused: nothing in it runs, so nothing in it is audited as allowed.
    for (const entry of trail.entries) if (entry.decision === 'allow') Object.assign(entry, { decision: 'deny', reason: 'batch_refused' });
    const description = `The access token lacks scopes needed by ${refusedTools.join(', ')}`;
    res.setHeader('WWW-Authenticate', insufficientScopeChallenge({ resourceMetadataUrl, scopes: [...new Set(wanted)], description }));
    sendJson(res, 403, { jsonrpc: '2.0', error: { code: -32000, message: `Forbidden: ${description}` }, id: Array.isArray(body) ? null : firstRefusedId });
    return true;
  }

  /** Serves one MCP POST whose body has been read: a fresh transport and Server, both closed with the response. */
  async function handleMcp(req: IncomingMessage, res: ServerResponse, authenticated: Authenticated, body: unknown, trail: Trail): Promise<void> {
    const server = createMcpServer(definition, {
      upstream,
      caller: authenticated.caller,
      policy,
      ...(options.hooks ? { hooks: options.hooks } : {}),
      onUpstreamResponse: ({ requestId, status }) => {
        const entry = trail.entries.find((candidate) => candidate.id === requestId);
        if (entry) entry.upstreamStatus = status;
      },
    });
    // Stateless and JSON-only, so the SDK's StreamableHTTPServerTransport (and its Node-to-Web request conversion) is
    // not needed: json-transport.ts applies the same Streamable HTTP rules to the body already parsed here.
    const transport = new JsonResponseTransport();
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    // Request handlers get the caller's AuthInfo as extra.authInfo, as with the SDK's transport.
    await transport.handle(req, res, body, authenticated.authInfo);
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

  function refuse(res: ServerResponse, trail: Trail, status: number, reason: string, message: string): void {
    trail.entries.push({ decision: 'deny', reason });
    sendJsonRpcError(res, status, message);
  }

  /** Writes the request's audit lines (contract §9) once its response has ended. */
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
  const server = createServer((req, res) => {
    active.add(res);
    res.once('close', () => active.delete(res));
    const trail: Trail = { requestId: requestIdOf(req), started: Date.now(), entries: [] };
    // The path only: a query string might carry a token (contract §3: never logged).
    res.once('finish', () => {
      const path = pathOf(req);
      // Probes come every few seconds: their lines are debug, so they do not drown the requests that matter.
      const level = path === HEALTH_PATH || path === READINESS_PATH ? 'debug' : 'info';
      log(level, 'request', { requestId: trail.requestId, method: req.method, path, status: res.statusCode, durationMs: Date.now() - trail.started });
    });
    res.once('close', () => writeAudit(trail));
    handle(req, res, trail).catch((error: unknown) => {
      log('error', 'request failed', { requestId: trail.requestId, method: req.method, path: pathOf(req), error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      if (!res.headersSent) sendJsonRpcError(res, 500, 'Internal error');
      else res.destroy();
    });
  });

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
    close() {
      closing = true;
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

/** Reads and parses the JSON body, or answers 413 / 400 itself and returns NO_BODY. */
async function readJsonBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<unknown> {
  const text = await readBody(req, maxBytes);
  if (text === undefined) {
    // The rest of the body is not drained: the connection is closed once the answer is sent.
    res.setHeader('Connection', 'close');
    sendJsonRpcError(res, 413, `Request body larger than ${maxBytes} bytes`);
    return NO_BODY;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    sendJsonRpcError(res, 400, 'Parse error: the body is not JSON', -32700);
    return NO_BODY;
  }
}

/** The body as text, or undefined as soon as it is known to exceed `maxBytes` (declared or as received). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // Stop reading without destroying the socket, which would lose the 413 answer.
      req.off('data', onData).pause();
      resolve(undefined);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    // A client that goes away mid-body: settles the promise (a no-op when it already has) so nothing waits forever.
    req.once('close', () => reject(new Error('the client closed the connection before sending the whole body')));
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

/** The rate limiter's key: the token's subject, else its client id; everyone shares one bucket without authorization. */
function rateKeyOf(caller: CallerContext): string {
  if (caller.subject !== undefined) return `sub:${caller.subject}`;
  if (caller.clientId !== undefined) return `client:${caller.clientId}`;
  return 'anonymous';
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

