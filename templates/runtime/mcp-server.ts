/**
 * The MCP server proper: tools/list and tools/call over the tools of a ServerDefinition — the tools themselves (direct
 * mode), or the three discovery meta-tools that find and call them (discovery.ts; TOOL_MODE).
 *
 * Uses the SDK's low-level Server because the tools' schemas are plain JSON Schema, served as they are. The server
 * knows nothing of transports; it is handed the caller (who is asking) and a policy (what they may use), which is the
 * seam where caller authorization plugs in.
 */

import { PROTOCOL_VERSION_META_KEY, ProtocolError, ProtocolErrorCode, Server } from '@modelcontextprotocol/server';
import type { CallToolResult, ElicitRequestFormParams, ElicitResult, InputRequiredResult, ServerContext, Tool } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import type { BindingRefusalReason, ExchangeFailureReason, PolicyRefusalReason } from './audit-reasons.js';
import { bindArguments } from './bindings.js';
import { ANONYMOUS_CALLER } from './caller.js';
import type { Caller } from './caller.js';
import { canElicitForm, consentStep, envelopeCapabilities } from './consent.js';
import type { Asking, ConsentContext, ConsentEvent } from './consent.js';
import type { ServerDefinition, ToolDefinition } from './definition.js';
import { callMetaTool, isMetaTool, metaToolList, usesDiscovery } from './discovery.js';
import type { ToolModeSetting } from './discovery.js';
import { SettingError, ToolInputError } from './errors.js';
import { NO_HOOKS, runWithHooks } from './hooks.js';
import type { ServerHooks } from './hooks.js';
import { POLICY_REFUSAL_MESSAGE } from './policies.js';
import type { PolicyEngine } from './policies.js';
import { buildRequest } from './request.js';
import { buildSearchIndex } from './search-index.js';
import { toolPage } from './tool-pages.js';
import { toolRegistryFor } from './tool-registry.js';
import { traceparentOf } from './trace-context.js';
import type { ToolRegistry } from './tool-registry.js';
import { callUpstream } from './upstream.js';
import type { UpstreamCallFacts, UpstreamContext } from './upstream.js';
import { CallerToken } from './token-exchange.js';
import { createToolSearch } from './tool-search.js';
import type { ToolSearch } from './tool-search.js';

export { ANONYMOUS_CALLER } from './caller.js';

/** @deprecated The caller type is `Caller` from ./caller.js; this name stays for code written against it. */
export type CallerContext = Caller;

/** Which tools a caller may see and use. */
export interface ToolPolicy {
  /** Whether `tool` appears in the caller's tools/list. */
  canSee(caller: Caller, tool: ToolDefinition): boolean;
  /** Whether the caller may call `tool` now; when not, `reason` is the whole message shown to the caller. */
  check(caller: Caller, tool: ToolDefinition): { allowed: true } | { allowed: false; reason: string };
  /**
   * The scopes a step-up would ask for when the caller lacks only scopes for `tool` (undefined otherwise): such a tool
   * is shown by the discovery meta-tools with them. Absent: only the tools `canSee` accepts are discoverable.
   */
  stepUpScopes?(caller: Caller, tool: ToolDefinition): readonly string[] | undefined;
}

