/**
 * The audit stream: one JSON line per authorization decision, on stderr or appended to AUDIT_LOG —
 * never stdout, which stdio uses for the protocol. Never the token, never secrets, never argument values.
 */

import { randomUUID } from 'node:crypto';
import { createWriteStream, openSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { AuditReason } from './audit-reasons.js';
import { SettingError } from './errors.js';

export interface AuditRecord {
  /** ISO 8601. */
  readonly time: string;
  readonly requestId: string;
  readonly subject?: string;
  readonly clientId?: string;
  /** The JSON-RPC method, e.g. `tools/call`; absent when the request was refused before its body was read. */
  readonly method?: string;
  /** The tool's name, for tools/call. */
  readonly tool?: string;
  readonly decision: 'allow' | 'deny';
  /** Why: `ok`, `missing_token`, `invalid_token:expired`, `insufficient_scope`, ... (all of them: audit-reasons.ts). */
  readonly reason: AuditReason;
  /** With reason `policy` or `policy_error`: the @id of the Cedar policy that decided (policies.ts), or `<file>:<line>`. */
  readonly policyId?: string;
  /** The tool's scope alternatives (OR of AND-sets). */
  readonly requiredScopes?: readonly (readonly string[])[];
  readonly grantedScopes?: readonly string[];
  readonly upstreamStatus?: number;
  /** `exchanged`: the upstream call carried a token issued for the user by token exchange (token-exchange.ts). */
  readonly upstreamCredential?: 'exchanged';
  /** The user the upstream call was made for: the exchanged token's `sub`, or the caller's when it is opaque. */
  readonly onBehalfOf?: string;
  /**
   * The consent step of a tool that needs the user's approval (consent.ts): requested, approved, declined, cancelled,
   * unanswered, unsupported or invalid_state. Only `approved` goes on to the upstream API.
   */
  readonly consent?: 'requested' | 'approved' | 'declined' | 'cancelled' | 'unanswered' | 'unsupported' | 'invalid_state';
  /** With consent `invalid_state`: tampered, expired, replayed, other_caller, other_tool, other_arguments, record_unavailable. */
  readonly why?: string;
  /**
   * The W3C trace id (W3C Trace Context §3.2.2.3). With tracing on (OTEL_EXPORTER_OTLP_ENDPOINT, tracing.ts): the trace
   * of the request's span, on every line of the request, continuing the first message's `_meta.traceparent`
   * (2026-07-28 basic/index#_meta), else the `traceparent` header, else a new trace. With tracing off: the trace id
   * of the message's own `_meta.traceparent`, when it sent a valid one; absent otherwise.
   */
  readonly traceId?: string;
  readonly durationMs: number;
}

/** Receives audit records. */
export type AuditSink = (record: AuditRecord) => void;

/** The sink of the AUDIT_LOG setting: appends to `file` (opened now, so a bad path stops start-up), else stderr. */
export function openAuditSink(file: string | undefined): AuditSink {
  if (file === undefined) return (record) => void process.stderr.write(auditLine(record));
  let fd: number;
  try {
    fd = openSync(file, 'a');
  } catch (error) {
    throw new SettingError('AUDIT_LOG', `cannot open "${file}" for appending (${(error as NodeJS.ErrnoException).code ?? 'error'})`, '/var/log/mcp-audit.log');
  }
  const stream = createWriteStream('', { fd });
  stream.on('error', (error) => process.stderr.write(`error: audit log ${file}: ${error.message}\n`));
  return (record) => void stream.write(auditLine(record));
}

/** One record as one line: JSON cannot contain a raw newline, so a value can never forge another line. */
export function auditLine(record: AuditRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** The request's id: a sane incoming `X-Request-Id` (so a proxy's id correlates), else a fresh UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
}
