/**
 * The MCP endpoint over HTTP: stateless Streamable HTTP (MCP 2026-07-28 basic/transports/streamable-http, and
 * 2025-11-25 basic/transports#streamable-http for clients that open with `initialize`) at the path of MCP_PUBLIC_URL
 * (default `/mcp`), protected as an OAuth 2.1 resource server (2025-11-25 basic/authorization).
 *
 * Stateless: every POST is answered by a fresh Server (mcp-endpoint.ts), so nothing is shared between requests or
 * callers and any instance behind a load balancer can answer any request (2025-11-25
 * basic/transports#session-management makes sessions optional). Every request carries its own token: there is no
 * session to trust (RFC 6750 §3, RFC 9728 §5.1). A request to the endpoint passes, in order:
 *
 *   routing (probes.ts, resource-metadata.ts, 404)
 *   ▶ Host / Origin check (request-origin.ts, 403; a CORS preflight is answered here)
 *   ▶ bearer authentication (bearer-auth.ts, 401 / 503)
 *   ▶ rate limit of its first message (request-limits.ts, 429; one bucket per caller for every replica with REDIS_URL)
 *   ▶ method check (405)
 *   ▶ in-flight slot of its first message (request-limits.ts, 503)
 *   ▶ body (request-body.ts, 413 / 400)
 *   ▶ batching check (request-body.ts, 400)
 *   ▶ rate limit and in-flight slots for the rest of a batch (request-limits.ts, 429 / 400 / 503)
 *   ▶ step-up gate (step-up-gate.ts, 403)
 *   ▶ the MCP server, in the era the request speaks (mcp-endpoint.ts).
 *
 * Each check returns a Refusal (refusal.ts) that is sent here and audited (audit-trail.ts). Whatever is refused before
 * its body is read closes its connection (connection-limits.ts).
 */

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { publicUrlFor } from './auth-settings.js';
import type { AuthSettings } from './auth-settings.js';
import { openAuditSink } from './audit.js';
import type { AuditSink } from './audit.js';
import { createAuditTrail, denyAll, recordConsent, recordRefusal, recordUpstreamStatus, refusalReason } from './audit-trail.js';
import type { Trail } from './audit-trail.js';
import { createToolPolicy } from './authorization.js';
import { anonymousAuth, createBearerAuth } from './bearer-auth.js';
import type { Authenticated, BearerAuth } from './bearer-auth.js';
import { closeUnlessBodyRead, httpServerOptions, limitConnections } from './connection-limits.js';
import { consentContext } from './consent-setup.js';
import type { ConsentOptions } from './consent-setup.js';
import type { ServerDefinition } from './definition.js';
import { stepUpScopesFor, toolModeDecider } from './discovery.js';
import type { ToolModeSetting } from './discovery.js';
import type { ServerHooks } from './hooks.js';
import type { PolicyEngine } from './policies.js';
import { listen, trackForShutdown } from './http-lifecycle.js';
import { ConcurrencyLimiter } from './limits.js';
import type { InFlightLimit } from './limits.js';
import { createLog } from './log.js';
import { createMcpEndpoint } from './mcp-endpoint.js';
import { startObservability } from './observability.js';
import type { RequestTrace } from './tracing.js';
import { ALLOW_ALL } from './mcp-server.js';
import type { McpServerContext, ToolPolicy } from './mcp-server.js';
import { isProbePath, serveProbe } from './probes.js';
import type { ReadinessState } from './probes.js';
import { isRefusal, sendJson, sendRefusal } from './refusal.js';
import type { Refusal } from './refusal.js';
import { batchingRefusal, readJsonBody } from './request-body.js';
import { openRedisState } from './redis-state.js';
import type { RedisState } from './redis-state.js';
import { createRequestLimits, rateKeyOf } from './request-limits.js';
import { allowCors, answerPreflight, originPolicy, originRefusal } from './request-origin.js';
import type { OriginPolicy } from './request-origin.js';
import { metadataPaths, metadataUrl, protectedResourceMetadata, serveMetadata } from './resource-metadata.js';
import type { Log, Settings } from './settings.js';
import { createStepUpGate } from './step-up-gate.js';
import type { StepUpGate } from './step-up-gate.js';
import { createTokenVerifier } from './token-verifier.js';
import type { TokenVerifier } from './token-verifier.js';
import type { ToolSearch } from './tool-search.js';
import type { UpstreamContext } from './upstream.js';