export interface McpServerContext {
  readonly upstream: UpstreamContext;
  /** Defaults to ANONYMOUS_CALLER. */
  readonly caller?: Caller;
  /**
   * The caller's verified access token (HTTP with OAuth only), for schemes that act for the user upstream by token
   * exchange (token-exchange.ts). Never sent upstream, logged or audited.
   */
  readonly subjectToken?: string;
  /** Defaults to ALLOW_ALL. */
  readonly policy?: ToolPolicy;
  /** The user's hooks (src/hooks.ts); defaults to NO_HOOKS. */
  readonly hooks?: ServerHooks;
  /** The project's Cedar policies (policies.ts), evaluated after argument validation; absent when they permit everything. */
  readonly policies?: PolicyEngine;
  /** TOOL_MODE and TOOL_MODE_THRESHOLD; absent: direct. An `auto` mode is decided here from the caller's visible tools. */
  readonly toolMode?: ToolModeSetting;
  /** The search behind search_tools (tool-search.ts); absent: one built from the definition on first use. */
  readonly search?: ToolSearch;
  /** Tools per tools/list page; default DEFAULT_PAGE_SIZE. */
  readonly pageSize?: number;
  /** Serialized bytes per tools/list page (tests shrink it); default MAX_PAGE_BYTES. */
  readonly pageBytes?: number;
  /**
   * Told of each tool call's work as it starts, a promise that settles when the call has ended — even when its client
   * has gone and its answer will be dropped — so the transport can hold the call's share of the server until then.
   */
  readonly track?: (call: Promise<unknown>) => void;
  /**
   * The request body as the client sent it, when the SDK parsed it before handing it over: the parse drops `__proto__`
   * members, which a tool's arguments may have, so a tools/call takes its arguments from here (by JSON-RPC id).
   */
  readonly sentBody?: unknown;
  /** Why there are no claims when the caller has none (stdio without MCP_STDIO_CLAIMS, AUTH_MODE=none), for bindings.ts. */
  readonly noClaims?: string;
  /**
   * Told of each tools/call refused by its argument bindings, by the Cedar policies or by the token endpoint that would
   * have acted for the user (for the audit), with the JSON-RPC id of the call and, for a policy, the @id of the policy
   * that decided.
   */
  readonly onRefusal?: (call: {
    readonly requestId: string | number;
    readonly tool: string;
    readonly reason: BindingRefusalReason | PolicyRefusalReason | ExchangeFailureReason;
    readonly policyId?: string;
  }) => void;
  /** Consent before risky actions (consent.ts); without it, a tool that needs consent refuses every call. */
  readonly consent?: ConsentContext;
  /**
   * Over legacy HTTP, when the client declared the elicitation capability: sends `elicitation/create` to the client
   * within the call being answered (json-transport.ts) and resolves with its answer.
   */
  readonly elicit?: (params: ElicitRequestFormParams, timeoutMs: number) => Promise<ElicitResult>;
  /** Told of each consent step's outcome (for the audit), with the JSON-RPC id of the call. */
  readonly onConsent?: (call: { readonly requestId: string | number; readonly tool: string } & ConsentEvent) => void;
  /** Told the HTTP status of each upstream response (for the audit), with the JSON-RPC id of the call. */
  readonly onUpstreamResponse?: (call: { readonly requestId: string | number; readonly tool: string; readonly status: number } & Partial<UpstreamCallFacts>) => void;
}

/** Tools per tools/list page when the context names no page size (MCP_TOOLS_PAGE_SIZE's default). */
export const DEFAULT_PAGE_SIZE = 100;

/**
 * How long a 2026-07-28 client may keep a tools/list page (2026-07-28 server/utilities/caching#time-to-live-ttl-field).
 * The tools change only when the server is redeployed, but what one caller sees changes with its token: a client must
 * key its cache by authorization context (`cacheScope: "private"`), and one that does not (the SDK's 2.4 client keeps
 * the list across a step-up) shows a stepped-up caller its old list for at most this long.
 */
export const TOOLS_LIST_TTL_MS = 60_000;

/** The policy while there is no caller authorization: every tool is visible and callable. */
export const ALLOW_ALL: ToolPolicy = Object.freeze({
  canSee: () => true,
  check: () => ({ allowed: true }) as const,
});

/**
 * One JSON Schema validator for every Server. Without the `jsonSchemaValidator` option the SDK's Server constructor
 * builds a fresh Ajv on every construction — once per HTTP request here. The SDK uses it only to check elicitation
 * results; the tools' arguments are validated by the tool registry's own compiled validators.
 */
const SHARED_SCHEMA_VALIDATOR = new AjvJsonSchemaValidator();

