/**
 * What one HTTP request to the MCP endpoint decided, gathered while it is answered and written to the audit stream
 * (audit.ts) once its response has closed: one line per JSON-RPC message of its body, or one line for a request
 * refused before its body was known. Never the token, never argument values (RFC 6750 §5.3: bearer tokens are not logged).
 */

import type { IncomingMessage } from 'node:http';
import { requestIdOf } from './audit.js';
import type { AuditRecord, AuditSink } from './audit.js';
import type { Caller } from './caller.js';
import type { ToolDefinition } from './definition.js';
import type { EndpointOutcome } from './mcp-endpoint.js';
import { traceIdOf, traceparentOf } from './trace-context.js';

/** One audit record in the making; `id` is the JSON-RPC id it belongs to. */
export type Entry = Omit<AuditRecord, 'time' | 'requestId' | 'durationMs' | 'subject' | 'clientId' | 'grantedScopes'> & {
  id?: unknown;
  upstreamStatus?: number;
  upstreamCredential?: 'exchanged';
  onBehalfOf?: string;
};

/** What one HTTP request has decided so far. */
export interface Trail {
  readonly requestId: string;
  readonly started: number;
  caller?: Caller;
  readonly entries: Entry[];
  /** The trace id of the request's span when tracing is on (tracing.ts): it replaces the `_meta` one in every line. */
  traceId?: string;
}

/** A JSON-RPC message of the body with its audit entry, and the tool it calls (tools/call of a known tool). */
export interface AuditedMessage {
  readonly entry: Entry;
  readonly id: unknown;
  readonly tool?: ToolDefinition | undefined;
}

export interface AuditTrail {
  /** The trail of a request that has just arrived, under its request id (audit.ts requestIdOf). */
  start(req: IncomingMessage): Trail;
  /** One entry per JSON-RPC message of the body (its id, method and tool), each `allow` until decided otherwise. */
  messages(body: unknown, trail: Trail): AuditedMessage[];
  /** Writes the request's audit lines; called once its response has closed. */
  write(trail: Trail): void;
}

/**
 * The audit of the endpoint's requests, written to `sink`. With `protect` (AUTH_MODE=oauth) an allowed message reads
 * `ok` and carries the granted scopes; without it, `auth_disabled`.
 */
export function createAuditTrail(sink: AuditSink, tools: ReadonlyMap<string, ToolDefinition>, protect: boolean): AuditTrail {
  const allowedReason = protect ? 'ok' : 'auth_disabled';
  return {
    start: (req) => ({ requestId: requestIdOf(req), started: Date.now(), entries: [] }),
    messages(body, trail) {
      const messages: AuditedMessage[] = [];
      for (const message of Array.isArray(body) ? body : [body]) {
        if (!isObject(message) || typeof message.method !== 'string') continue;
        const traceparent = isObject(message.params) ? traceparentOf(message.params._meta) : undefined;
        const entry: Entry = {
          id: message.id,
          method: message.method.slice(0, 100),
          decision: 'allow',
          reason: allowedReason,
          ...(traceparent === undefined ? {} : { traceId: traceIdOf(traceparent) }),
        };
        const name = message.method === 'tools/call' && isObject(message.params) && typeof message.params.name === 'string' ? message.params.name : undefined;
        const tool = name === undefined ? undefined : tools.get(name);
        if (name !== undefined) Object.assign(entry, { tool: name.slice(0, 200) }, tool ? { requiredScopes: tool.scopes } : { decision: 'deny', reason: 'unknown_tool' });
        trail.entries.push(entry);
        messages.push({ entry, id: message.id, ...(name === undefined ? {} : { tool }) });
      }
      return messages;
    },
    write(trail) {
      const caller = trail.caller;
      const entries = trail.entries.length ? trail.entries : caller ? [{ decision: 'allow' as const, reason: allowedReason }] : [];
      const common = {
        time: new Date(trail.started).toISOString(),
        requestId: trail.requestId,
        ...(caller?.subject === undefined ? {} : { subject: caller.subject }),
        ...(caller?.clientId === undefined ? {} : { clientId: caller.clientId }),
      };
      const durationMs = Date.now() - trail.started;
      for (const { id: _id, ...entry } of entries) {
        sink({ ...common, ...entry, ...(caller && protect ? { grantedScopes: caller.scopes } : {}), ...(trail.traceId === undefined ? {} : { traceId: trail.traceId }), durationMs });
      }
    },
  };
}

/**
 * Marks the request's entries as refused for `reason` — those still allowed, or with `every` all of them (the whole
 * body was refused for this reason) — or records one refusal when the body is not known.
 */
export function denyAll(trail: Trail, reason: string, every = false): void {
  if (trail.entries.length === 0) return void trail.entries.push({ decision: 'deny', reason });
  for (const entry of trail.entries) if (every || entry.decision === 'allow') Object.assign(entry, { decision: 'deny', reason });
}

/**
 * Records the HTTP status of the upstream response to the tools/call with JSON-RPC id `requestId`, and whether the
 * call was made on the user's behalf with an exchanged token (whose user, never the token).
 */
export function recordUpstreamStatus(trail: Trail, requestId: unknown, status: number, exchanged?: { readonly upstreamCredential: 'exchanged'; readonly onBehalfOf?: string | undefined }): void {
  const entry = trail.entries.find((candidate) => candidate.id === requestId);
  if (!entry) return;
  entry.upstreamStatus = status;
  if (exchanged) {
    entry.upstreamCredential = exchanged.upstreamCredential;
    if (exchanged.onBehalfOf !== undefined) entry.onBehalfOf = exchanged.onBehalfOf;
  }
}

/**
 * Records that the tools/call with JSON-RPC id `requestId` was refused for `reason` (by its argument bindings, or by
 * the Cedar policy `policyId`).
 */
export function recordRefusal(trail: Trail, requestId: unknown, reason: string, policyId?: string): void {
  const entry = trail.entries.find((candidate) => candidate.id === requestId);
  if (entry) Object.assign(entry, { decision: 'deny', reason }, policyId === undefined ? {} : { policyId });
}

/**
 * The audit reason of a request the MCP layer refused (HTTP 4xx or 5xx), by its JSON-RPC error code: -32020 to -32022
 * as MCP 2026-07-28 defines them (HeaderMismatch, MissingRequiredClientCapability, UnsupportedProtocolVersion), -32700
 * as JSON-RPC 2.0 §5.1 does (Parse error).
 */
export function refusalReason(outcome: Pick<EndpointOutcome, 'status' | 'errorCode'>): string {
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
