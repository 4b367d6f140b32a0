/**
 * Which local files a spec may pull in through `$ref`: only files under the folder of the root spec file (symlinks
 * resolved, the folder's own path too), and none at all when the root spec or the referring document came from a
 * URL. Otherwise a `$ref` (in a schema, an `example`, an `x-` value: anywhere) could copy any file the generator
 * can read, such as `/etc/passwd` or a private key, into the emitted tools.json.
 * @see https://spec.openapis.org/oas/v3.1.0#relative-references-in-uris
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Issue } from '../errors.js';
import type { FoundRef } from '../shared/reference.js';
import { isRemoteLocation } from './read-source.js';

/** Where local `$ref`s may point. */
export interface RefScope {
  /** The folder of the root spec as given (absolute, symlinks not resolved); undefined when the spec is a URL. */
  readonly folder: string | undefined;
  /** The same folder with symlinks resolved: every local file read must be inside it. */
  readonly realFolder: string | undefined;
  /** The folder as the user named it (relative when the spec was given by a relative path), for messages. */
  readonly label: string | undefined;
}

/** The scope of a spec read from `location` (an absolute path, or a URL), named `file` by the user. */
export function refScopeOf(location: string, remote: boolean, file: string): RefScope {
  if (remote) return { folder: undefined, realFolder: undefined, label: undefined };
  const folder = path.dirname(location);
  return { folder, realFolder: realpathSync.native(folder), label: /^file:/i.test(file) ? folder : path.dirname(file) };
}

/** True when a resolved `$ref` target (as swagger-parser passes it) names a local file: no scheme, or `file:`. */
export function isLocalTarget(target: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target) || /^file:/i.test(target);
}

/**
 * The file system path of a local target as swagger-parser spells it (a percent-encoded path or a `file:` URL);
 * undefined when it cannot be one (a `file:` URL naming another host, an encoded `/`).
 */
export function localPathOf(target: string): string | undefined {
  try {
    if (/^file:/i.test(target)) return fileURLToPath(target);
    return path.resolve(decodeURIComponentSafe(target));
  } catch {
    return undefined;
  }
}

/** Decodes percent-escapes, except those that would make a new path separator. */
function decodeURIComponentSafe(text: string): string {
  if (/%2f|%5c/i.test(text)) throw new Error('encoded path separator');
  return decodeURIComponent(text);
}

/** Why a local file may not be read, or undefined when it may (its real path is under the scope's folder). */
export function refusalOf(scope: RefScope, file: string, fromRemote: boolean): string | undefined {
  if (scope.realFolder === undefined || scope.folder === undefined) {
    return 'is a local file, and a spec fetched from a URL may not reference local files';
  }
  if (fromRemote) return 'is a local file, and a document fetched from a URL may not reference local files';
  let real: string;
  try {
    real = realpathSync.native(file);
  } catch {
    // It does not exist (or cannot be resolved): judged by its path alone; reading it then fails as missing.
    return isInside(scope.folder, path.resolve(file)) ? undefined : outside(scope);
  }
  return isInside(scope.realFolder, real) ? undefined : outside(scope);
}

function outside(scope: RefScope): string {
  return `is outside the folder of the spec (${scope.label}), symbolic links followed`;
}

function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** The hint of every ERR_SPEC_LOCAL_REF. */
export function localRefHint(scope: RefScope, fromRemote = false): string {
  return scope.folder === undefined || fromRemote
    ? 'Download the spec with the files it references and pass the local copy, or reference them by http(s) URL (with --allow-remote-refs).'
    : `Copy the file into ${scope.label} and point the $ref at the copy.`;
}

/**
 * Checks every `$ref` of a document (`refs`, as checkDocumentLimits collects them; the document read from `location`: a
 * path, a `file:` URL or an http(s) URL) that names a local file, before swagger-parser follows any: each refused one is reported,
 * located in `file`, and removed from the document so that it is never read. The resolvers of ref-resolvers.ts
 * check again what they read.
 */
export function refuseOutOfScopeRefs(refs: readonly FoundRef[], location: string, file: string, scope: RefScope): Issue[] {
  const fromRemote = isRemoteLocation(location);
  const issues: Issue[] = [];
  const base = fromRemote ? new URL(location) : new URL(pathToFileURL(location).pathname, LOCAL_BASE);
  for (const found of refs) {
    const { ref } = found;
    if (ref.startsWith('#')) continue;
    const target = localTargetOf(ref, base);
    const reason = target === undefined ? undefined : target.path === undefined ? UNCHECKABLE : refusalOf(scope, target.path, fromRemote);
    if (reason === undefined) continue;
    issues.push({
      code: 'ERR_SPEC_LOCAL_REF',
      severity: 'error',
      file,
      pointer: found.pointer,
      message: `$ref "${ref}" points to ${target!.display}, which ${reason}`,
      hint: localRefHint(scope, fromRemote),
    });
    delete found.holder.$ref;
  }
  return issues;
}

/**
 * swagger-parser resolves a `$ref` in a local file against the file's path placed in a made-up https URL, so
 * that `//host/x` is a remote URL and `file:x` an absolute `file:` URL; the same is done here.
 */
const LOCAL_BASE = 'https://local.portcullis.invalid';

/**
 * The local file a `$ref` resolves to from `base`, the way swagger-parser resolves it (WHATWG URL resolution:
 * `..` and `%2e%2e` segments, `\\` as `/`); undefined when it is not local (http(s), another scheme).
 */
function localTargetOf(ref: string, base: URL): { display: string; path?: string } | undefined {
  let resolved: URL;
  try {
    resolved = new URL(ref.split('#')[0]!.split('\\').join('/'), base);
  } catch {
    return undefined;
  }
  const local = resolved.origin === new URL(LOCAL_BASE).origin ? new URL(`file://${resolved.pathname}`) : resolved.protocol === 'file:' ? resolved : undefined;
  if (!local) return undefined;
  try {
    const file = fileURLToPath(local);
    return { display: file, path: file };
  } catch {
    // A `file:` URL naming another host, or an encoded `/`: not a path that can be checked, so refused.
    return { display: resolved.href };
  }
}

/** Refusal of a local target whose path cannot be worked out. */
export const UNCHECKABLE = 'is not a local path that can be checked';
