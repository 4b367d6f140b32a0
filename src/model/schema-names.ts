/**
 * Local `$ref` pointers and the names of the shared definitions (`$defs`) they become.
 *
 * Names are computed up front from every component schema and every resolvable `$ref` in the document, so the same
 * document always yields the same names whatever order tools are converted in.
 * @see https://www.rfc-editor.org/rfc/rfc6901 (JSON Pointer, and its URI fragment form in §6)
 */
import { compareText } from '../shared/compare.js';
import { isRecord } from '../shared/guards.js';
import { formatPointer, valueAt } from '../shared/json-pointer.js';

/** A local reference, parsed: the canonical pointer (`#/a/b`) and its unescaped segments. */
export interface LocalPointer {
  readonly pointer: string;
  readonly segments: readonly string[];
}

/** Parses a `$ref` of the form `#` or `#/...` (percent-decoded, then `~1`/`~0` unescaped); undefined otherwise. */
export function parseLocalRef(ref: string): LocalPointer | undefined {
  if (!ref.startsWith('#')) return undefined;
  if (ref === '#') return { pointer: '#', segments: [] };
  if (!ref.startsWith('#/')) return undefined;
  const segments = ref
    .slice(2)
    .split('/')
    .map((raw) => percentDecode(raw).replace(/~1/g, '/').replace(/~0/g, '~'));
  return { pointer: formatPointer(segments), segments };
}

/** True for a value that can be a schema: an object (not an array) or a boolean. */
export function isSchemaLike(value: unknown): value is Record<string, unknown> | boolean {
  return typeof value === 'boolean' || isRecord(value);
}

/** Maps every character outside `[A-Za-z0-9_.-]` to `_`, so a name is safe as a pointer segment and an object key. */
export function sanitizeName(text: string): string {
  let out = '';
  for (const char of text) out += /^[A-Za-z0-9_.-]$/.test(char) ? char : '_';
  return out === '' ? '_' : out;
}

/**
 * The readable name of a definition before collisions are resolved.
 * `#/components/schemas/Pet` and `#/definitions/Pet` → `Pet`; `#/components/schemas/Pet/properties/tag` →
 * `Pet.properties.tag`; `#/components/parameters/limit/schema` → `parameters.limit.schema`; any other pointer → its
 * sanitized segments joined with `.` (`#` alone → `root`), shortened in the middle when long.
 */
export function baseDefinitionName(segments: readonly string[]): string {
  let parts: readonly string[] = segments;
  if (segments[0] === 'components' && segments[1] === 'schemas' && segments.length >= 3) {
    if (segments.length === 3) return sanitizeName(segments[2] as string);
    parts = segments.slice(2);
  } else if (segments[0] === 'definitions' && segments.length >= 2) {
    if (segments.length === 2) return sanitizeName(segments[1] as string);
    parts = segments.slice(1);
  } else if (segments[0] === 'components' && segments.length >= 2) {
    parts = segments.slice(1);
  }
  if (parts.length === 0) return 'root';
  // Under #/paths the path and the method together say where the schema is: keep both when shortening.
  const headParts = segments[0] === 'paths' && parts.length > 2 ? 3 : 1;
  return shorten(parts.map(sanitizeName), headParts);
}

/**
 * Joins pointer-derived parts with `.`; past MAX_DERIVED_NAME characters keeps the head parts and as many trailing
 * parts as fit, with `..` where parts were left out (collisions this causes get suffixes like any other).
 */
function shorten(parts: readonly string[], headParts: number): string {
  const full = parts.join('.');
  if (full.length <= MAX_DERIVED_NAME || parts.length <= headParts + 1) return full;
  const head = parts.slice(0, headParts).join('.');
  const tail: string[] = [];
  let length = head.length + 2;
  for (let i = parts.length - 1; i >= headParts; i--) {
    const part = parts[i] as string;
    if (tail.length > 0 && length + part.length + 1 > MAX_DERIVED_NAME) break;
    tail.unshift(part);
    length += part.length + 1;
  }
  return `${head}..${tail.join('.')}`;
}

/** Longest name derived from a pointer that is not a component schema (before a collision suffix). */
const MAX_DERIVED_NAME = 80;

