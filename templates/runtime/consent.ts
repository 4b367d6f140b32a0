/**
 * Consent before risky actions: a tool whose definition carries `consent` runs only once the user has approved this
 * very call, asked in plain language (consent-question.ts) by the protocol's own mechanism in each era:
 *
 * - 2026-07-28 (basic/patterns/mrtr): the first tools/call answers `input_required` with one form elicitation and a
 *   sealed `requestState` (consent-state.ts); the client asks the user and retries with the answer and the same state,
 *   which is checked (sealed by our key, not expired, same caller, tool and arguments) and claimed once (single-use.ts);
 * - 2025-11-25 and older (client/elicitation): a client that declared the `elicitation` capability is sent
 *   `elicitation/create` during the call, and the call goes on once it answers;
 * - a client with neither is refused before anything is sent upstream.
 *
 * Every outcome is reported (for the audit) through `ConsentEvent`.
 */

import { CLIENT_CAPABILITIES_META_KEY, inputRequired, inputResponse } from '@modelcontextprotocol/server';
import type { CallToolResult, ElicitRequestFormParams, ElicitResult, InputRequiredResult } from '@modelcontextprotocol/server';
import type { Caller } from './caller.js';
import { CONFIRM_FIELD, CONSENT_SCHEMA, consentQuestion } from './consent-question.js';
import { approvalId, argumentsDigest, callerBinding, mismatch } from './consent-state.js';
import type { ConsentSealer, InvalidStateWhy } from './consent-state.js';
import type { ConsentDefinition, ToolDefinition } from './definition.js';
import { ElicitationError } from './elicitation-relay.js';
import type { SingleUseRecord } from './single-use.js';

/** What the server needs to ask for consent, built once at start (http.ts, stdio.ts). */
export interface ConsentContext {
  /** `off` (CONSENT=off): no tool asks; for hosts that ask the user themselves. */
  readonly mode: 'on' | 'off';
  readonly sealer: ConsentSealer;
  /** How long a question stays answerable, in seconds (CONSENT_TTL_SECONDS). */
  readonly ttlSeconds: number;
  readonly record: SingleUseRecord;
  /** Clock in ms since the epoch (tests move it); default Date.now. */
  readonly now?: () => number;
}

/** How a consent step ended, for the audit. */
export type ConsentOutcome = 'requested' | 'approved' | 'declined' | 'cancelled' | 'unanswered' | 'unsupported' | 'invalid_state';

export interface ConsentEvent {
  readonly outcome: ConsentOutcome;
  /** With `invalid_state`: why the presented state was refused. */
  readonly why?: InvalidStateWhy;
}

/** How the user can be asked while this tools/call is served. */
export type Asking =
  /** A 2026-07-28 request: its declared capabilities, and the answer and state of a retried call. */
  | { readonly kind: 'input_required'; readonly capabilities: unknown; readonly inputResponses: Readonly<Record<string, unknown>> | undefined; readonly requestState: string | undefined }
  /** A legacy client that declared elicitation: asks and resolves with the answer (rejects when there is none). */
  | { readonly kind: 'elicit'; readonly elicit: (params: ElicitRequestFormParams, timeoutMs: number) => Promise<ElicitResult> }
  | { readonly kind: 'none' };

/** What the consent step decided: go on with the call, or answer with `result` now. */
export type ConsentDecision = { readonly proceed: true; readonly event?: ConsentEvent } | { readonly proceed: false; readonly result: CallToolResult | InputRequiredResult; readonly event: ConsentEvent };

export const UNSUPPORTED_MESSAGE = "This tool needs the user's confirmation, and this client cannot ask for it (it supports neither input requests nor elicitation). Nothing was done.";
export const DECLINED_MESSAGE = 'The user declined this action. Nothing was done.';
export const CANCELLED_MESSAGE = 'The user dismissed the confirmation without approving. Nothing was done.';
export const UNANSWERED_MESSAGE = "The user's confirmation could not be obtained (no answer). Nothing was done.";
const NOT_CONFIGURED_MESSAGE = "This tool needs the user's confirmation, and this server is not set up to ask for it. Nothing was done.";
const UNAVAILABLE_MESSAGE = 'The approval for this call cannot be checked right now; try again later. Nothing was done.';

/** The caller's words for each refused state: short, and never more than the caller could know. */
const INVALID_WORDS: Readonly<Record<Exclude<InvalidStateWhy, 'record_unavailable'>, string>> = {
  tampered: 'not issued by this server',
  expired: 'expired',
  replayed: 'already used',
  other_caller: 'issued to another caller',
  other_tool: 'issued for another tool',
  other_arguments: 'issued for other arguments',
};

/**
 * The consent step of one tools/call of `tool` by `caller` with validated arguments `args`: undefined-free decision.
 * Runs after authorization, bindings, validation and policies, before the hooks and the upstream request.
 */
