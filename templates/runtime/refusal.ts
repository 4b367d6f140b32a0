/**
 * Answers of the MCP endpoint that refuse a request, as data: each check (bearer-auth.ts, request-origin.ts,
 * request-limits.ts, request-body.ts, step-up-gate.ts) returns a Refusal, and http.ts sends it and audits it. The body
 * is a JSON-RPC error response (JSON-RPC 2.0 §5.1), as the SDK's own transports answer errors
 * (MCP 2025-11-25 basic/transports#sending-messages-to-the-server).
 */

import type { ServerResponse } from 'node:http';
import type { AuditReason } from './audit-reasons.js';

/** A refused request: the HTTP answer, and the reason written to the audit line. */
export interface Refusal<Reason extends AuditReason = AuditReason> {
  readonly status: number;
  /** The audit reason (audit-reasons.ts), e.g. `missing_token`, `rate_limited`. */
  readonly reason: Reason;
  /** The JSON-RPC error message: enough for the caller to act, nothing internal. */
  readonly message: string;
  /** The JSON-RPC error code; default -32000 (implementation-defined server error, JSON-RPC 2.0 §5.1). */
  readonly code?: number;
  /** The id of the request the error answers; default null (JSON-RPC 2.0 §5: when it cannot be determined). */
  readonly id?: unknown;
  /** Headers sent with the answer, e.g. `WWW-Authenticate` (RFC 6750 §3) or `Retry-After` (RFC 9110 §10.2.3). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Whether an outcome of a check is a Refusal (rather than what the check lets through). */
export function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && 'status' in value && 'reason' in value && 'message' in value;
}

/** Sends a Refusal: its headers, then its JSON-RPC error body. */
export function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  if (refusal.headers) for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value);
  sendJson(res, refusal.status, { jsonrpc: '2.0', error: { code: refusal.code ?? -32000, message: refusal.message }, id: refusal.id ?? null });
}

/** Sends `body` as a JSON answer with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
