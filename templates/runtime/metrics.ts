/**
 * Prometheus metrics of the HTTP server (GET /metrics, text exposition format 0.0.4), on a registry of its own (never
 * prom-client's global one, so nothing else in the process adds to it). Decisions are counted from the audit records
 * themselves (audit.ts), so metrics and audit can never disagree.
 *
 * Label values are bounded: the JSON-RPC method only from the MCP methods below, the tool only from the definition's
 * tool names (anything else is `other` / `unknown`), reasons only from the server's own reason codes. No subject,
 * client id, argument, URL or token is ever a label value.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { isAuditReason } from './audit-reasons.js';
import type { TokenCheckOutcome } from './audit-reasons.js';
import type { AuditRecord } from './audit.js';

/** The JSON-RPC methods of MCP (2025-11-25 and 2026-07-28 schema): any other method is counted as `other`. */
const MCP_METHODS = new Set([
  'initialize',
  'ping',
  'server/discover',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'tasks/get',
  'tasks/list',
  'tasks/result',
  'tasks/cancel',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
]);

/** Upstream latency buckets in seconds: from a cached answer on the same network to the default 30 s timeout. */
const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** How one upstream attempt ended, when it did not end with a response. */
export type UpstreamFailure = 'error' | 'timeout';

export interface Metrics {
  readonly registry: Registry;
  /** Counts one audit record: the request (method, tool) and the decision (outcome, reason). */
  audited(record: AuditRecord): void;
  /** Counts one bearer token check: `valid`, or the refusal's reason (`missing_token`, `invalid_token:expired`, ...). */
  tokenVerified(outcome: TokenCheckOutcome): void;
  /** Counts one fetch of the authorization server's JWKS. */
  jwksFetched(outcome: 'ok' | 'error'): void;
  /** Counts one tools/call of `tool` refused with a step-up challenge (403 insufficient_scope, MCP 2025-11-25 basic/authorization#scope-challenge-handling). */
  stepUp(tool: string): void;
  /** Counts one upstream attempt of `tool` that ended with `status` (or failed) after `seconds`. */
  upstream(tool: string, outcome: number | UpstreamFailure, seconds: number): void;
  /** Answers GET /metrics. */
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** The server's metrics, for a definition whose tools are named `toolNames`; Node's process metrics included. */
export function createMetrics(toolNames: readonly string[]): Metrics {
  const registry = new Registry();
  const tools = new Set(toolNames);
  const tool = (name: string | undefined) => (name === undefined ? 'none' : tools.has(name) ? name : 'unknown');
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'mcp_requests_total',
    help: 'MCP (JSON-RPC) requests received, by method and tool; method "none" when refused before the body was read.',
    labelNames: ['method', 'tool'],
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'mcp_decisions_total',
    help: 'Authorization decisions, one per audit record, by decision (allow, deny) and reason.',
    labelNames: ['decision', 'reason'],
    registers: [registry],
  });
  const stepUps = new Counter({
    name: 'mcp_step_up_challenges_total',
    help: 'tools/call messages refused with a 403 insufficient_scope challenge (a step-up), by tool.',
    labelNames: ['tool'],
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'mcp_token_verifications_total',
    help: 'Bearer token checks, by outcome (valid, or the refusal reason).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const jwks = new Counter({
    name: 'mcp_jwks_fetches_total',
    help: "Fetches of the authorization server's JWKS (key refreshes), by outcome (ok, error).",
    labelNames: ['outcome'],
    registers: [registry],
  });
  const upstreamCalls = new Counter({
    name: 'mcp_upstream_requests_total',
    help: 'Upstream HTTP requests (each retry counts), by tool and status class (2xx..5xx, error, timeout).',
    labelNames: ['tool', 'status_class'],
    registers: [registry],
  });
  const upstreamLatency = new Histogram({
    name: 'mcp_upstream_request_duration_seconds',
    help: 'Time from sending an upstream request to its response headers (or failure), by tool and status class.',
    labelNames: ['tool', 'status_class'],
    buckets: UPSTREAM_BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    audited(record) {
      requests.inc({ method: methodLabel(record.method), tool: record.method === 'tools/call' ? tool(record.tool) : 'none' });
      decisions.inc({ decision: record.decision, reason: reasonLabel(record.reason) });
    },
    tokenVerified: (outcome) => tokens.inc({ outcome: outcome === 'valid' ? outcome : reasonLabel(outcome) }),
    jwksFetched: (outcome) => jwks.inc({ outcome }),
    stepUp: (name) => stepUps.inc({ tool: tool(name) }),
    upstream(name, outcome, seconds) {
      const labels = { tool: tool(name), status_class: statusClass(outcome) };
      upstreamCalls.inc(labels);
      upstreamLatency.observe(labels, seconds);
    },
    async serve(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
        return;
      }
      const text = await registry.metrics();
      res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    },
  };
}

/** The method label: an MCP method as is, `none` when the body was never read, anything else `other`. */
function methodLabel(method: string | undefined): string {
  if (method === undefined) return 'none';
  return MCP_METHODS.has(method) ? method : 'other';
}

/** An audit reason (audit-reasons.ts) as is; anything else is `other`, so the label values stay bounded. */
function reasonLabel(reason: string): string {
  return isAuditReason(reason) ? reason : 'other';
}

/** `2xx` ... `5xx` for an HTTP status, `error` / `timeout` when no response came. */
function statusClass(outcome: number | UpstreamFailure): string {
  if (typeof outcome !== 'number') return outcome;
  return outcome >= 100 && outcome < 600 ? `${Math.floor(outcome / 100)}xx` : 'error';
}

/** A separate listener that serves only GET /metrics (METRICS_PORT): every other path is 404. */
export function serveMetricsOnly(metrics: Metrics): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found; metrics are at /metrics\n');
      return;
    }
    metrics.serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
}
