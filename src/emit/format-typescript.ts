/**
 * Syntax check and formatting of emitted `.ts` files, in memory, with ts-morph (and the compiler it bundles).
 *
 * Every emitted `.ts` text goes through ts-morph before it is written, but loading the TypeScript compiler costs
 * ≈0.4 s and ≈75 MiB, more than the rest of a run on a small spec. Most emitted TypeScript is fixed (the runtime,
 * copied verbatim, and the templates that contain no spec text), so `npm run build` (scripts/build-assets.mjs) runs
 * each of those texts through `checkTypeScript` and records, in `checked-typescript.json` next to this module,
 * the sha256 of what went in (path, mode, text) and what came out. `checkEmittedTypeScript` returns the recorded
 * result for a text with a known digest, and loads ts-morph (lazily, only then) for anything else: a changed
 * template, a template that renders spec text, or a run from the sources (tsx, no `dist/`), where the file does
 * not exist. A digest can only match the very text that was checked, so a stale file costs time, never safety.
 */
import { builtAsset } from '../shared/built-asset.js';
import { sha256Hex } from '../shared/sha256.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

type TsMorph = typeof import('ts-morph');

let tsMorph: TsMorph | undefined;

/** ts-morph (CommonJS), required on first use only. */
function loadTsMorph(): TsMorph {
  tsMorph ??= createRequire(import.meta.url)('ts-morph') as TsMorph;
  return tsMorph;
}

/**
 * Throws when `text` has syntax errors (naming file and line); returns it formatted when `format` is set.
 * Parsing alone (no program, no type check) keeps this cheap enough to run on every emitted file.
 */
export function checkTypeScript(path: string, text: string, options: { format: boolean }): string {
  const { Project, ts } = loadTsMorph();
  const parsed = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  // `parseDiagnostics` holds exactly the syntax errors; the public route to them needs a whole Program.
  const [first] = (parsed as unknown as { parseDiagnostics: readonly import('ts-morph').ts.Diagnostic[] }).parseDiagnostics;
  if (first) {
    const { line } = parsed.getLineAndCharacterOfPosition(first.start ?? 0);
    throw new Error(`emitted ${path}:${line + 1} has a syntax error: ${ts.flattenDiagnosticMessageText(first.messageText, ' ')}`);
  }
  if (!options.format) return text;
  // A fresh project per file: ts-morph's incremental state corrupts a re-created file of the same name.
  const file = new Project({ useInMemoryFileSystem: true }).createSourceFile(`/${path}`, text);
  file.formatText({ indentSize: 2, convertTabsToSpaces: true, ensureNewLineAtEndOfFile: true });
  return file.getFullText();
}

/** The file `npm run build` writes next to the compiled module. */
export const CHECKED_TYPESCRIPT_FILE = 'checked-typescript.json';

/** What the build records: digest of the input → the output, or `null` when the output is the input. */
export interface CheckedTypeScript {
  readonly checked: Readonly<Record<string, string | null>>;
}

/** The digest of one `checkTypeScript` call's input. */
export function checkedDigest(path: string, text: string, options: { format: boolean }): string {
  return sha256Hex(`${options.format ? 'format' : 'check'}\0${path}\0${text}`);
}

let known: Readonly<Record<string, string | null>> | undefined;

function knownResults(): Readonly<Record<string, string | null>> {
  if (known) return known;
  const file = builtAsset(`src/emit/${CHECKED_TYPESCRIPT_FILE}`);
  known = file ? (JSON.parse(readFileSync(file, 'utf8')) as CheckedTypeScript).checked : {};
  return known;
}

/** `checkTypeScript`, answered from the build's record when this exact text was checked then. */
export function checkEmittedTypeScript(path: string, text: string, options: { format: boolean }): string {
  const result = knownResults()[checkedDigest(path, text, options)];
  if (result !== undefined) return result ?? text;
  return checkTypeScript(path, text, options);
}
