/**
 * Metrics (metrics.ts) and tracing (tracing.ts) of one HTTP server, wired to the places that feed them: the audit
 * sink (decisions and requests), the token check, the step-up gate, the tool policies and the upstream requests. Both
 * are off unless their settings are set (observability-settings.ts); off, every hook here is a no-op.
 */

import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { isIP } from 'node:net';
import type { TokenCheckOutcome } from './audit-reasons.js';
import type { AuditSink } from './audit.js';
import type { AuditedMessage, Trail } from './audit-trail.js';
import type { ServerDefinition } from './definition.js';
import { listen } from './http-lifecycle.js';
import type { ToolPolicy } from './mcp-server.js';
import { createMetrics, serveMetricsOnly } from './metrics.js';
import type { Metrics } from './metrics.js';
import type { PolicyEngine } from './policies.js';
import type { Log, Settings } from './settings.js';
import { startTracing } from './tracing.js';
import type { RequestTrace, Tracing } from './tracing.js';
import { observedCredentials } from './upstream-observer.js';
import type { UpstreamContext } from './upstream.js';

export interface Observability {
  readonly metrics: Metrics | undefined;
  readonly tracing: Tracing | undefined;
  /** The audit sink that also counts every record. */
  auditSink(sink: AuditSink): AuditSink;
  /** The upstream context whose requests are timed, counted and traced. */
  upstream(context: UpstreamContext): UpstreamContext;
  /** The tool policy whose checks are traced. */
  toolPolicy(policy: ToolPolicy): ToolPolicy;
  /** The Cedar policies whose decisions are traced. */
  policies(engine: PolicyEngine): PolicyEngine;
  /** Whether `path` on the main port is /metrics and METRICS_ALLOW_UNAUTHENTICATED allows it there. */
  servesMetricsAt(path: string): boolean;
  /** The trace of a request to the MCP endpoint, or undefined when tracing is off. */
  trace(req: IncomingMessage): RequestTrace | undefined;
  /** Records the bearer token check that started at `startedMs` (performance.now): its span and its outcome. */
  authenticated(trace: RequestTrace | undefined, startedMs: number, outcome: TokenCheckOutcome | undefined): void;
  /** Starts the request span once the body is known: its MCP method and tool, as the audit trail read them. */
  opened(trace: RequestTrace | undefined, body: unknown, messages: readonly AuditedMessage[]): void;
  /** Counts the tools/call messages the step-up gate refused for their scopes. */
  steppedUp(messages: readonly AuditedMessage[]): void;
  /** Ends the request span and gives the audit lines its trace id. */
  ended(trace: RequestTrace | undefined, trail: Trail, status: number): void;
  /** Starts the METRICS_PORT listener, if any; resolves with its /metrics URL. */
  listen(): Promise<string | undefined>;
  /** Stops the metrics listener and exports the spans not yet sent. */
  close(): Promise<void>;
}

/** The observability of a server: loads the OpenTelemetry SDK only when an OTLP endpoint is set. */
export async function startObservability(definition: ServerDefinition, settings: Settings, log: Log): Promise<Observability> {
  const config = settings.observability;
  const metrics = config?.metrics ? createMetrics(definition.tools.map((tool) => tool.name)) : undefined;
  const tracing = config?.tracing ? await startTracing(config.tracing, definition, log) : undefined;
  const observer = { metrics, tracing };
  let listener: Server | undefined;
  return {
    metrics,
    tracing,
    auditSink: (sink) =>
      metrics
        ? (record) => {
            metrics.audited(record);
            sink(record);
          }
        : sink,
    upstream: (context) => (metrics || tracing ? { ...context, credentials: observedCredentials(context.credentials, observer) } : context),
    toolPolicy: (policy) => (tracing ? tracing.toolPolicy(policy) : policy),
    policies: (engine) => (tracing ? tracing.policies(engine) : engine),
    servesMetricsAt: (path) => path === '/metrics' && metrics !== undefined && config?.metrics?.onMainPort === true,
    trace: (req) => tracing?.request(req),
    authenticated(trace, startedMs, outcome) {
      if (outcome === undefined) return;
      metrics?.tokenVerified(outcome);
      trace?.phase('authorization', startedMs, { 'mcp.token.outcome': outcome }, outcome !== 'valid');
    },
    opened(trace, body, messages) {
      if (!trace) return;
      const [first] = messages;
      const single = messages.length === 1 && first !== undefined;
      trace.open(body, {
        ...(single && first.entry.method !== undefined ? { 'mcp.method.name': first.entry.method } : {}),
        // Only a tool of the definition: a name the caller made up is not repeated into the trace.
        ...(single && first.tool ? { 'gen_ai.tool.name': first.tool.name } : {}),
        ...(Array.isArray(body) ? { 'jsonrpc.batch.size': body.length } : {}),
      });
    },
    steppedUp(messages) {
      for (const { entry, tool } of messages) if (tool && entry.reason === 'insufficient_scope') metrics?.stepUp(tool.name);
    },
    ended(trace, trail, status) {
      if (!trace) return;
      const [first] = trail.entries;
      trail.traceId = trace.end(status, first ? { 'mcp.decision': first.decision, 'mcp.decision.reason': first.reason } : {});
    },
    async listen() {
      const port = config?.metrics?.port;
      if (!metrics || port === undefined) return undefined;
      listener = createServer(serveMetricsOnly(metrics));
      const host = config!.metrics!.host;
      const bound = await listen(listener, port, host);
      return `http://${isIP(host) === 6 ? `[${host}]` : host}:${bound}/metrics`;
    },
    async close() {
      if (listener) {
        const closing = new Promise<void>((resolve) => listener!.close(() => resolve()));
        listener.closeAllConnections();
        await closing;
      }
      await tracing?.flush();
    },
  };
}
