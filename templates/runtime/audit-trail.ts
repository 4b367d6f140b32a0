/**
 * What one HTTP request to the MCP endpoint decided, gathered while it is answered and written to the audit stream
 * (audit.ts) once its response has closed: one line per JSON-RPC message of its body, or one line for a request
 * refused before its body was known. Never the token, never argument values (RFC 6750 §5.3: bearer tokens are not logged).
 */

import type { IncomingMessage } from 'node:http';
import type { AuditReason } from './audit-reasons.js';
import { requestIdOf } from './audit.js';
import type { AuditRecord, AuditSink } from './audit.js';
import type { Caller } from './caller.js';
import type { ConsentOutcome } from './consent.js';
import type { InvalidStateWhy } from './consent-state.js';
import type { ToolDefinition } from './definition.js';
import { CALL_TOOL, innerToolName, isMetaTool } from './discovery.js';
import type { EndpointOutcome } from './mcp-endpoint.js';
import { traceIdOf, traceparentOf } from './trace-context.js';

/** One audit record in the making; `id` is the JSON-RPC id it belongs to. */
export type Entry = Omit<AuditRecord, 'time' | 'requestId' | 'durationMs' | 'subject' | 'clientId' | 'grantedScopes'> & {
  id?: unknown;
  upstreamStatus?: number;
  upstreamCredential?: 'exchanged';
  onBehalfOf?: string;
  /** Set when the tool was run through the discovery meta-tool call_tool (discovery.ts); `tool` names the tool run. */
  via?: 'call_tool';
  consent?: ConsentOutcome;
  why?: InvalidStateWhy;
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

/**
 * A JSON-RPC message of the body with its audit entry, and the tool it calls (tools/call of a known tool, or in
 * discovery mode the tool a call_tool runs).
 */
export interface AuditedMessage {
  readonly entry: Entry;
  readonly id: unknown;
  readonly tool?: ToolDefinition | undefined;
}

export interface AuditTrail {
  /** The trail of a request that has just arrived, under its request id (audit.ts requestIdOf). */
  start(req: IncomingMessage): Trail;
  /**
   * One entry per JSON-RPC message of the body (its id, method and tool), each `allow` until decided otherwise. With
   * `discovery` (the caller is served the meta-tools), a call_tool is entered under the tool it runs, `via: "call_tool"`.
   */
  messages(body: unknown, trail: Trail, discovery?: boolean): AuditedMessage[];
  /** Writes the request's audit lines; called once its response has closed. */
  write(trail: Trail): void;
}

/**
 * The audit of the endpoint's requests, written to `sink`. With `protect` (AUTH_MODE=oauth) an allowed message reads
 * `ok` and carries the granted scopes; without it, `auth_disabled`.
 */
export function createAuditTrail(sink: AuditSink, tools: ReadonlyMap<string, ToolDefinition>, protect: boolean): AuditTrail {
  const allowedReason: AuditReason = protect ? 'ok' : 'auth_disabled';
  return {
    start: (req) => ({ requestId: requestIdOf(req), started: Date.now(), entries: [] }),
    messages(body, trail, discovery = false) {
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
        const called = message.method === 'tools/call' && isObject(message.params) ? calledTool(message.params, discovery) : undefined;
        const tool = called?.name === undefined || called.meta ? undefined : tools.get(called.name);
        if (called?.name !== undefined) {
          Object.assign(entry, { tool: called.name.slice(0, 200) }, called.via ? { via: called.via } : {});
          if (!called.meta && tool) Object.assign(entry, { requiredScopes: tool.scopes });
          if (!called.meta && !tool) deny(entry, 'unknown_tool');
        }
        trail.entries.push(entry);
        messages.push({ entry, id: message.id, ...(called === undefined ? {} : { tool }) });
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
 * The tool a tools/call's `params` name: in discovery mode a call_tool is audited under the tool it runs (when it names
 * one), and search_tools or describe_tool as meta-tools, which need no authorization of their own.
 */
function calledTool(params: Record<string, unknown>, discovery: boolean): { name?: string; meta?: true; via?: 'call_tool' } {
  const name = typeof params.name === 'string' ? params.name : undefined;
  if (name === undefined || !discovery || !isMetaTool(name)) return name === undefined ? {} : { name };
  if (name !== CALL_TOOL) return { name, meta: true };
  const inner = innerToolName(params.arguments);
  return inner === undefined ? { name, meta: true } : { name: inner, via: 'call_tool' };
}

/**
 * Marks the request's entries as refused for `reason` — those still allowed, or with `every` all of them (the whole
 * body was refused for this reason) — or records one refusal when the body is not known.
 */
export function denyAll(trail: Trail, reason: AuditReason, every = false): void {
  if (trail.entries.length === 0) return void trail.entries.push({ decision: 'deny', reason });
  for (const entry of trail.entries) if (every || entry.decision === 'allow') deny(entry, reason);
}

/** Marks one entry as refused for `reason` (and, for a Cedar policy, the `policyId` that decided). */
export function deny(entry: Entry, reason: AuditReason, policyId?: string): void {
  Object.assign(entry, { decision: 'deny', reason }, policyId === undefined ? {} : { policyId });
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
export function recordRefusal(trail: Trail, requestId: unknown, reason: AuditReason, policyId?: string): void {
  const entry = trail.entries.find((candidate) => candidate.id === requestId);
  if (entry) deny(entry, reason, policyId);
}

/**
 * Records the consent step of the tools/call with JSON-RPC id `requestId` (consent.ts): an approved call stays allowed
 * with `consent: "approved"`; any other outcome means nothing ran, audited as refused with reason `consent_<outcome>`
 * (`consent_requested`: the user was asked, the call waits for the answer) and, for an invalid state, `why`.
 */
export function recordConsent(trail: Trail, requestId: unknown, outcome: ConsentOutcome, why?: InvalidStateWhy): void {
  const entry = trail.entries.find((candidate) => candidate.id === requestId);
  if (!entry) return;
  entry.consent = outcome;
  if (outcome === 'approved') return;
  deny(entry, `consent_${outcome}`);
  if (why !== undefined) entry.why = why;
}

/**
 * The audit reason of a request the MCP layer refused (HTTP 4xx or 5xx), by its JSON-RPC error code: -32020 to -32022
 * as MCP 2026-07-28 defines them (HeaderMismatch, MissingRequiredClientCapability, UnsupportedProtocolVersion), -32700
 * as JSON-RPC 2.0 §5.1 does (Parse error).
 */
export function refusalReason(outcome: Pick<EndpointOutcome, 'status' | 'errorCode'>): AuditReason {
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