/** A Server answering tools/list and tools/call for one caller; cheap enough to create per HTTP request. */
export function createMcpServer(definition: ServerDefinition, context: McpServerContext): Server {
  const registry = toolRegistryFor(definition);
  const caller = context.caller ?? ANONYMOUS_CALLER;
  const policy = context.policy ?? ALLOW_ALL;
  const hooks = context.hooks ?? NO_HOOKS;
  const callerToken = context.subjectToken === undefined ? undefined : new CallerToken(context.subjectToken, caller.expiresAt, caller.subject);

  const server = new Server(
    { name: definition.name, title: definition.title, version: definition.version },
    {
      capabilities: { tools: {} },
      jsonSchemaValidator: SHARED_SCHEMA_VALIDATOR,
      // 2026-07-28 server/utilities/caching: the list varies per caller, so only that caller's client may cache it.
      cacheHints: { 'tools/list': { ttlMs: TOOLS_LIST_TTL_MS, cacheScope: 'private' } },
    },
  );

  // Decided once per server (one per request over HTTP) from the caller, so its tools/list and tools/call agree.
  let discoveryMode: boolean | undefined;
  const discovery = () => (discoveryMode ??= usesDiscovery(context.toolMode, registry.tools, (tool) => policy.canSee(caller, tool)));
  const metaTools = {
    registry,
    canSee: (tool: ToolDefinition) => policy.canSee(caller, tool),
    stepUpScopes: (tool: ToolDefinition) => policy.stepUpScopes?.(caller, tool),
  };

  // 2025-11-25 server/utilities/pagination: pages in the definition's order (the same for every request, as 2026-07-28
  // server/tools#listing-tools asks), each filtered by the caller's policy.
  const limits = { size: context.pageSize ?? DEFAULT_PAGE_SIZE, ...(context.pageBytes === undefined ? {} : { maxBytes: context.pageBytes }) };
  server.setRequestHandler('tools/list', (request) => {
    if (discovery()) {
      // One page of three: a cursor was never issued, so any is refused like a forged one (2025-11-25 server/utilities/pagination).
      if (request.params?.cursor !== undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid cursor: use the nextCursor of a previous tools/list result');
      return Promise.resolve({ tools: metaToolList() });
    }
    const page = toolPage(registry.tools, request.params?.cursor, limits, (tool) => policy.canSee(caller, tool), (tool) => listEntry(registry, tool));
    return Promise.resolve({ tools: [...page.entries], ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) });
  });

  server.setRequestHandler('tools/call', (request, ctx: ServerContext) => {
    const args = argumentsAsSent(context.sentBody, ctx.mcpReq.id) ?? request.params.arguments ?? {};
    const { name } = request.params;
    const traceparent = traceparentOf(request.params._meta);
    const consentAsking = asking(ctx);
    // In discovery mode the meta-tools' names are theirs; tools are still called directly by name (hosts that remember
    // them), through the same checks. call_tool runs its tool through this very callTool, under the same JSON-RPC id.
    const call =
      discovery() && isMetaTool(name)
        ? callMetaTool(name, args, { ...metaTools, search: context.search ?? searchFor(definition), call: (inner, innerArgs) => callTool(inner, innerArgs, ctx.mcpReq.id, traceparent, consentAsking) })
        : callTool(name, args, ctx.mcpReq.id, traceparent, consentAsking);
    context.track?.(call);
    return call;
  });

  /** Runs one tools/call: authorization, argument bindings, validation, Cedar policies, consent, hooks, the upstream request. */
  async function callTool(name: string, args: unknown, requestId: string | number, traceparent: string | undefined, ask: Asking): Promise<CallToolResult | InputRequiredResult> {
    const tool = registry.get(name);
    // 2025-11-25 server/tools#error-handling: an unknown tool is a protocol error, not a tool result.
    if (!tool) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);

    // Authorization is decided before the arguments are looked at, so a refused caller learns nothing from them.
    const decision = policy.check(caller, tool);
    if (!decision.allowed) return toolError(decision.reason);

    // Bound arguments come from the caller's claims, never from the model; then they are validated like the others.
    const bound = bindArguments(tool, caller.claims, args, context.noClaims);
    if ('refused' in bound) {
      context.onRefusal?.({ requestId, tool: tool.name, reason: bound.refused.reason });
      return toolError(bound.refused.message);
    }

    const report = context.onUpstreamResponse;
    const upstream = {
      ...context.upstream,
      ...(report ? { onResponse: (status: number, facts?: UpstreamCallFacts) => report({ requestId, tool: tool.name, status, ...facts }) } : {}),
      ...(context.onRefusal ? { onExchangeFailure: (reason: ExchangeFailureReason) => context.onRefusal?.({ requestId, tool: tool.name, reason }) } : {}),
      ...(callerToken === undefined ? {} : { caller: callerToken }),
      ...(traceparent === undefined ? {} : { traceparent }),
    };
    try {
      // Validation comes first: invalid arguments never reach the upstream API.
      const valid = registry.validate(tool, bound.args);
      // Object-level policies see what the caller asks with validated arguments, before the hooks and the upstream API.
      const verdict = context.policies?.decide(caller, tool.name, valid);
      if (verdict !== undefined && !verdict.allowed) {
        context.onRefusal?.({ requestId, tool: tool.name, reason: verdict.reason, ...(verdict.policyId === undefined ? {} : { policyId: verdict.policyId }) });
        return toolError(POLICY_REFUSAL_MESSAGE);
      }
      // The user is asked only about a request that can be sent: one refused for its values (a path segment "..", say)
      // is refused now, not after the user said yes.
      if (tool.consent) buildRequest(tool, valid, upstream.baseUrl);
      // The user approves this very call (consent.ts) once everything else allows it, before the hooks and upstream.
      const consent = await consentStep(context.consent, tool, caller, valid, ask);
      if (consent.event) context.onConsent?.({ requestId, tool: tool.name, ...consent.event });
      if (!consent.proceed) return consent.result;
      // The user's object-level check and hooks see only callers and arguments that have passed everything above.
      const outcome = await runWithHooks(hooks, { tool, identity: caller, args: valid }, () => callUpstream(tool, valid, upstream));
      return 'rejected' in outcome ? toolError(outcome.rejected) : outcome.result;
    } catch (error) {
      // The caller's (or the operator's) to fix: reported as a tool error so the model can read it and adapt.
      if (error instanceof ToolInputError || error instanceof SettingError) {
        return toolError(error.message);
      }
      throw error;
    }
  }

  /** How this request can ask the user: in-band on 2026-07-28, by elicitation/create on a legacy client that declared it. */
  function asking(ctx: ServerContext): Asking {
    const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
    if (envelope?.[PROTOCOL_VERSION_META_KEY] !== undefined) {
      const state = ctx.mcpReq.requestState();
      return { kind: 'input_required', capabilities: envelopeCapabilities(envelope), inputResponses: ctx.mcpReq.inputResponses, requestState: typeof state === 'string' ? state : undefined };
    }
    // Legacy over HTTP: the transport relays the question, when the client declared it can answer (json-transport.ts).
    if (context.elicit) return { kind: 'elicit', elicit: context.elicit };
    // Legacy over stdio: the connection saw the client's initialize, so the SDK knows what it declared.
    if (canElicitForm(server.getClientCapabilities())) {
      return { kind: 'elicit', elicit: (params, timeoutMs) => ctx.mcpReq.elicitInput(params, { timeout: timeoutMs }) };
    }
    return { kind: 'none' };
  }

  return server;
}

