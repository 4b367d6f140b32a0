/**
 * The audit vocabulary: every `reason` an audit record (audit.ts) can carry. Operators search and alert on these
 * values, and the metrics' `reason` and token `outcome` labels (metrics.ts) and the trace's `mcp.decision.reason`
 * (tracing.ts) take theirs from them, so they are stable: a reason is added, never renamed or reused. Every place
 * that writes a reason is typed by AuditReason, so a misspelt one does not compile.
 */

/** Every audit reason, in the order the endpoint decides (request, token, body, tool call). */
export const AUDIT_REASONS = [
  // Allowed.
  'ok',
  'auth_disabled',
  // Refused before the token is looked at.
  'method_not_allowed',
  'host',
  'origin',
  // The bearer token (RFC 6750 §3.1): missing, not acceptable (`invalid_token:<why>`), or not checkable now.
  'missing_token',
  'invalid_token:malformed',
  'invalid_token:type',
  'invalid_token:not_a_jwt',
  'invalid_token:inactive',
  'invalid_token:signature',
  'invalid_token:algorithm',
  'invalid_token:unknown_key',
  'invalid_token:issuer',
  'invalid_token:audience',
  'invalid_token:expired',
  'invalid_token:not_yet_valid',
  'invalid_token:missing_exp',
  'invalid_token:claims',
  'auth_server_unavailable',
  // Limits and the request body.
  'rate_limited',
  'overloaded',
  'body_too_large',
  'body_too_complex',
  'body_too_deep',
  'parse_error',
  'client_closed',
  'batching_unsupported',
  'batch_too_large',
  // Refused by the MCP layer (by its JSON-RPC error code).
  'invalid_request',
  'header_mismatch',
  'missing_client_capability',
  'unsupported_protocol_version',
  'internal_error',
  // A tools/call: the tool, scopes and roles, bindings, Cedar policies, consent, token exchange.
  'unknown_tool',
  'insufficient_scope',
  'role',
  'batch_refused',
  'binding_missing_claim',
  'binding_invalid_claim',
  'binding_argument_supplied',
  'policy',
  'policy_error',
  'consent_requested',
  'consent_declined',
  'consent_cancelled',
  'consent_unanswered',
  'consent_unsupported',
  'consent_invalid_state',
  'exchange_refused',
  'exchange_unavailable',
] as const;

/** A reason an audit record can carry. */
export type AuditReason = (typeof AUDIT_REASONS)[number];

type RejectionOf<R> = R extends `invalid_token:${infer Why}` ? Why : never;

/** Why a presented access token was refused (RFC 6750 §3.1 `invalid_token`): audited as `invalid_token:<why>`. */
export type TokenRejection = RejectionOf<AuditReason>;

/** The reasons of a request refused by bearer authentication (bearer-auth.ts). */
export type BearerRefusalReason = 'missing_token' | `invalid_token:${TokenRejection}` | 'auth_server_unavailable';

/** How one bearer token check ended, as the metrics and the trace count it: `valid`, or its refusal's reason. */
export type TokenCheckOutcome = 'valid' | BearerRefusalReason;

/** Why a call was refused by its argument bindings (bindings.ts). */
export type BindingRefusalReason = Extract<AuditReason, `binding_${string}`>;

/** Why a call was refused by the Cedar policies: a `forbid` (or no `permit`) decided, or a policy failed to evaluate. */
export type PolicyRefusalReason = Extract<AuditReason, 'policy' | 'policy_error'>;

/** Why a call made for the user was refused by token exchange: refused by the token endpoint, or it cannot be reached. */
export type ExchangeFailureReason = Extract<AuditReason, `exchange_${string}`>;

const KNOWN = new Set<string>(AUDIT_REASONS);

/** Whether `value` is one of the audit reasons (a label from anywhere else is not). */
export function isAuditReason(value: string): value is AuditReason {
  return KNOWN.has(value);
}
