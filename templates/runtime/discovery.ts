/**
 * Tool discovery (TOOL_MODE=discovery, or auto for a caller who may use many tools): instead of one MCP tool per
 * operation, tools/list offers three meta-tools, and the model finds what it needs by asking.
 *
 * - `search_tools` { query, limit? }: the best matches, each with a one-line summary, its read-only / destructive hints
 *   and, for a tool the caller's token lacks scopes for, the scopes a step-up would ask for (`requiredScopes`);
 * - `describe_tool` { name }: the tool's full description, input schema (as tools/list would publish it) and annotations;
 * - `call_tool` { name, arguments }: runs the tool through the very same call as tools/call (mcp-server.ts), so the
 *   authorization decision, argument bindings, validation, Cedar policies, hooks and audit all apply; over HTTP a
 *   missing scope is answered 403 insufficient_scope before the server runs (step-up-gate.ts, audit-trail.ts).
 *
 * A tool a role forbids (no re-consent can obtain a role) never appears: search skips it, and describe_tool and
 * call_tool answer for it exactly as for a tool that does not exist, so the meta-tools are no oracle of what exists.
 */

import type { CallToolResult, InputRequiredResult, Tool } from '@modelcontextprotocol/server';
import { decide } from './authorization.js';
import type { Caller } from './caller.js';
import type { ServerDefinition, ToolDefinition } from './definition.js';
import { ToolInputError } from './errors.js';
import type { ToolMode } from './setting-definitions.js';
import type { ToolRegistry } from './tool-registry.js';
import type { ToolSearch } from './tool-search.js';

export const SEARCH_TOOLS = 'search_tools';
export const DESCRIBE_TOOL = 'describe_tool';
export const CALL_TOOL = 'call_tool';
/** The meta-tools' names; in discovery mode they take precedence over API tools of the same name (call_tool reaches those). */
export const META_TOOL_NAMES: readonly string[] = [SEARCH_TOOLS, DESCRIBE_TOOL, CALL_TOOL];

/** search_tools' `limit` when absent, and its largest value. */
export const DEFAULT_SEARCH_LIMIT = 10;
export const MAX_SEARCH_LIMIT = 50;
/** Longest query, in characters; a longer one is refused (search cost grows with it). */
export const MAX_QUERY_LENGTH = 500;
/** Longest one-line summary in a search result, in characters. */
export const MAX_SUMMARY_LENGTH = 160;

/** TOOL_MODE and TOOL_MODE_THRESHOLD. */
export interface ToolModeSetting {
  readonly mode: ToolMode;
  readonly threshold: number;
}

/**
 * Whether the caller is served the meta-tools: always in discovery mode, never in direct mode, and in auto mode when
 * more than `threshold` tools pass `canSee` (counting stops there, so the cost is bounded by the threshold's reach).
 */
export function usesDiscovery(setting: ToolModeSetting | undefined, tools: readonly ToolDefinition[], canSee: (tool: ToolDefinition) => boolean): boolean {
  if (setting === undefined || setting.mode === 'direct') return false;
  if (setting.mode === 'discovery') return true;
  let seen = 0;
  for (const tool of tools) if (canSee(tool) && ++seen > setting.threshold) return true;
  return false;
}

/** Callers' mode decisions remembered at once, at most; the memory is emptied when full. */
const MAX_REMEMBERED_MODES = 1024;

/**
 * usesDiscovery for each caller of a server. With `byScopesAndRoles` (the policy decides from the caller's scopes and
 * roles alone, as caller authorization does) the answer is remembered per set of scopes and roles, so a caller who
 * may see few of many tools does not pay a pass over all of them on every request.
 */
export function toolModeDecider(setting: ToolModeSetting, tools: readonly ToolDefinition[], canSee: (caller: Caller, tool: ToolDefinition) => boolean, byScopesAndRoles: boolean): (caller: Caller) => boolean {
  const decide = (caller: Caller) => usesDiscovery(setting, tools, (tool) => canSee(caller, tool));
  if (setting.mode !== 'auto' || !byScopesAndRoles) return decide;
  const remembered = new Map<string, boolean>();
  return (caller) => {
    const key = JSON.stringify([[...caller.roles].sort(), [...caller.scopes].sort()]);
    let discovery = remembered.get(key);
    if (discovery === undefined) {
      if (remembered.size >= MAX_REMEMBERED_MODES) remembered.clear();
      discovery = decide(caller);
      remembered.set(key, discovery);
    }
    return discovery;
  };
}