const searches = new WeakMap<ServerDefinition, ToolSearch>();

/** The search over `definition` when the context brings none (a project without search-index.json, or tests), built once. */
function searchFor(definition: ServerDefinition): ToolSearch {
  let search = searches.get(definition);
  if (!search) {
    search = createToolSearch(definition, buildSearchIndex(definition));
    searches.set(definition, search);
  }
  return search;
}

/** The `arguments` of the tools/call with `id` in `body` (one message or a batch) as sent, or undefined when there is none. */
function argumentsAsSent(body: unknown, id: string | number): unknown {
  for (const message of Array.isArray(body) ? body : [body]) {
    if (typeof message !== 'object' || message === null) continue;
    const { id: messageId, method, params } = message as { id?: unknown; method?: unknown; params?: unknown };
    if (messageId === id && method === 'tools/call' && typeof params === 'object' && params !== null) return (params as { arguments?: unknown }).arguments;
  }
  return undefined;
}

/** A tool's tools/list entry, without the fields it does not set. */
function listEntry(registry: ToolRegistry, tool: ToolDefinition): Tool {
  return {
    name: tool.name,
    ...(tool.title === undefined ? {} : { title: tool.title }),
    description: tool.description,
    inputSchema: registry.inputSchema(tool) as Tool['inputSchema'],
    annotations: tool.annotations,
  };
}

/** 2025-11-25 server/tools#error-handling: a tool execution error is a result with `isError`, visible to the model. */
function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}
