/**
 * The seam for the user's own code: per-tool before/after hooks and an object-level authorization check.
 *
 * The generator never overwrites `src/hooks.ts` (the user's module that exports a ServerHooks); this file only defines
 * the types and the order in which tools/call runs them: policy ▶ argument validation ▶ authorize ▶ before ▶ upstream
 * ▶ after.
 */

import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Caller } from './caller.js';
import type { ToolDefinition } from './definition.js';

/** @deprecated The caller type is `Caller` from ./caller.js; this name stays for hooks written against it. */
export type VerifiedIdentity = Caller;

/** What a hook is told about one call: the tool, the caller and the validated arguments. */
export interface ToolCallContext {
  readonly tool: ToolDefinition;
  /** Who is calling, as verified from the access token (over stdio or with AUTH_MODE=none: nobody in particular). */
  readonly identity: Caller;
  readonly args: Readonly<Record<string, unknown>>;
}

/** An authorization decision; `reason` is the whole message the caller sees. */
export type HookDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** Hooks of one tool. */
export interface ToolHooks {
  /** Runs before the upstream call; return `{ allowed: false, reason }` to reject the call (nothing is sent). */
  before?(context: ToolCallContext): HookDecision | void | Promise<HookDecision | void>;
  /** Runs after the upstream call; may return a replacement result. */
  after?(context: ToolCallContext, result: CallToolResult): CallToolResult | void | Promise<CallToolResult | void>;
}

/**
 * Everything the user's `src/hooks.ts` may export as `hooks`. `N` is the union of tool names (`ServerHooks<ToolName>`
 * from ./tool-names.ts): a key of `tools` naming no tool is then a type error. Without it any name type-checks.
 */
export interface ServerHooks<N extends string = string> {
  /**
   * Object-level check, run for every call once scopes, roles and arguments have passed: e.g. "may this subject
   * read this ticket?". A denial is a tool error with `reason`.
   */
  authorize?(identity: Caller, tool: ToolDefinition & { readonly name: N }, args: Readonly<Record<string, unknown>>): HookDecision | Promise<HookDecision>;
  /** Hooks by tool name; `'*'` applies to every tool (before the tool's own). */
  tools?: { readonly [name in N | '*']?: ToolHooks };
}

/** No hooks: every call goes straight upstream. */
export const NO_HOOKS: ServerHooks = Object.freeze({});

/** Runs one call through the hooks around `call` (the upstream request): its `{ result }`, or `{ rejected }` with the reason. */
export async function runWithHooks(
  hooks: ServerHooks,
  context: ToolCallContext,
  call: () => Promise<CallToolResult>,
): Promise<{ readonly result: CallToolResult } | { readonly rejected: string }> {
  if (hooks.authorize) {
    const decision = await hooks.authorize(context.identity, context.tool, context.args);
    if (!decision.allowed) return { rejected: decision.reason };
  }
  const chain = [toolHooks(hooks, '*'), toolHooks(hooks, context.tool.name)].filter((entry): entry is ToolHooks => entry !== undefined);
  for (const entry of chain) {
    const decision = await entry.before?.(context);
    if (decision && !decision.allowed) return { rejected: decision.reason };
  }
  let result = await call();
  for (const entry of chain) {
    const replaced = await entry.after?.(context, result);
    if (replaced) result = replaced;
  }
  return { result };
}

/** The hooks registered under `name`: an own entry only, so a tool named `constructor` or `toString` finds none. */
function toolHooks(hooks: ServerHooks, name: string): ToolHooks | undefined {
  return hooks.tools && Object.hasOwn(hooks.tools, name) ? hooks.tools[name] : undefined;
}