/**
 * 2025-11-25 basic/transports#listening-for-messages-from-the-server: a server offering no SSE stream answers GET with
 * 405; #session-management: DELETE may be answered 405 too (stateless: there is no session to end).
 */
const METHOD_NOT_ALLOWED: Refusal = { status: 405, reason: 'method_not_allowed', message: 'Method not allowed: this stateless server accepts only POST', headers: { Allow: 'POST' } };
const INTERNAL_ERROR: Refusal = { status: 500, reason: 'internal_error', message: 'Internal error' };

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
  /** The project's Cedar policies (policies.ts), evaluated on every tool call; absent when they permit everything. */
  readonly policies?: PolicyEngine;
  /** The search behind the discovery meta-tool search_tools (tool-search.ts), over the generated index. */
  readonly search?: ToolSearch;
  /** Clock for token validity, in ms since the epoch (tests freeze it); default Date.now. */
  readonly now?: () => number;
  /** Monotonic clock in ms for the rate limiter's token buckets (tests move it); default performance.now. */
  readonly rateLimitClock?: () => number;
  /** First backoff of upstream retries in ms (tests shorten it); default 200. */
  readonly retryBaseDelayMs?: number;
  /** Consent seams: a single-use record shared by replicas (default in memory), a clock (tests move it). */
  readonly consent?: ConsentOptions;
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
  /** The state shared with the other replicas through Redis (REDIS_URL): its consent single-use record, its status. */
  readonly sharedState?: RedisState;
  /** Where the METRICS_PORT listener serves GET /metrics, when there is one. */
  readonly metricsUrl?: string;
  /**
   * Stops accepting connections, lets in-flight requests finish (bounded by SHUTDOWN_TIMEOUT_MS), then resolves.
   * Readiness answers 503 from the moment it is called.
   */
  close(): Promise<void>;
}

/** The checks that depend on the public URL, known once the server listens (the default one carries the bound port). */
interface Guards {
  readonly origins: OriginPolicy;
  readonly authenticate: BearerAuth;
  /** AUTH_MODE=oauth only. */
  readonly stepUp?: StepUpGate;
  readonly verifier?: TokenVerifier;
  /** The protected resource metadata (RFC 9728 §3) and the paths it is served at; AUTH_MODE=oauth only. */
  readonly metadata?: { readonly paths: readonly string[]; readonly body: string };
}

