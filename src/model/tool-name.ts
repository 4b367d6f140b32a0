/**
 * Tool names: the operationId when it is already valid, else a sanitized form, unique and deterministic.
 *
 * The rule `[A-Za-z0-9_-]{1,64}` is stricter than MCP's own (SEP-986 allows dots and 128 characters) because
 * popular clients and model APIs reject anything else.
 */
import type { IssueCollector } from '../errors.js';
import type { NormalizedOperation } from '../normalize/types.js';

export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_LENGTH = 64;

/** True when `name` can be used as a tool name as it is. */
export function isValidToolName(name: string): boolean {
  return TOOL_NAME_PATTERN.test(name);
}

/** Turns any text into a tool-name candidate: invalid runs become `_`, at most 64 characters. */
export function sanitizeToolName(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, MAX_LENGTH)
    .replace(/_+$/, '');
}

/** The name for an operation without a usable operationId: method and path, e.g. `get_pets_petId`. */
export function nameFromMethodAndPath(operation: Pick<NormalizedOperation, 'method' | 'path'>): string {
  const segments = operation.path.split('/').map((segment) => segment.replace(/[{}]/g, '')).filter(Boolean);
  return sanitizeToolName([operation.method.toLowerCase(), ...segments].join('_'));
}

/**
 * Names every operation (same order as given). `x-mcp-name` and valid operationIds are kept as written and are
 * claimed first, so a derived name never takes them; derived names get `_2`, `_3`, ... on a clash.
 */
export function assignToolNames(operations: readonly NormalizedOperation[], issues: IssueCollector): string[] {
  const names: (string | undefined)[] = new Array(operations.length).fill(undefined);
  const taken = new Map<string, string>(); // name -> source that claimed it

  operations.forEach((operation, index) => {
    const override = operation.extensions['x-mcp-name'];
    if (override === undefined) return;
    const at = `${operation.source}/x-mcp-name`;
    if (typeof override !== 'string' || !isValidToolName(override)) {
      issues.error('ERR_SPEC_TOOL_NAME', at, `x-mcp-name ${JSON.stringify(override)} is not a valid tool name`, 'Use 1 to 64 characters from A-Z, a-z, 0-9, "_" and "-".');
      return;
    }
    claim(index, override, at);
  });
  operations.forEach((operation, index) => {
    if (names[index] === undefined && operation.operationId && isValidToolName(operation.operationId)) {
      claim(index, operation.operationId, `${operation.source}/operationId`);
    }
  });
  operations.forEach((operation, index) => {
    if (names[index] !== undefined) return;
    const base = (operation.operationId && sanitizeToolName(operation.operationId)) || nameFromMethodAndPath(operation);
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) {
      const suffix = `_${n}`;
      candidate = base.slice(0, MAX_LENGTH - suffix.length) + suffix;
    }
    names[index] = candidate;
    taken.set(candidate, operation.source);
  });
  return names.map((name, index) => name ?? nameFromMethodAndPath(operations[index]!));

  function claim(index: number, name: string, at: string): void {
    const previous = taken.get(name);
    if (previous !== undefined) {
      issues.error('ERR_SPEC_DUPLICATE_TOOL_NAME', at, `tool name "${name}" is already used by ${previous}`, 'Give one of them a different x-mcp-name.');
      return;
    }
    taken.set(name, at);
    names[index] = name;
  }
}
