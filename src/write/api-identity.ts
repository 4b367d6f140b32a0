/**
 * Which API an output folder holds, so `generate` does not silently replace one API's server with another's. The
 * identity is the spec's title (`info.title`); the spec file's name is recorded too, for the message, but a new
 * file name with the same title (petstore-v1.yaml → petstore-v2.yaml) is a new version of the same API.
 */
import { basename } from 'node:path';
import type { Manifest } from '../emit/manifest.js';
import { isRecord } from '../shared/guards.js';

/** Re-exported for existing importers: defined in errors.ts with the other error classes. */

/** The API an output folder was generated from, as recorded in its manifest under `api`. */
export interface ApiIdentity {
  /** `info.title` of the spec. */
  readonly title: string;
  /** The spec's file name (no folder), or the last segment of its URL. */
  readonly specFile: string;
}

/** A manifest with the identity of its API (manifests written before it was recorded have none). */
export type IdentifiedManifest = Manifest & { readonly api?: ApiIdentity };

/** The identity of the API generated from `spec` (a path or an http(s) URL) with the title `title`. */
export function apiIdentity(title: string, spec: string): ApiIdentity {
  const path = /^https?:\/\//i.test(spec) ? new URL(spec).pathname : spec;
  return { title, specFile: basename(path) || spec };
}

/**
 * The identity recorded in `previous` when it belongs to another API than `current`; undefined when it is the same
 * API, or when the manifest records none (an older manifest: treated as the same API).
 */
export function foreignApi(previous: Manifest | undefined, current: ApiIdentity): ApiIdentity | undefined {
  const recorded: unknown = (previous as IdentifiedManifest | undefined)?.api;
  if (!isRecord(recorded)) return undefined;
  const { title, specFile } = recorded;
  if (typeof title !== 'string' || title === current.title) return undefined;
  return { title, specFile: typeof specFile === 'string' ? specFile : 'unknown' };
}
