/**
 * Arguments bound to the caller's claims: an argument the model never sees nor chooses (a tenant, an organisation, the
 * caller's own user id), filled on every call from the verified access token (RFC 9068 §2.2 claims, or RFC 7662 §2.2
 * introspection members), or over stdio from MCP_STDIO_CLAIMS. Runs after caller authorization and before argument
 * validation, so a bound value is still converted and checked like any other argument of its parameter.
 *
 * Fails closed: a missing, empty or non-scalar claim refuses the call, and so does an argument supplied for a bound
 * name (it is never silently overwritten, so an attempt to choose it is visible in the audit). Refusals name the
 * argument and the claim path, never a claim's value.
 */

import type { BindingRefusalReason } from './audit-reasons.js';
import { claimAt } from './claims.js';
import { coerceScalar } from './coerce-arguments.js';
import type { ArgumentBinding, ToolDefinition } from './definition.js';


export type BindingOutcome = { readonly args: unknown } | { readonly refused: { readonly reason: BindingRefusalReason; readonly message: string } };

/** The tool error when a tool with bound arguments is called with no claims at all (no token was verified). */
export const NO_CLAIMS_OVER_HTTP = 'this server verifies no access token (AUTH_MODE=none), so it has no claims to fill them from';
/** The same over stdio, naming the setting that supplies the claims. */
export const NO_CLAIMS_OVER_STDIO = 'no claims are configured for this stdio server: set MCP_STDIO_CLAIMS to a JSON object of claims';

/**
 * `args` with the tool's bound arguments filled from `claims` (a copy; `args` itself when the tool binds nothing), or
 * the refusal. `noClaims` says why there are no claims when `claims` is undefined.
 */
export function bindArguments(tool: ToolDefinition, claims: Readonly<Record<string, unknown>> | undefined, args: unknown, noClaims: string = NO_CLAIMS_OVER_HTTP): BindingOutcome {
  const bindings = tool.bindings ?? [];
  if (bindings.length === 0 || !isRecord(args)) return { args };
  for (const binding of bindings) {
    if (isSupplied(binding, args)) {
      return refuse('binding_argument_supplied', `${label(binding)} is set by the server from the caller's identity and must not be supplied; call again without it`);
    }
  }
  if (claims === undefined) return refuse('binding_missing_claim', `${tool.name} has arguments bound to the caller's identity, but ${noClaims}`);
  let bound: Record<string, unknown> = args;
  for (const binding of bindings) {
    const value = claimAt(claims, binding.claim);
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
      return refuse('binding_missing_claim', `${label(binding)} is bound to the claim "${binding.claim}", which the caller's token does not carry (or is empty)`);
    }
    if (!(typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))) {
      return refuse('binding_invalid_claim', `${label(binding)} is bound to the claim "${binding.claim}", which is not a string, number or boolean in the caller's token`);
    }
    bound = fill(bound, binding, value);
  }
  return { args: bound };
}

/** The tools that bind arguments; a start-up warning lists them when nothing can supply claims. */
export function toolsWithBindings(tools: readonly ToolDefinition[]): string[] {
  return tools.filter((tool) => (tool.bindings?.length ?? 0) > 0).map((tool) => tool.name);
}

function isSupplied(binding: ArgumentBinding, args: Readonly<Record<string, unknown>>): boolean {
  if (!Object.hasOwn(args, binding.argument)) return false;
  if (binding.property === undefined) return true;
  const body = args[binding.argument];
  return isRecord(body) && Object.hasOwn(body, binding.property);
}

/** A copy of `args` with the binding's argument (or body property) set; own properties kept, `__proto__` included. */
function fill(args: Readonly<Record<string, unknown>>, binding: ArgumentBinding, value: string | number | boolean): Record<string, unknown> {
  if (binding.property === undefined) return withEntry(args, binding.argument, value);
  const body = Object.hasOwn(args, binding.argument) ? args[binding.argument] : {};
  // A body that is not an object is left as sent: validation refuses it.
  if (!isRecord(body)) return args;
  const converted = binding.type === undefined ? value : coerceScalar(value, binding.type);
  return withEntry(args, binding.argument, withEntry(body, binding.property, converted));
}

/** Object.fromEntries defines own properties, so a name such as `__proto__` stays a plain key. */
function withEntry(record: Readonly<Record<string, unknown>>, name: string, value: unknown): Record<string, unknown> {
  return Object.fromEntries([...Object.entries(record).filter(([key]) => key !== name), [name, value]]);
}

function label(binding: ArgumentBinding): string {
  return binding.property === undefined ? `The argument "${binding.argument}"` : `The property "${binding.property}" of the argument "${binding.argument}"`;
}

function refuse(reason: BindingRefusalReason, message: string): BindingOutcome {
  return { refused: { reason, message } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The start-up warning when nothing can supply claims (AUTH_MODE=none, or stdio without MCP_STDIO_CLAIMS) and some
 * tools bind arguments to them: those tools will refuse every call. Undefined when no tool binds arguments.
 */
export function unboundToolsWarning(tools: readonly ToolDefinition[], why: string): string | undefined {
  const names = toolsWithBindings(tools);
  if (names.length === 0) return undefined;
  const shown = names.length > 10 ? `${names.slice(0, 10).join(', ')} and ${names.length - 10} more` : names.join(', ');
  return `${names.length} ${names.length === 1 ? 'tool binds' : 'tools bind'} arguments to the caller's claims and will refuse every call: ${why} (${shown})`;
}
