/**
 * Internal `$ref` resolution with a cycle guard, over a bundled document (every `$ref` in it is `#/...`).
 * @see https://spec.openapis.org/oas/v3.1.0#reference-object
 */
import { isRecord } from './guards.js';
import { locatePointer, pointerOfStep, type WalkStep } from './json-pointer.js';

/** The outcome of following a `$ref` chain. */
export type RefResolution =
  | { readonly ok: true; readonly value: unknown; readonly pointer: string }
  | {
      readonly ok: false;
      readonly reason: 'missing' | 'cycle' | 'external';
      /** The `$ref` string that failed. */
      readonly ref: string;
      /** Where that `$ref` is written. */
      readonly at: string;
    };

/** A `$ref` of a document: its string, the object that holds it, and that object's pointer (built when asked for). */
export class FoundRef {
  constructor(
    readonly ref: string,
    readonly holder: Record<string, unknown>,
    private readonly step: WalkStep,
  ) {}

  get pointer(): string {
    return pointerOfStep(this.step);
  }
}

/**
 * Every `$ref` string in `document`, in document order. One parent link per object walked, no pointer string:
 * pointers are needed only for the `$ref`s an issue names (building one per value cost GitHub's spec ≈50 ms).
 */
export function findRefs(document: unknown): FoundRef[] {
  const found: FoundRef[] = [];
  // An explicit stack (children pushed last-first, so popped in order): specs can nest deeper than the call stack.
  const stack: (WalkStep & { readonly node: object })[] = [];
  const push = (node: unknown, key: string | number | undefined, parent: WalkStep | undefined) => {
    if (typeof node === 'object' && node !== null) stack.push({ node, key, parent });
  };
  push(document, undefined, undefined);
  while (stack.length > 0) {
    const step = stack.pop()!;
    const { node } = step;
    const ref = refOf(node);
    if (ref !== undefined) found.push(new FoundRef(ref, node as Record<string, unknown>, step));
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i -= 1) push(node[i], i, step);
    } else {
      const keys = Object.keys(node);
      for (let i = keys.length - 1; i >= 0; i -= 1) push((node as Record<string, unknown>)[keys[i]!], keys[i]!, step);
    }
  }
  return found;
}

/** The `$ref` string of a Reference Object, if `value` is one. */
export function refOf(value: unknown): string | undefined {
  return isRecord(value) && typeof value.$ref === 'string' ? value.$ref : undefined;
}

/**
 * Follows internal `$ref`s from `value` (found at `pointer`) until a non-reference, guarding against cycles.
 * Returns the value and the pointer of where it is written.
 * @see https://spec.openapis.org/oas/v3.1.0#reference-object
 */
export function followRef(document: unknown, value: unknown, pointer: string): RefResolution {
  const seen = new Set<string>([pointer]);
  let current = { value, pointer };
  for (let ref = refOf(value); ref !== undefined; ref = refOf(current.value)) {
    if (!ref.startsWith('#')) return { ok: false, reason: 'external', ref, at: current.pointer };
    const target = locatePointer(document, ref);
    if (!target) return { ok: false, reason: 'missing', ref, at: current.pointer };
    if (seen.has(target.pointer)) return { ok: false, reason: 'cycle', ref, at: current.pointer };
    seen.add(target.pointer);
    current = target;
  }
  return { ok: true, value: current.value, pointer: current.pointer };
}
