/**
 * Which tools need the user's consent before each call, and the parts of the question: every DELETE operation by
 * default, an operation marked `x-mcp-confirm: true` (or `{ consequence }`), and the operations the config's `confirm`
 * selects; `x-mcp-confirm: false` opts an operation out, unless the config selects it (the config wins, reported).
 * The question shows the path parameters' values unless the config lists other arguments; an argument bound to a
 * claim is never shown (its value is the caller's claim, not the model's choice).
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation
 */
import type { ConfirmConfig, OperationSelector, PortcullisConfig } from '../config/types.js';
import { CONFIRM_EXTENSION } from '../normalize/mcp-extensions.js';
import type { NormalizedOperation, NormalizedSpec } from '../normalize/types.js';
import type { BodyDefinition, ConsentDefinition, ParameterDefinition } from '../../templates/runtime/definition.js';
import { isRecord } from '../shared/guards.js';
import { pointerJoin } from '../shared/json-pointer.js';
import type { BindingModel } from './bindings.js';
import { consentLine } from './consent-text.js';
import { matchesSelector } from './selection.js';
import type { Report } from './upstream.js';

/** Why a tool needs consent: the DELETE default, the spec's `x-mcp-confirm`, or the config's `confirm`. */
export type ConsentReason = 'DELETE default' | 'x-mcp-confirm' | 'config';

/** A tool's consent question, and why it is asked. */
export interface ConsentModel extends ConsentDefinition {
  readonly from: ConsentReason;
}

/** The consequence of a DELETE, unless the spec says otherwise. */
export const DELETE_CONSEQUENCE = 'This cannot be undone.';

const SELECTOR_KEYS = ['tags', 'operations', 'paths', 'methods'] as const;

/** What deciding consent for the tools of one spec shares: the config, and which of its entries selected something. */
export interface ConsentContext {
  readonly spec: NormalizedSpec;
  readonly config: PortcullisConfig;
  /** Reports issues located in the config file. */
  readonly report: Report;
  /** `#/confirm/tags/0`, `#/confirm/arguments/deleteTicket`, ...: the config entries that matched some tool. */
  readonly used: Set<string>;
}

/** What of a built tool the question needs. */
export interface ConsentTool {
  readonly name: string;
  readonly parameters: readonly ParameterDefinition[];
  readonly body?: BodyDefinition;
  readonly bindings: readonly BindingModel[];
}

/** The tool's consent question, or undefined when it needs none. */
export function consentOf(operation: NormalizedOperation, tool: ConsentTool, context: ConsentContext): ConsentModel | undefined {
  const confirm = context.config.confirm ?? {};
  const selectedBy = configEntries(operation, tool.name, confirm, context);
  const marked = operation.extensions[CONFIRM_EXTENSION];
  const argumentsKey = argumentsEntryOf(operation, tool.name, confirm);

  let from: ConsentReason | undefined;
  if (selectedBy.length > 0) {
    from = 'config';
    if (marked === false) {
      context.report(
        'WARN_CONFIG_OVERRIDES_SPEC',
        'warning',
        selectedBy[0]!,
        `confirm selects ${operation.method} ${operation.path} (tool ${tool.name}), which the spec opts out of consent with x-mcp-confirm: false at ${operation.source}`,
        'The config wins: the tool asks for consent. Remove x-mcp-confirm: false from the spec, or narrow the selector.',
      );
    }
  } else if (marked === true || isRecord(marked)) from = 'x-mcp-confirm';
  else if (marked === undefined && operation.method === 'DELETE' && confirm.deletes !== false) from = 'DELETE default';
  if (from === undefined) return undefined;

  const consequence = consequenceOf(operation, marked);
  return {
    system: consentLine(context.spec.info.title) || 'The API',
    action: consentLine(operation.summary ?? '') || consentLine(`${operation.method} ${operation.path}`),
    request: consentLine(`${operation.method} ${operation.path}`),
    arguments: argumentsKey === undefined ? pathArguments(operation, tool) : configArguments(operation, tool, argumentsKey, confirm.arguments![argumentsKey]!, context),
    ...(consequence ? { consequence } : {}),
    from,
  };
}

/** Reports config entries that could never apply: operations the spec lacks (errors), entries that select no tool (warnings). */
export function checkConfirmUsage(context: ConsentContext): void {
  const confirm = context.config.confirm;
  if (!confirm) return;
  const operationIds = new Set(context.spec.operations.map((operation) => operation.operationId));
  // In the config's own order, so the warnings read like the file.
  for (const key of Object.keys(confirm).filter((name): name is (typeof SELECTOR_KEYS)[number] => (SELECTOR_KEYS as readonly string[]).includes(name))) {
    (confirm[key] ?? []).forEach((entry, index) => {
      const at = pointerJoin('#/confirm', key, index);
      if (context.used.has(at)) return;
      if (key === 'operations' && !operationIds.has(entry)) {
        context.report('ERR_CONFIG_INVALID', 'error', at, `no operation of the spec has the operationId "${entry}"`, 'Check the name against the spec: a misspelt one would leave that tool without consent.');
      } else {
        context.report('WARN_CONFIG_UNUSED', 'warning', at, `${singular(key)} "${entry}" selects no tool`, 'Check it against the spec (and include/exclude), or remove it.');
      }
    });
  }
  for (const name of Object.keys(confirm.arguments ?? {})) {
    const at = pointerJoin('#/confirm/arguments', name);
    if (context.used.has(at)) continue;
    if (!operationIds.has(name)) {
      context.report('ERR_CONFIG_INVALID', 'error', at, `no operation of the spec has the operationId "${name}", and no tool is named so`, 'Key arguments by operationId (or tool name) as written in the spec.');
    } else {
      context.report('WARN_CONFIG_UNUSED', 'warning', at, `operation "${name}" is no tool (excluded)`, 'Remove the entry, or include the operation.');
    }
  }
}

