/**
 * JSON pointers into a document, in the `#/a/b` form every issue's location has.
 * @see https://www.rfc-editor.org/rfc/rfc6901
 */
import { isRecord } from './guards.js';

/**
 * Escapes one JSON pointer segment: `~` as `~0`, `/` as `~1`.
 * @see https://www.rfc-editor.org/rfc/rfc6901#section-3
 */
export function escapePointerSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Joins a base pointer (`#` or `#/a`) with more segments. */
export function pointerJoin(base: string, ...segments: (string | number)[]): string {
  return segments.reduce<string>((acc, s) => `${acc}/${escapePointerSegment(s)}`, base);
}

/** A value reached by a walk of a document: its key in its parent (undefined for the root) and the parent's step. */
export interface WalkStep {
  /** The key of the value in its parent (an array's index as a number), undefined for the root. */
  readonly key: string | number | undefined;
  readonly parent: WalkStep | undefined;
}

/**
 * The JSON pointer of the value `step` reached, from its parent links: walks of a large document keep one link per
 * value and build pointer strings only for the values they report.
 */
export function pointerOfStep(step: WalkStep): string {
  const keys: string[] = [];
  for (let at: WalkStep | undefined = step; at?.key !== undefined; at = at.parent) keys.push(String(at.key));
  return pointerJoin('#', ...keys.reverse());
}

/**
 * Splits a pointer (`#/a/b`, `/a/b`, `#` or ``) into unescaped segments; `undefined` when it is not a pointer.
 * @see https://www.rfc-editor.org/rfc/rfc6901#section-4
 */
export function parsePointer(pointer: string): string[] | undefined {
  const path = pointer.startsWith('#') ? pointer.slice(1) : pointer;
  if (path === '') return [];
  if (!path.startsWith('/')) return undefined;
  // `~1` before `~0`, so that `~01` becomes `~1` and not `/`.
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Formats segments as a `#/...` pointer. */
export function formatPointer(segments: readonly (string | number)[]): string {
  return pointerJoin('#', ...segments);
}

/** The value at `segments` inside `document` (own properties and array indices only), or undefined. */
export function valueAt(document: unknown, segments: readonly string[]): unknown {
  return walk(document, segments).value;
}

/** Walks the segments down from `document`; `found: false` when a step is missing. */
function walk(document: unknown, segments: readonly string[]): { found: boolean; value: unknown } {
  let node = document;
  for (const segment of segments) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(segment) || Number(segment) >= node.length) return { found: false, value: undefined };
      node = node[Number(segment)];
    } else if (isRecord(node) && Object.hasOwn(node, segment)) {
      node = node[segment];
    } else {
      return { found: false, value: undefined };
    }
  }
  return { found: true, value: node };
}

/** Decodes a URI fragment's percent-escapes (`%7Bid%7D`); `undefined` when there are none or they are malformed. */
function percentDecoded(segments: readonly string[]): string[] | undefined {
  if (!segments.some((s) => s.includes('%'))) return undefined;
  try {
    return segments.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/**
 * Finds what a pointer points to and the canonical `#/...` pointer of it; `undefined` when nothing is there.
 * `$ref` values are URI fragments, so percent-escapes are decoded when the literal reading finds nothing.
 * @see https://www.rfc-editor.org/rfc/rfc6901#section-6
 */
export function locatePointer(document: unknown, pointer: string): { value: unknown; pointer: string } | undefined {
  const segments = parsePointer(pointer);
  if (!segments) return undefined;
  for (const candidate of [segments, percentDecoded(segments)]) {
    if (!candidate) continue;
    const { found, value } = walk(document, candidate);
    if (found) return { value, pointer: formatPointer(candidate) };
  }
  return undefined;
}

/**
 * Resolves a JSON pointer (`#/components/schemas/Pet`) against a document; `undefined` when nothing is there.
 * @see https://www.rfc-editor.org/rfc/rfc6901
 */
export function resolvePointer(document: unknown, pointer: string): unknown {
  return locatePointer(document, pointer)?.value;
}