/** Whether `name` is a meta-tool's (only meaningful in discovery mode). */
export function isMetaTool(name: string): boolean {
  return META_TOOL_NAMES.includes(name);
}

/** The tool a discovery-mode `call_tool` runs: its `arguments.name` when that is a string, else undefined. */
export function innerToolName(args: unknown): string | undefined {
  const name = isObject(args) ? args.name : undefined;
  return typeof name === 'string' ? name : undefined;
}

/**
 * The scopes a step-up would ask for to let `caller` use `tool` (the requirement alternative needing the fewest new
 * scopes, all of its scopes, as the 403 challenge asks), or undefined when the caller may use it now or a role forbids it.
 */
export function stepUpScopesFor(caller: Caller, tool: ToolDefinition, impliedScopes: ServerDefinition['impliedScopes']): readonly string[] | undefined {
  const decision = decide(caller, tool, impliedScopes);
  return !decision.allowed && decision.denied === 'scope' ? decision.challengeScopes : undefined;
}

/** What the meta-tools need from the server they belong to. */
export interface MetaToolContext {
  readonly registry: ToolRegistry;
  readonly search: ToolSearch;
  /** Whether the caller may use the tool now. */
  canSee(tool: ToolDefinition): boolean;
  /** The scopes a step-up would ask for, when the caller lacks only scopes for the tool (stepUpScopesFor). */
  stepUpScopes(tool: ToolDefinition): readonly string[] | undefined;
  /**
   * The server's tools/call of `name` with `args` (mcp-server.ts callTool), for call_tool; an input-required result
   * (a consent question, 2026-07-28) passes through, and the client's retry of call_tool reaches the same tool.
   */
  call(name: string, args: unknown): Promise<CallToolResult | InputRequiredResult>;
}

/** The three meta-tools as tools/list shows them. */
export function metaToolList(): Tool[] {
  return [SEARCH_TOOLS_ENTRY, DESCRIBE_TOOL_ENTRY, CALL_TOOL_ENTRY].map((entry) => structuredClone(entry));
}

/** Runs meta-tool `name` (one of META_TOOL_NAMES) with `args` as sent. */
export async function callMetaTool(name: string, args: unknown, context: MetaToolContext): Promise<CallToolResult | InputRequiredResult> {
  try {
    if (name === SEARCH_TOOLS) return searchTools(args, context);
    if (name === DESCRIBE_TOOL) return describeTool(args, context);
    const { name: inner, arguments: innerArgs } = callArguments(args);
    const tool = context.registry.get(inner);
    // A tool the caller can neither use nor obtain by step-up is answered as unknown, the same words for both.
    if (!tool || !discoverable(tool, context)) return unknownTool(inner);
    return await context.call(inner, innerArgs);
  } catch (error) {
    if (error instanceof ToolInputError) return toolError(error.message);
    throw error;
  }
}

/** search_tools: the caller's discoverable tools matching the query, best first. */
function searchTools(args: unknown, context: MetaToolContext): CallToolResult {
  const fields = objectArguments(args, ['query', 'limit']);
  const query = fields.query;
  if (typeof query !== 'string' || query.trim() === '') throw new ToolInputError('/query', 'is required: a few words saying what you want to do');
  if (query.length > MAX_QUERY_LENGTH) throw new ToolInputError('/query', `must be at most ${MAX_QUERY_LENGTH} characters`);
  const limit = fields.limit ?? DEFAULT_SEARCH_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw new ToolInputError('/limit', `must be an integer from 1 to ${MAX_SEARCH_LIMIT}`);
  const hits = context.search.search(query, limit, (tool) => discoverable(tool, context));
  const tools = hits.slice(0, limit).map(({ tool }) => searchResult(tool, context));
  const text = tools.length === 0 ? `No tool matches "${query}". Try other words.` : tools.map(renderResult).join('\n');
  return { content: [{ type: 'text', text }], structuredContent: { tools } };
}