/** Starts the HTTP server on settings.host:settings.port; resolves once it listens. */
export async function startHttpServer(definition: ServerDefinition, settings: Settings, options: HttpServerOptions = {}): Promise<RunningHttpServer> {
  const auth = settings.auth;
  if (!auth) throw new Error('startHttpServer needs the authorization settings: readSettings(env, definition, { transport: "http" })');
  const protect = auth.mode === 'oauth';
  const maxBodyBytes = options.maxBodyBytes ?? settings.maxBodyBytes;
  const log = options.log ?? createLog(settings.logLevel);
  // Metrics and tracing (observability.ts): decisions are counted from the audit records themselves.
  const observed = await startObservability(definition, settings, log);
  const audit = createAuditTrail(observed.auditSink(options.audit ?? openAuditSink(auth.auditLog)), new Map(definition.tools.map((tool) => [tool.name, tool])), protect);
  // With REDIS_URL the replicas share the rate limit's buckets and consent's single-use record (redis-state.ts);
  // without it both stay in this process.
  const sharedState = settings.redis ? await openRedisState(settings.redis, settings, log) : undefined;
  const limits = createRequestLimits(settings, { clock: options.rateLimitClock, rateLimit: sharedState?.rateLimit });
  if (sharedState?.exchangedTokens) settings.credentials.shareExchangedTokens(sharedState.exchangedTokens);
  const upstreamLimiter = new ConcurrencyLimiter(settings.upstreamMaxConcurrency, settings.upstreamMaxQueue);
  const endpoint = createMcpEndpoint(definition);
  // What every request's MCP server shares; the caller and the audit hook are added per request.
  const policy: ToolPolicy = observed.toolPolicy(options.policy ?? (protect ? callerPolicy(definition) : ALLOW_ALL));
  const toolMode: ToolModeSetting = { mode: settings.toolMode, threshold: settings.toolModeThreshold };
  // Caller authorization decides from scopes and roles alone; a policy given in the options may look at more.
  const usesDiscovery = toolModeDecider(toolMode, definition.tools, (caller, tool) => policy.canSee(caller, tool), options.policy === undefined);
  const shared = {
    upstream: observed.upstream(upstreamContext(settings, upstreamLimiter, options)),
    policy,
    pageSize: settings.toolsPageSize,
    ...(options.search ? { search: options.search } : {}),
    // With REDIS_URL an approval is single use across the replicas, not once per replica.
    consent: consentContext(settings, sharedState && !options.consent?.record ? { ...options.consent, record: sharedState.singleUse } : options.consent),
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(options.policies ? { policies: observed.policies(options.policies) } : {}),
  } satisfies McpServerContext;
  let guards: Guards | undefined;

  const server = createServer(httpServerOptions(settings));
  const shutdown = trackForShutdown(server, () => void endpoint.close());
  const readiness: ReadinessState = {
    closing: () => shutdown.closing,
    upstreamBaseUrl: settings.upstreamBaseUrl,
    verifier: () => guards?.verifier,
    ...(sharedState ? { redisUp: () => sharedState.up } : {}),
  };

  async function handle(req: IncomingMessage, res: ServerResponse, trail: Trail, bodyRead: () => void, trace: RequestTrace | undefined): Promise<void> {
    const { origins, authenticate, stepUp, metadata } = guards!;
    res.setHeader('X-Request-Id', trail.requestId);
    const path = pathOf(req);
    if (isProbePath(path)) return serveProbe(req, res, path, readiness);
    if (metadata?.paths.includes(path)) return serveMetadata(req, res, metadata.body);
    if (observed.servesMetricsAt(path)) return observed.metrics!.serve(req, res);
    if (path !== auth!.path) return sendJson(res, 404, { error: 'not_found', message: `Not found; the MCP endpoint is ${auth!.path}` });

    const misplaced = originRefusal(req, origins);
    if (misplaced) return refuse(res, trail, misplaced);
    allowCors(res, req.headers.origin);
    // A preflight carries no credentials: it is answered before authentication.
    if (req.method === 'OPTIONS') return answerPreflight(req, res);
    // RFC 6750 §3, RFC 9728 §5.1: every request to the endpoint without a valid token gets 401, whatever its method.
    const authStarted = performance.now();
    const authenticated = await authenticate(req.headers.authorization);
    observed.authenticated(trace, authStarted, protect ? (isRefusal(authenticated) ? authenticated.reason : 'valid') : undefined);
    if (isRefusal(authenticated)) return refuse(res, trail, authenticated);
    trail.caller = authenticated.caller;
    // Per caller, before the body is read or parsed: a flood costs one token check and one bucket lookup each. The
    // token pays for the first message of the body; the rest of a batch is paid for once it is parsed.
    const rateKey = rateKeyOf(authenticated.caller, req.socket.remoteAddress);
    const limited = await limits.admit(rateKey);
    if (limited) return refuse(res, trail, limited);
    if (req.method !== 'POST') return refuse(res, trail, METHOD_NOT_ALLOWED);
    // One in-flight slot, taken before the body is read, bounds the memory of bodies being read and parsed.
    const slot = limits.takeSlot();
    if (isRefusal(slot)) return refuse(res, trail, slot);
    // Slots are freed once the response has closed and the work it started has ended: a client that goes away does
    // not free the slot of a call still running.
    const slots = [slot];
    let work: Promise<void> = Promise.resolve();
    const release = () => slots.splice(0).forEach((free) => free());
    res.once('close', () => void work.then(release, release));

    const read = await readJsonBody(req, maxBodyBytes);
    if ('gone' in read) return denyAll(trail, 'client_closed', true);
    if ('refusal' in read) return refuse(res, trail, read.refusal);
    bodyRead();
    const body = read.json;
    // Decided once for the request from its caller: the audit, the step-up gate and the MCP server all see the same mode.
    const discovery = usesDiscovery(authenticated.caller);
    const messages = audit.messages(body, trail, discovery);
    observed.opened(trace, body, messages);
    const batched = batchingRefusal(req.headers['mcp-protocol-version'], body);
    if (batched) return refuse(res, trail, batched);
    if (Array.isArray(body)) {
      const more = await limits.chargeBatch(body.length, rateKey);
      if (isRefusal(more)) return refuse(res, trail, more);
      slots.push(more);
    }
    const stepUpRefusal = stepUp?.(messages, authenticated.caller, Array.isArray(body));
    if (stepUpRefusal) {
      // Nothing in the request runs: what the gate has not refused itself is audited as refused with it.
      denyAll(trail, stepUpRefusal.reason);
      observed.steppedUp(messages);
      return sendRefusal(res, stepUpRefusal);
    }
    const mode: ToolModeSetting = { ...toolMode, mode: discovery ? 'discovery' : 'direct' };
    // Traced, the policy and upstream spans of the call are children of the request's span.
    work = trace ? trace.run(() => serveMcp(req, res, authenticated, body, trail, mode)) : serveMcp(req, res, authenticated, body, trail, mode);
    await work;
  }

  /** Serves one MCP POST whose body has been read, in the era it speaks (mcp-endpoint.ts), and audits a refusal. */
  async function serveMcp(req: IncomingMessage, res: ServerResponse, authenticated: Authenticated, body: unknown, trail: Trail, mode: ToolModeSetting): Promise<void> {
    const work: Promise<unknown>[] = [];
    const outcome = await endpoint.serve(req, res, body, authenticated.authInfo, {
      ...shared,
      caller: authenticated.caller,
      toolMode: mode,
      // The verified token, for schemes that exchange it to act for the user upstream (token-exchange.ts).
      ...(authenticated.authInfo?.token ? { subjectToken: authenticated.authInfo.token } : {}),
      track: (call) => void work.push(call),
      onUpstreamResponse: ({ requestId, status, upstreamCredential, onBehalfOf }) => recordUpstreamStatus(trail, requestId, status, upstreamCredential ? { upstreamCredential, onBehalfOf } : undefined),
      onRefusal: ({ requestId, reason, policyId }) => recordRefusal(trail, requestId, reason, policyId),
      onConsent: ({ requestId, outcome, why }) => recordConsent(trail, requestId, outcome, why),
    });
    if (outcome.status >= 400) denyAll(trail, refusalReason(outcome), true);
    // The answer is written, or the client has gone: either way, the request's slots stay taken until its work ends.
    await Promise.allSettled(work);
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // While closing, a connection is not kept alive, whether or not its body has been read.
    const bodyRead = closeUnlessBodyRead(req, res, () => !shutdown.closing);
    const trail = audit.start(req);
    logRequest(log, req, res, trail);
    const trace = pathOf(req) === auth.path ? observed.trace(req) : undefined;
    res.once('close', () => {
      observed.ended(trace, trail, res.statusCode);
      audit.write(trail);
    });
    handle(req, res, trail, bodyRead, trace).catch((error: unknown) => {
      log('error', 'request failed', { requestId: trail.requestId, method: req.method, path: pathOf(req), error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      if (!res.headersSent) sendRefusal(res, INTERNAL_ERROR);
      else res.destroy();
    });
  });
  limitConnections(server, settings);

  const port = await listen(server, settings.port, settings.host).catch(async (error: unknown) => {
    // An open Redis connection would keep the process alive after the start-up error.
    await sharedState?.close();
    throw error;
  });
  const publicUrl = publicUrlFor(auth, settings.host, port);
  guards = guardsFor(definition, auth, settings.host, publicUrl, log, options.now, observed.metrics?.jwksFetched);
  const metricsUrl = await observed.listen();
  const host = isIP(settings.host) === 6 ? `[${settings.host}]` : settings.host;
  return {
    url: `http://${host}:${port}${auth.path}`,
    publicUrl,
    upstreamLimiter,
    requestLimit: limits.inFlight,
    ...(sharedState ? { sharedState } : {}),
    ...(metricsUrl === undefined ? {} : { metricsUrl }),
    // The spans of the last requests are exported once they have ended; Redis is let go whatever happened.
    close: () =>
      shutdown
        .close(options.closeTimeoutMs ?? settings.shutdownTimeoutMs)
        .then(() => observed.close())
        .finally(() => sharedState?.close()),
  };
}

/**
 * Caller authorization (authorization.ts) with the step-up scopes of tools the caller lacks only scopes for, so the
 * discovery meta-tools can show them with what a step-up would ask for.
 */
function callerPolicy(definition: ServerDefinition): ToolPolicy {
  return { ...createToolPolicy(definition.impliedScopes), stepUpScopes: (caller, tool) => stepUpScopesFor(caller, tool, definition.impliedScopes) };
}

/** Answers with a refusal and audits the request as refused for its reason: each of its messages, if known. */
function refuse(res: ServerResponse, trail: Trail, refusal: Refusal): void {
  denyAll(trail, refusal.reason, true);
  sendRefusal(res, refusal);
}

/** The checks of an endpoint at `publicUrl`: Host/Origin always; with AUTH_MODE=oauth, tokens, step-up and metadata. */
function guardsFor(
  definition: ServerDefinition,
  auth: AuthSettings,
  listenHost: string,
  publicUrl: string,
  log: Log,
  now: (() => number) | undefined,
  onJwksFetch: ((outcome: 'ok' | 'error') => void) | undefined,
): Guards {
  const origins = originPolicy(listenHost, publicUrl, auth.allowedOrigins);
  if (auth.mode !== 'oauth') return { origins, authenticate: anonymousAuth };
  const resourceMetadataUrl = metadataUrl(publicUrl);
  const verifier = createTokenVerifier({
    issuer: auth.issuer,
    audience: auth.audience ?? publicUrl,
    jwksUrl: auth.jwksUrl,
    algorithms: auth.algorithms,
    clockToleranceSeconds: auth.clockToleranceSeconds,
    rolesClaim: auth.rolesClaim,
    introspection: auth.introspection,
    resource: publicUrl,
    log,
    ...(now ? { now } : {}),
    ...(onJwksFetch ? { onJwksFetch } : {}),
  });
  const challengeScopes = auth.challengeScopes ?? definition.scopes.filter((scope) => scope !== 'offline_access');
  return {
    origins,
    authenticate: createBearerAuth({ verifier, resourceMetadataUrl, challengeScopes }),
    stepUp: createStepUpGate(definition, resourceMetadataUrl),
    verifier,
    metadata: { paths: metadataPaths(publicUrl), body: JSON.stringify(protectedResourceMetadata(definition, publicUrl, auth.issuer)) },
  };
}

/** How tools reach the upstream API: UPSTREAM_* settings, and the test seams of `options`. */
function upstreamContext(settings: Settings, limiter: ConcurrencyLimiter, options: HttpServerOptions): UpstreamContext {
  return {
    baseUrl: settings.upstreamBaseUrl,
    credentials: settings.credentials,
    timeoutMs: settings.upstreamTimeoutMs,
    maxResponseBytes: settings.upstreamMaxResponseBytes,
    limiter,
    retries: settings.upstreamRetries,
    ...(options.retryBaseDelayMs === undefined ? {} : { retryBaseDelayMs: options.retryBaseDelayMs }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
}

/** Logs one line per request once it is answered: the path only, since a query string might carry a token (RFC 6750 §5.3). */
function logRequest(log: Log, req: IncomingMessage, res: ServerResponse, trail: Trail): void {
  res.once('finish', () => {
    const path = pathOf(req);
    // Probes come every few seconds: their lines are debug, so they do not drown the requests that matter.
    log(isProbePath(path) ? 'debug' : 'info', 'request', { requestId: trail.requestId, method: req.method, path, status: res.statusCode, durationMs: Date.now() - trail.started });
  });
}

/** The path of the request's target, without its query; `/` when it does not parse. */
function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return '/';
  }
}
