/** Which operations become tools: `x-mcp-exclude` in the spec, then the config's include and exclude selectors. */
import type { OperationSelector, PortcullisConfig } from '../config/types.js';
import type { NormalizedOperation, NormalizedSpec } from '../normalize/types.js';

/** True when an operation matches any rule of the selector. */
export function matchesSelector(operation: NormalizedOperation, selector: OperationSelector): boolean {
  return (
    (selector.tags ?? []).some((tag) => operation.tags.includes(tag)) ||
    (selector.operations ?? []).some((id) => id === operation.operationId) ||
    (selector.paths ?? []).some((pattern) => pathPatternToRegExp(pattern).test(operation.path)) ||
    (selector.methods ?? []).some((method) => method === operation.method)
  );
}

/**
 * True when an operation matches every kind of criterion the selector names (each kind: any of its entries), so
 * `{ paths: [/items], methods: [GET] }` means GET on /items. Selectors that grant something (scope rules, the public
 * opt-in) match this way: a broader match would give an operation a requirement meant for another, or none.
 */
export function matchesAllCriteria(operation: NormalizedOperation, selector: OperationSelector): boolean {
  const { tags, operations, paths, methods } = selector;
  return (
    (tags === undefined || tags.some((tag) => operation.tags.includes(tag))) &&
    (operations === undefined || operations.some((id) => id === operation.operationId)) &&
    (paths === undefined || paths.some((pattern) => pathPatternToRegExp(pattern).test(operation.path))) &&
    (methods === undefined || methods.some((method) => method === operation.method)) &&
    [tags, operations, paths, methods].some((criterion) => criterion !== undefined)
  );
}

/**
 * True when the operation becomes a tool.
 * `x-mcp-exclude` is read from the operation, else its path item, else the document (the nearest one wins, so an
 * operation can opt back in with `x-mcp-exclude: false`).
 */
export function isSelected(operation: NormalizedOperation, spec: NormalizedSpec, config: PortcullisConfig): boolean {
  const exclude = operation.extensions['x-mcp-exclude'] ?? spec.extensions['x-mcp-exclude'];
  if (exclude === true) return false;
  if (config.include && !matchesSelector(operation, config.include)) return false;
  if (config.exclude && matchesSelector(operation, config.exclude)) return false;
  return true;
}

const patternCache = new Map<string, RegExp>();

/** `*` matches one path segment, `**` any number of segments (including none); everything else is literal. */
export function pathPatternToRegExp(pattern: string): RegExp {
  let regex = patternCache.get(pattern);
  if (!regex) {
    const body = pattern
      .split('/')
      .map((segment) => {
        if (segment === '**') return '(?:/[^/]*)*';
        const literal = segment.split('*').map(escapeRegExp).join('[^/]*');
        return `/${literal}`;
      })
      .slice(1)
      .join('');
    regex = new RegExp(`^${body}/?$`);
    patternCache.set(pattern, regex);
  }
  return regex;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