/** One search result: what a model needs to pick a tool, without its schema. */
function searchResult(tool: ToolDefinition, context: MetaToolContext): Record<string, unknown> {
  const requiredScopes = context.canSee(tool) ? undefined : context.stepUpScopes(tool);
  return {
    name: tool.name,
    ...(tool.title === undefined ? {} : { title: tool.title }),
    summary: summaryOf(tool),
    readOnly: tool.annotations.readOnlyHint === true,
    destructive: tool.annotations.readOnlyHint !== true && tool.annotations.destructiveHint !== false,
    ...(requiredScopes === undefined ? {} : { requiredScopes: [...requiredScopes] }),
  };
}

/** One line of search_tools' text: `name — summary [read-only] [needs scopes: a b]`. */
function renderResult(result: Record<string, unknown>): string {
  const marks = [result.readOnly ? 'read-only' : undefined, result.destructive ? 'destructive' : undefined, Array.isArray(result.requiredScopes) ? `needs a step-up to scopes: ${result.requiredScopes.join(' ')}` : undefined];
  return `- ${String(result.name)}: ${String(result.summary)}${marks.filter(Boolean).map((mark) => ` [${mark}]`).join('')}`;
}

/** describe_tool: the tool's description, published input schema and annotations. */
function describeTool(args: unknown, context: MetaToolContext): CallToolResult {
  const fields = objectArguments(args, ['name']);
  if (typeof fields.name !== 'string' || fields.name === '') throw new ToolInputError('/name', 'is required: a tool name from search_tools');
  const tool = context.registry.get(fields.name);
  if (!tool || !discoverable(tool, context)) return unknownTool(fields.name);
  const requiredScopes = context.canSee(tool) ? undefined : context.stepUpScopes(tool);
  const described = {
    name: tool.name,
    ...(tool.title === undefined ? {} : { title: tool.title }),
    description: tool.description,
    // The published schema: arguments bound to the caller's claims are not the model's to give (bindings.ts).
    inputSchema: context.registry.inputSchema(tool),
    annotations: tool.annotations,
    ...(requiredScopes === undefined ? {} : { requiredScopes: [...requiredScopes] }),
  };
  return { content: [{ type: 'text', text: JSON.stringify(described) }], structuredContent: described };
}

/** call_tool's own arguments: the inner tool's name and its arguments (an object; `{}` when absent). */
function callArguments(args: unknown): { name: string; arguments: unknown } {
  const fields = objectArguments(args, ['name', 'arguments']);
  if (typeof fields.name !== 'string' || fields.name === '') throw new ToolInputError('/name', 'is required: a tool name from search_tools');
  const inner = fields.arguments ?? {};
  if (!isObject(inner)) throw new ToolInputError('/arguments', "must be an object: the tool's arguments, as describe_tool's inputSchema says");
  return { name: fields.name, arguments: inner };
}

/** A meta-tool's arguments as an object with only the `allowed` members; throws ToolInputError otherwise. */
function objectArguments(args: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (!isObject(args)) throw new ToolInputError('/', 'must be an object');
  for (const key of Object.keys(args)) if (!allowed.includes(key)) throw new ToolInputError(`/${key.replaceAll('~', '~0').replaceAll('/', '~1').slice(0, 100)}`, 'is not an allowed property');
  // Own members only: `__proto__` or `constructor` in what was sent must not be read from Object.prototype.
  return Object.fromEntries(allowed.filter((key) => Object.hasOwn(args, key)).map((key) => [key, args[key]]));
}

/** Whether the tool may be shown to the caller: usable now, or obtainable by a step-up (never when a role forbids it). */
function discoverable(tool: ToolDefinition, context: MetaToolContext): boolean {
  return context.canSee(tool) || context.stepUpScopes(tool) !== undefined;
}

/** The answer for a tool that does not exist or is not the caller's to see: the same for both. */
function unknownTool(name: string): CallToolResult {
  return toolError(`Unknown tool: ${JSON.stringify(name.slice(0, 200))}. Use search_tools to find the tools you may use.`);
}