/** The pointers of the config entries (`#/confirm/tags/0`, `#/confirm/arguments/x`, ...) that select the operation, each marked used. */
function configEntries(operation: NormalizedOperation, toolName: string, confirm: ConfirmConfig, context: ConsentContext): string[] {
  const entries: string[] = [];
  for (const key of SELECTOR_KEYS) {
    (confirm[key] ?? []).forEach((entry, index) => {
      if (matchesSelector(operation, { [key]: [entry] } as OperationSelector)) entries.push(pointerJoin('#/confirm', key, index));
    });
  }
  const argumentsKey = argumentsEntryOf(operation, toolName, confirm);
  if (argumentsKey !== undefined) entries.push(pointerJoin('#/confirm/arguments', argumentsKey));
  entries.forEach((entry) => context.used.add(entry));
  return entries;
}

/** The key of the config's `arguments` entry for the operation: its operationId, else its tool name. */
function argumentsEntryOf(operation: NormalizedOperation, toolName: string, confirm: ConfirmConfig): string | undefined {
  const args = confirm.arguments;
  if (!args) return undefined;
  if (operation.operationId !== undefined && Object.hasOwn(args, operation.operationId)) return operation.operationId;
  return Object.hasOwn(args, toolName) ? toolName : undefined;
}

/** The spec's consequence (`x-mcp-confirm: { consequence }`), else the DELETE one, else none. */
function consequenceOf(operation: NormalizedOperation, marked: unknown): string | undefined {
  if (isRecord(marked) && typeof marked.consequence === 'string') {
    const line = consentLine(marked.consequence);
    if (line) return line;
  }
  return operation.method === 'DELETE' ? DELETE_CONSEQUENCE : undefined;
}

/** Arguments bound to a claim, whole (a parameter) or in part (a property of the body). */
function boundArguments(tool: ConsentTool): Map<string, string> {
  return new Map(tool.bindings.map((binding) => [binding.argument, binding.property === undefined ? binding.claim : `${binding.property} ← ${binding.claim}`]));
}

/** The path parameters' arguments in the order the path names them, bound ones left out. */
function pathArguments(operation: NormalizedOperation, tool: ConsentTool): string[] {
  const bound = boundArguments(tool);
  const position = (parameter: ParameterDefinition) => operation.path.indexOf(`{${parameter.name}}`);
  return tool.parameters
    .filter((parameter) => parameter.in === 'path' && !bound.has(parameter.argument))
    .sort((a, b) => position(a) - position(b))
    .map((parameter) => parameter.argument);
}

/** The config's arguments for the tool, each checked to be a tool argument the model chooses itself. */
function configArguments(operation: NormalizedOperation, tool: ConsentTool, key: string, names: readonly string[], context: ConsentContext): string[] {
  const bound = boundArguments(tool);
  const own = [...tool.parameters.map((parameter) => parameter.argument), ...(tool.body ? [tool.body.argument] : [])];
  const choosable = own.filter((name) => !bound.has(name));
  const at = pointerJoin('#/confirm/arguments', key);
  return names.filter((name, index) => {
    const claim = bound.get(name);
    if (claim !== undefined) {
      const whole = tool.bindings.some((binding) => binding.argument === name && binding.property === undefined);
      context.report(
        'ERR_CONFIG_INVALID',
        'error',
        pointerJoin(at, index),
        whole
          ? `argument "${name}" of tool ${tool.name} is bound to the claim ${claim}: the question never shows a claim's value`
          : `argument "${name}" of tool ${tool.name} holds a property bound to a claim (${claim}): the question never shows a claim's value`,
        `Remove it from the list${choosable.length > 0 ? `; the tool's other arguments are ${choosable.join(', ')}` : ''}.`,
      );
      return false;
    }
    if (!own.includes(name)) {
      context.report(
        'ERR_CONFIG_INVALID',
        'error',
        pointerJoin(at, index),
        `tool ${tool.name} (${operation.method} ${operation.path}) has no argument "${name}"`,
        choosable.length > 0 ? `Its arguments are ${choosable.join(', ')}.` : 'It takes no argument the question could show: remove the entry.',
      );
      return false;
    }
    return true;
  });
}

function singular(key: (typeof SELECTOR_KEYS)[number]): string {
  return { tags: 'tag', operations: 'operationId', paths: 'path pattern', methods: 'method' }[key];
}