export async function consentStep(consent: ConsentContext | undefined, tool: ToolDefinition, caller: Caller, args: Readonly<Record<string, unknown>>, asking: Asking): Promise<ConsentDecision> {
  if (tool.consent === undefined || consent?.mode === 'off') return { proceed: true };
  if (consent === undefined) return refused('unsupported', NOT_CONFIGURED_MESSAGE);
  const asked = tool as ToolDefinition & { readonly consent: ConsentDefinition };
  const params: ElicitRequestFormParams = { mode: 'form', message: consentQuestion(asked, args), requestedSchema: CONSENT_SCHEMA };
  switch (asking.kind) {
    case 'input_required':
      return inputRequiredStep(consent, asked, caller, args, params, asking);
    case 'elicit':
      return elicitStep(consent, params, asking.elicit);
    default:
      return refused('unsupported', UNSUPPORTED_MESSAGE);
  }
}

/** Whether declared client capabilities include form elicitation (2025-11-25 client/elicitation#capabilities: `{}` means form). */
export function canElicitForm(capabilities: unknown): boolean {
  if (typeof capabilities !== 'object' || capabilities === null) return false;
  const elicitation = (capabilities as { elicitation?: unknown }).elicitation;
  if (typeof elicitation !== 'object' || elicitation === null) return false;
  const modes = elicitation as { form?: unknown; url?: unknown };
  return modes.form !== undefined || modes.url === undefined;
}

/** The capabilities a 2026-07-28 request declared in its `_meta` envelope. */
export function envelopeCapabilities(envelope: unknown): unknown {
  return typeof envelope === 'object' && envelope !== null ? (envelope as Record<string, unknown>)[CLIENT_CAPABILITIES_META_KEY] : undefined;
}

async function inputRequiredStep(
  consent: ConsentContext,
  tool: ToolDefinition & { readonly consent: ConsentDefinition },
  caller: Caller,
  args: Readonly<Record<string, unknown>>,
  params: ElicitRequestFormParams,
  asking: Extract<Asking, { kind: 'input_required' }>,
): Promise<ConsentDecision> {
  const now = (consent.now ?? Date.now)();
  const expected = { ...callerBinding(caller), tool: tool.name, args: argumentsDigest(args) };
  const answer = inputResponse(asking.inputResponses as Parameters<typeof inputResponse>[0], CONFIRM_FIELD);
  if (asking.requestState === undefined || answer.kind !== 'elicit') {
    // First call (or a retry without an answer): ask, with a state only this server can have made.
    if (!canElicitForm(asking.capabilities)) return refused('unsupported', UNSUPPORTED_MESSAGE);
    const requestState = consent.sealer.seal({ ...expected, id: approvalId(), exp: now + consent.ttlSeconds * 1000 });
    return { proceed: false, result: inputRequired({ inputRequests: { [CONFIRM_FIELD]: inputRequired.elicit(params) }, requestState }), event: { outcome: 'requested' } };
  }
  const declined = declinedDecision(answer.action, answer.content);
  if (declined) return declined;
  const claims = consent.sealer.open(asking.requestState);
  if (claims === undefined) return invalid('tampered');
  const why = mismatch(claims, expected, now);
  if (why !== undefined) return invalid(why);
  let first: boolean;
  try {
    first = await consent.record.claim(claims.id, claims.exp);
  } catch {
    // The record cannot be consulted: refuse rather than risk a replay.
    return { proceed: false, result: toolError(UNAVAILABLE_MESSAGE), event: { outcome: 'invalid_state', why: 'record_unavailable' } };
  }
  return first ? { proceed: true, event: { outcome: 'approved' } } : invalid('replayed');
}

async function elicitStep(consent: ConsentContext, params: ElicitRequestFormParams, elicit: Extract<Asking, { kind: 'elicit' }>['elicit']): Promise<ConsentDecision> {
  let answer: ElicitResult;
  try {
    answer = await elicit(params, consent.ttlSeconds * 1000);
  } catch (error) {
    // JSON-RPC 2.0 §5.1 Method not found: the client cannot answer elicitation/create after all.
    if (rpcCodeOf(error) === -32601) return refused('unsupported', UNSUPPORTED_MESSAGE);
    return refused('unanswered', UNANSWERED_MESSAGE);
  }
  return declinedDecision(answer.action, answer.content) ?? { proceed: true, event: { outcome: 'approved' } };
}

/** The JSON-RPC error code of a failed question: the relay's ElicitationError's, or the SDK's ProtocolError's `code`. */
function rpcCodeOf(error: unknown): unknown {
  return error instanceof ElicitationError ? error.rpcCode : (error as { code?: unknown }).code;
}

/** The decision for an answer that is not an approval (declined, cancelled, or accepted without ticking the box). */
function declinedDecision(action: string, content: unknown): ConsentDecision | undefined {
  if (action === 'cancel') return refused('cancelled', CANCELLED_MESSAGE);
  const approved = action === 'accept' && typeof content === 'object' && content !== null && (content as Record<string, unknown>)[CONFIRM_FIELD] === true;
  return approved ? undefined : refused('declined', DECLINED_MESSAGE);
}

function invalid(why: Exclude<InvalidStateWhy, 'record_unavailable'>): ConsentDecision {
  return { proceed: false, result: toolError(`The approval for this call is not valid (${INVALID_WORDS[why]}); call the tool again to ask the user. Nothing was done.`), event: { outcome: 'invalid_state', why } };
}

function refused(outcome: ConsentOutcome, message: string): ConsentDecision {
  return { proceed: false, result: toolError(message), event: { outcome } };
}

function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}