/**
 * The description's first sentence (the title is shown beside it), else the title, else the name: on one line and at
 * most MAX_SUMMARY_LENGTH characters.
 */
export function summaryOf(tool: Pick<ToolDefinition, 'title' | 'description' | 'name'>): string {
  const source = tool.description.trim() || tool.title?.trim() || tool.name;
  const line = source.replace(/\s+/g, ' ');
  const sentence = /^(.+?[.!?])(?:\s|$)/.exec(line)?.[1] ?? line;
  return sentence.length > MAX_SUMMARY_LENGTH ? `${sentence.slice(0, MAX_SUMMARY_LENGTH - 1)}…` : sentence;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** 2025-11-25 server/tools#error-handling: a tool execution error is a result with `isError`, visible to the model. */
function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

const SCOPES = { type: 'array', items: { type: 'string' }, description: 'Scopes a step-up would ask you to grant before this tool can be called; absent when you may call it now.' } as const;

const SEARCH_TOOLS_ENTRY: Tool = {
  name: SEARCH_TOOLS,
  title: 'Search tools',
  description:
    "Finds this server's tools for a task. Give a few words saying what you want to do (for example \"refund a payment\" or \"list open issues of a repository\"); the best matches come first, each with its name, a one-line summary, whether it only reads or may change or delete data, and, for a tool your current authorization does not cover yet, the scopes you would be asked to grant (requiredScopes). Then call describe_tool for a tool's input schema, and call_tool to run it.",
  inputSchema: {
    type: 'object',
    properties: {
      query: { type: 'string', minLength: 1, maxLength: MAX_QUERY_LENGTH, description: 'What you want to do, in a few words.' },
      limit: { type: 'integer', minimum: 1, maximum: MAX_SEARCH_LIMIT, default: DEFAULT_SEARCH_LIMIT, description: 'How many tools to return at most.' },
    },
    required: ['query'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: {
      tools: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            title: { type: 'string' },
            summary: { type: 'string' },
            readOnly: { type: 'boolean' },
            destructive: { type: 'boolean' },
            requiredScopes: SCOPES,
          },
          required: ['name', 'summary', 'readOnly', 'destructive'],
        },
      },
    },
    required: ['tools'],
  },
  annotations: { title: 'Search tools', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

const DESCRIBE_TOOL_ENTRY: Tool = {
  name: DESCRIBE_TOOL,
  title: 'Describe a tool',
  description:
    "Shows everything about one tool found with search_tools: its full description, the JSON Schema of its arguments (inputSchema) and its annotations, plus requiredScopes when a step-up is needed first. Read it before call_tool, whose `arguments` must match inputSchema.",
  inputSchema: {
    type: 'object',
    properties: { name: { type: 'string', minLength: 1, description: 'The tool name, as search_tools gave it.' } },
    required: ['name'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      title: { type: 'string' },
      description: { type: 'string' },
      inputSchema: { type: 'object' },
      annotations: { type: 'object' },
      requiredScopes: SCOPES,
    },
    required: ['name', 'description', 'inputSchema', 'annotations'],
  },
  annotations: { title: 'Describe a tool', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

const CALL_TOOL_ENTRY: Tool = {
  name: CALL_TOOL,
  title: 'Call a tool',
  description:
    'Runs one tool found with search_tools, with arguments matching the inputSchema describe_tool shows, and returns exactly what that tool returns. It is checked like a direct call: if your authorization lacks scopes the tool needs, you are asked to grant them (step-up) and can then call again. Tools may change or delete data: check the tool\'s annotations first.',
  inputSchema: {
    type: 'object',
    properties: {
      name: { type: 'string', minLength: 1, description: 'The tool name, as search_tools gave it.' },
      arguments: { type: 'object', description: "The tool's arguments, matching the inputSchema from describe_tool.", additionalProperties: true },
    },
    required: ['name'],
    additionalProperties: false,
  },
  // It runs any tool, so it claims nothing better than the worst of them (2025-11-25 server/tools#tool-annotations defaults).
  annotations: { title: 'Call a tool', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
};
