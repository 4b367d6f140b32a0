/**
 * Limits on what `load` accepts, checked before the work that would overflow: the size of every file read (before
 * parsing), and the nesting depth, number of values and text of every parsed document (before any recursive
 * stage walks it). Each refusal is a located issue naming the limit.
 */
import type { ErrorCode, ErrorIssue } from '../errors.js';
import { pointerOfStep, type WalkStep } from '../shared/json-pointer.js';
import { FoundRef } from '../shared/reference.js';

/**
 * Default of `--max-spec-size`, in MiB. GitHub's description is 13 MB of JSON and Microsoft Graph's full one
 * several tens of MB; 100 MiB leaves room for those while the whole pipeline stays within Node's default heap.
 */
export const DEFAULT_MAX_SPEC_MIB = 100;

/**
 * Deepest nesting of objects and arrays accepted (the document itself is level 0). Real descriptions nest about
 * 30 levels (GitHub 21, Stripe 25, GitHub fully dereferenced 29); later stages, and V8's JSON.stringify, recurse
 * and fail somewhere past 1,000.
 */
export const MAX_DEPTH = 256;

/**
 * Most values (objects, arrays, strings, numbers, ...) a document may hold once YAML aliases are expanded:
 * GitHub's description holds 258,000, fully dereferenced 1.2 million; 5 million keep the pipeline near 1 GB.
 */
export const MAX_VALUES = 5_000_000;

/**
 * Most characters the document may take as JSON once YAML aliases are expanded (V8 strings end at 512 Mi
 * characters, and a text repeated through aliases is repeated in what is emitted from it).
 */
export const MAX_JSON_CHARS = 256 * 1024 * 1024;

const DEPTH_HINT = 'Flatten the structure, e.g. move nested schemas to #/components/schemas and refer to them with $ref.';

/** The issue (without its location) for text nested too deeply for the parser itself, at `line`, `column`. */
export function tooDeepToParse(at: { readonly line: number; readonly column: number }): { code: 'ERR_SPEC_TOO_DEEP'; message: string; hint: string } {
  return {
    code: 'ERR_SPEC_TOO_DEEP',
    message: `collections nested too deeply to parse, at line ${at.line}, column ${at.column}; at most ${MAX_DEPTH} levels are accepted`,
    hint: DEPTH_HINT,
  };
}

/** How many places nested too deeply are reported per document (each deep branch once, then no more). */
const MAX_DEPTH_ISSUES = 10;

/** Bytes in `mib` MiB. */
export function mibToBytes(mib: number): number {
  return mib * 1024 * 1024;
}

/** A size for people: `2.5 MiB (2,621,440 bytes)`. */
export function formatSize(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  const shown = mib >= 10 ? mib.toFixed(0) : mib.toFixed(1);
  return `${shown} MiB (${bytes.toLocaleString('en-US')} bytes)`;
}

/** `100 MiB`, the way the limit is passed to `--max-spec-size`. */
export function formatLimit(bytes: number): string {
  return `${Number((bytes / (1024 * 1024)).toFixed(3))} MiB`;
}

/** The hint of every ERR_SPEC_TOO_LARGE about a file's size. */
export function sizeHint(): string {
  return 'Pass --max-spec-size <MiB> to raise the limit if the file is what you expect, or split the description into smaller files.';
}

/**
 * Checks `document` against MAX_DEPTH, MAX_VALUES and MAX_JSON_CHARS in one iterative walk (an explicit stack:
 * the call stack is what deep input would exhaust), stopping as soon as a size limit is passed, so an alias bomb
 * costs at most MAX_VALUES steps. Returns the issues, located in `file`. The same walk adds every `$ref` of the
 * document, in document order, to `refs` when given (bundling needs them: one walk of a large document, not two).
 */
export function checkDocumentLimits(document: unknown, file: string, refs?: FoundRef[]): ErrorIssue[] {
  const issues: ErrorIssue[] = [];
  const issue = (code: ErrorCode, pointer: string, message: string, hint: string): ErrorIssue => ({ code, severity: 'error', file, pointer, message, hint });
  const tooLarge = (): ErrorIssue[] => {
    if (values > MAX_VALUES) {
      issues.push(
        issue(
          'ERR_SPEC_TOO_LARGE',
          '#',
          `the document holds more than ${MAX_VALUES.toLocaleString('en-US')} values (counting each use of a YAML alias in full); the limit is there so loading cannot exhaust memory`,
          'Split the description, or replace repeated YAML aliases with $refs to one definition.',
        ),
      );
    } else {
      issues.push(
        issue(
          'ERR_SPEC_TOO_LARGE',
          '#',
          `the document takes more than ${formatLimit(MAX_JSON_CHARS)} as JSON (counting each use of a YAML alias in full), more than can be processed`,
          'Replace repeated YAML aliases with $refs to one definition, or split the description.',
        ),
      );
    }
    return issues;
  };
  // Only objects and arrays are pushed (scalars are counted where they are met), each with a parent link: pointers
  // are built only for the places reported, not a string per value.
  const stack: Entry[] = [];
  let values = 1;
  let chars = jsonChars(document);
  if (typeof document === 'object' && document !== null) stack.push({ value: document, key: undefined, parent: undefined, depth: 0 });
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const { value, depth } = entry;
    if (depth >= MAX_DEPTH) {
      // A child of this value would be nested deeper than the limit: report here once, do not descend.
      if (Object.keys(value).length > 0 && issues.length < MAX_DEPTH_ISSUES) {
        issues.push(
          issue(
            'ERR_SPEC_TOO_DEEP',
            pointerOfStep(entry),
            `nested more than ${MAX_DEPTH} levels deep (objects and arrays inside each other); the limit is there so no later step can overflow the stack`,
            DEPTH_HINT,
          ),
        );
      }
      continue;
    }
    const list = Array.isArray(value);
    const ref = list ? undefined : (value as Record<string, unknown>).$ref;
    if (refs && typeof ref === 'string') refs.push(new FoundRef(ref, value as Record<string, unknown>, entry));
    const keys = list ? undefined : Object.keys(value);
    const count = keys ? keys.length : (value as unknown[]).length;
    values += count;
    if (values > MAX_VALUES) return tooLarge();
    // Pushed last-first, so popped (and reported) in document order.
    for (let i = count - 1; i >= 0; i -= 1) {
      const key = keys ? keys[i]! : i;
      const child = (value as Record<string | number, unknown>)[key];
      chars += jsonChars(child) + (keys ? (key as string).length + 3 : 1);
      if (typeof child === 'object' && child !== null) stack.push({ value: child, key, parent: entry, depth: depth + 1 });
    }
    if (chars > MAX_JSON_CHARS) return tooLarge();
  }
  return issues;
}

interface Entry extends WalkStep {
  readonly value: object;
  readonly parent: Entry | undefined;
  readonly depth: number;
}

/**
 * The characters `value` itself adds to the JSON text, its children apart; escapes are not counted (a string is
 * its length and two quotes): the bound is there for what YAML aliases multiply, not to the character.
 */
function jsonChars(value: unknown): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value === 'object' && value !== null) return 2;
  return String(value).length;
}
