/**
 * Writes emitted files into the output folder without ever losing the user's work:
 * - a generator-owned file is rewritten only when it differs, and only when it is still what the generator last
 *   wrote (its digest in the manifest); a hand-edited one is a conflict, overwritten only with `force`;
 * - a user-owned file is created when missing and otherwise left alone;
 * - a generator-owned file no longer emitted is deleted when it is still as generated (with `force`, also when
 *   edited, if it carries the generated-file header); nothing without the header or a manifest entry is deleted.
 * `planWrite` reads and decides; `applyPlan` writes. A plan with conflicts must not be applied.
 * File access is synchronous: a run touches about a hundred small files one after the other, and each promise-based
 * call would be a round trip through libuv's thread pool for nothing (the CLI has nothing else to do meanwhile).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bytesOf, hasGeneratedHeader, type EmittedFile } from '../emit/emit-server.js';
import { digestOf, MANIFEST_PATH, parseManifest, type Manifest } from '../emit/manifest.js';

/** Re-exported for existing importers: defined in errors.ts with the other error classes. */

export interface WritePlan {
  readonly outDir: string;
  /** Files to create or rewrite. */
  readonly write: readonly EmittedFile[];
  /** Paths of owned files no longer emitted, to delete. */
  readonly remove: readonly string[];
  readonly unchanged: readonly string[];
  /** Hand-edited generator-owned files (or files of others in the way) that would be overwritten or deleted. */
  readonly conflicts: readonly string[];
  /** The manifest of the last generation, if any. */
  readonly previous?: Manifest;
}

export interface WriteResult {
  readonly written: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: readonly string[];
}

/** The manifest in `outDir`, if there is a valid one. */
export async function readManifest(outDir: string): Promise<Manifest | undefined> {
  return parseManifest(readIfPresent(join(outDir, MANIFEST_PATH))?.toString('utf8'));
}

/** Decides what writing `files` into `outDir` would do; touches nothing. */
export async function planWrite(outDir: string, files: readonly EmittedFile[], options: { readonly force?: boolean } = {}): Promise<WritePlan> {
  const previous = await readManifest(outDir);
  const known = previous?.files ?? {};
  const write: EmittedFile[] = [];
  const remove: string[] = [];
  const unchanged: string[] = [];
  const conflicts: string[] = [];
  const emitted = new Set(files.map((file) => file.path));

  for (const file of files) {
    const current = readIfPresent(join(outDir, file.path));
    if (current === undefined) write.push(file);
    else if (file.owner === 'user' || current.equals(bytesOf(file))) unchanged.push(file.path);
    // The manifest is the generator's record, not something to edit: always brought up to date.
    else if (file.path === MANIFEST_PATH || known[file.path] === digestOf(current) || options.force) write.push(file);
    else conflicts.push(file.path);
  }
  for (const path of Object.keys(known).sort()) {
    if (emitted.has(path)) continue;
    const current = readIfPresent(join(outDir, path));
    if (current === undefined) continue;
    if (known[path] === digestOf(current) || (options.force && hasGeneratedHeader(current.toString('utf8')))) remove.push(path);
    else conflicts.push(path);
  }
  return { outDir, write, remove, unchanged, conflicts, ...(previous ? { previous } : {}) };
}

/** The bytes of the file at `path`; undefined when there is none (or it cannot be read, as a missing file). */
function readIfPresent(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Carries out a plan (without conflicts); the manifest is written last, so an interrupted run is redone. */
export async function applyPlan(plan: WritePlan): Promise<WriteResult> {
  if (plan.conflicts.length > 0) throw new Error(`applyPlan: the plan has conflicts: ${plan.conflicts.join(', ')}`);
  const ordered = [...plan.write.filter((file) => file.path !== MANIFEST_PATH), ...plan.write.filter((file) => file.path === MANIFEST_PATH)];
  for (const path of plan.remove) rmSync(join(plan.outDir, path), { force: true });
  const folders = new Set<string>();
  for (const file of ordered) {
    const target = join(plan.outDir, file.path);
    const folder = dirname(target);
    if (!folders.has(folder)) mkdirSync(folder, { recursive: true });
    folders.add(folder);
    writeFileSync(target, bytesOf(file));
  }
  return { written: ordered.map((file) => file.path), removed: plan.remove, unchanged: plan.unchanged };
}
