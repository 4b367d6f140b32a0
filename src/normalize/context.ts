/**
 * What every per-object transform of `normalize` gets: the bundled document, its version, and where to report.
 * Also the small readers they share, lenient about types (load has validated the document; tests pass literals).
 */
import type { IssueCollector } from '../errors.js';
import { isRecord } from '../shared/guards.js';
import { followRef } from '../shared/reference.js';
import type { SpecVersion } from './types.js';

export interface NormalizeContext {
  readonly document: Record<string, unknown>;
  readonly version: SpecVersion;
  readonly issues: IssueCollector;
}

/** An object after following its `$ref`s: where it is used and where its fields are written. */
export interface Resolved {
  readonly value: Record<string, unknown>;
  /** Where the object (or the `$ref` to it) is written, e.g. `#/paths/~1pets/get/parameters/0`. */
  readonly site: string;
  /** Where its fields are written, e.g. `#/components/parameters/limit` (the site when not a reference). */
  readonly target: string;
}

/**
 * Follows the `$ref`s of an object found at `site`; reports ERR_SPEC_REF and returns `undefined` when it cannot.
 * @see https://spec.openapis.org/oas/v3.1.0#reference-object
 */
export function resolveObject(context: NormalizeContext, value: unknown, site: string, what: string): Resolved | undefined {
  const resolved = followRef(context.document, value, site);
  if (!resolved.ok) {
    const why = { missing: 'points to nothing', cycle: 'is part of a $ref cycle', external: 'is not an internal reference (#/...)' }[resolved.reason];
    context.issues.error('ERR_SPEC_REF', resolved.at, `$ref "${resolved.ref}" ${why}`, `Point it at ${what} in this document.`);
    return undefined;
  }
  if (!isRecord(resolved.value)) {
    context.issues.error('ERR_SPEC_INVALID', site, `expected ${what} object`, `Write ${what} object here, or a $ref to one.`);
    return undefined;
  }
  return { value: resolved.value, site, target: resolved.pointer };
}

/** A string field, or `undefined`. */
export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The strings of a list field (anything else is dropped). */
export function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Sets `key` only when `value` is defined, so that optional fields stay absent (objects compare as written). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