/** 0: a component schema whose name needs no change; 1: another component schema; 2: any other pointer. */
function rank(segments: readonly string[]): number {
  const component =
    (segments.length === 3 && segments[0] === 'components' && segments[1] === 'schemas') ||
    (segments.length === 2 && segments[0] === 'definitions');
  if (!component) return 2;
  const name = segments[segments.length - 1] as string;
  return sanitizeName(name) === name ? 0 : 1;
}

/** Objects that `$ref`s point to but that are not schemas (parameters, responses, path items, ...). */
function isNonSchemaComponent(segments: readonly string[]): boolean {
  const [first, second] = segments;
  if (first === 'components') return segments.length === 3 && second !== 'schemas';
  if (first === 'parameters' || first === 'responses' || first === 'securityDefinitions') return segments.length === 2;
  if (first === 'paths') return segments.length <= 3;
  return false;
}

/**
 * The name table: one unique name per schema pointer.
 *
 * Pointers sharing a base name are ranked (exact component names first, then other component schemas, then any other
 * pointer; ties by pointer text); the first keeps the base name, the others get `_2`, `_3`, ... skipping every name
 * already taken.
 */
export class DefinitionNames {
  private readonly names = new Map<string, string>();
  private readonly taken = new Set<string>();

  constructor(document: Readonly<Record<string, unknown>>) {
    const candidates = new Map<string, readonly string[]>();
    for (const container of [['components', 'schemas'], ['definitions']]) {
      const schemas = valueAt(document, container);
      if (!isRecord(schemas)) continue;
      for (const name of Object.keys(schemas)) {
        const segments = [...container, name];
        candidates.set(formatPointer(segments), segments);
      }
    }
    for (const ref of collectRefs(document)) {
      const parsed = parseLocalRef(ref);
      if (!parsed || candidates.has(parsed.pointer) || isNonSchemaComponent(parsed.segments)) continue;
      if (isSchemaLike(valueAt(document, parsed.segments))) candidates.set(parsed.pointer, parsed.segments);
    }

    const groups = new Map<string, { pointer: string; rank: number }[]>();
    for (const [pointer, segments] of candidates) {
      const base = baseDefinitionName(segments);
      let group = groups.get(base);
      if (!group) groups.set(base, (group = []));
      group.push({ pointer, rank: rank(segments) });
    }
    const losers: { base: string; pointer: string }[] = [];
    for (const base of [...groups.keys()].sort(compareText)) {
      const group = (groups.get(base) ?? []).sort((a, b) => a.rank - b.rank || compareText(a.pointer, b.pointer));
      group.forEach(({ pointer }, index) => {
        if (index === 0) this.assign(pointer, base);
        else losers.push({ base, pointer });
      });
    }
    for (const { base, pointer } of losers) this.assign(pointer, this.freeName(base));
  }

  /** The name for `pointer`; a pointer not seen up front gets its base name or the next free suffix. */
  nameFor(pointer: LocalPointer): string {
    const known = this.names.get(pointer.pointer);
    if (known !== undefined) return known;
    const name = this.freeName(baseDefinitionName(pointer.segments));
    this.assign(pointer.pointer, name);
    return name;
  }

  private freeName(base: string): string {
    if (!this.taken.has(base)) return base;
    let n = 2;
    while (this.taken.has(`${base}_${n}`)) n++;
    return `${base}_${n}`;
  }

  private assign(pointer: string, name: string): void {
    this.names.set(pointer, name);
    this.taken.add(name);
  }
}

/** Every string `$ref` value anywhere in `document`, distinct (iterative: documents can be deep). */
function collectRefs(document: unknown): Set<string> {
  const refs = new Set<string>();
  const stack: unknown[] = [document];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (const item of node) if (typeof item === 'object' && item !== null) stack.push(item);
    } else if (isRecord(node)) {
      // `for...in` rather than Object.entries: no array of pairs per object of a large spec.
      for (const key in node) {
        const value = node[key];
        if (key === '$ref' && typeof value === 'string') refs.add(value);
        else if (typeof value === 'object' && value !== null) stack.push(value);
      }
    }
  }
  return refs;
}

function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
