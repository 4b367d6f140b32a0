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

/**
 * A `$ref` of a document: its string, the object that holds it, and that object's pointer, built when asked for (a
 * walk of a large document keeps a parent link per object, not a pointer string: building one per value cost GitHub's
 * spec ≈50 ms). Collected by checkDocumentLimits (limits.ts).
 */
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
