/**
 * The `x-mcp-*` extensions portcullis reads, where it reads them, and a walk of the whole document that fails closed
 * on a misspelled or misplaced one: a typo must never silently drop a scope, a role or an exclusion.
 * @see https://spec.openapis.org/oas/v3.1.0#specification-extensions
 */
import type { IssueCollector } from '../errors.js';
import { isRecord } from '../shared/guards.js';
import { OPERATION_KEYS } from '../shared/http-method.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { claimPathIssue } from './names.js';

/** Read on operations and on path items (for every operation of the item; the operation's own value wins). */
const OPERATION_EXTENSIONS = ['x-mcp-exclude', 'x-mcp-name', 'x-mcp-public', 'x-mcp-roles', 'x-mcp-scopes', 'x-mcp-confirm'] as const;
/** Read on the document (the default for every operation). */
const DOCUMENT_EXTENSIONS = ['x-mcp-exclude'] as const;
/** Extensions whose value must be a boolean. */
const BOOLEAN_EXTENSIONS: ReadonlySet<string> = new Set(['x-mcp-exclude', 'x-mcp-public']);
/** Whether calls need the user's consent: true, false, or `{ consequence: "..." }` (true, with the consequence in words). */
export const CONFIRM_EXTENSION = 'x-mcp-confirm';
/** Read on parameters and on the property schemas of a request body: the claim path an argument is bound to. */
export const BIND_EXTENSION = 'x-mcp-bind';
/** Every extension portcullis reads somewhere. */
export const KNOWN_EXTENSIONS: readonly string[] = [...OPERATION_EXTENSIONS, BIND_EXTENSION];

/** What an object in the document is, as far as `x-mcp-*` extensions care. */
type Site = 'document' | 'paths' | 'path item' | 'operation' | 'map' | 'object' | 'parameter list' | 'parameter' | 'property';

const READ_AT: Readonly<Partial<Record<Site, readonly string[]>>> = {
  document: DOCUMENT_EXTENSIONS,
  'path item': OPERATION_EXTENSIONS,
  operation: OPERATION_EXTENSIONS,
  parameter: [BIND_EXTENSION],
  property: [BIND_EXTENSION],
};

const METHODS: ReadonlySet<string> = new Set(OPERATION_KEYS);
/** Fields holding data (examples, defaults, enumerations), never OpenAPI objects: not walked. */
const DATA_KEYS: ReadonlySet<string> = new Set(['example', 'examples', 'default', 'enum', 'const']);
/** Fields whose keys are names chosen by the author (a property may well be called `x-mcp-name`). */
const MAP_KEYS: ReadonlySet<string> = new Set([
  'properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions', 'schemas', 'parameters', 'responses',
  'requestBodies', 'headers', 'securitySchemes', 'securityDefinitions', 'links', 'callbacks', 'content', 'encoding',
  'variables', 'scopes', 'mapping', 'webhooks',
]);

interface Frame {
  readonly value: unknown;
  readonly site: Site;
  readonly parent: Frame | undefined;
  readonly key: string | number;
}

/** Builds the pointer of a frame only when an issue needs it: most of a large document has none. */
function pointerOf(frame: Frame): string {
  const segments: (string | number)[] = [];
  for (let at: Frame | undefined = frame; at?.parent; at = at.parent) segments.push(at.key);
  return pointerJoin('#', ...segments.reverse());
}

/**
 * Reports every `x-mcp-*` key portcullis would not read: ERR_SPEC_EXTENSION for one read elsewhere or within a
 * small edit distance of one it reads (a typo would otherwise leave a tool open), WARN_SPEC_EXTENSION for others;
 * ERR_SPEC_EXTENSION for a boolean extension whose value is not a boolean, and for an `x-mcp-bind` that names no
 * usable claim path. Iterative: schemas can be deep. Returns the pointers of the property schemas that carry an
 * `x-mcp-bind`, in document order, so the model can refuse those it cannot apply (not a top-level JSON body property).
 */
export function checkMcpExtensions(document: Readonly<Record<string, unknown>>, issues: IssueCollector): string[] {
  const boundProperties: string[] = [];
  const stack: Frame[] = [{ value: document, site: 'document', parent: undefined, key: '' }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { value, site } = frame;
    const firstChild = stack.length;
    if (Array.isArray(value)) {
      const itemSite: Site = site === 'parameter list' ? 'parameter' : 'object';
      for (let index = 0; index < value.length; index++) {
        const item: unknown = value[index];
        if (typeof item === 'object' && item !== null) stack.push({ value: item, site: itemSite, parent: frame, key: index });
      }
    } else {
      // Only objects are pushed: a frame that is not a list is a record.
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const child = record[key];
        const isExtension = (key.charCodeAt(0) | 0x20) === 0x78 && (key[1] === '-' || key[1] === '_');
        if (isExtension && site !== 'map') {
          if (checkKey(frame, key, child, issues) && site === 'property') boundProperties.push(pointerOf(frame));
          continue;
        }
        if (typeof child !== 'object' || child === null || (site !== 'map' && site !== 'paths' && DATA_KEYS.has(key))) continue;
        stack.push({ value: child, site: childSite(frame, key, child), parent: frame, key });
      }
    }
    // The children were pushed in document order: reversed, they are popped (and their issues found) in that order.
    reverseFrom(stack, firstChild);
  }
  return boundProperties;
}

/** Reverses `list[from…]` in place. */
function reverseFrom(list: unknown[], from: number): void {
  for (let low = from, high = list.length - 1; low < high; low++, high--) {
    const swap = list[low];
    list[low] = list[high];
    list[high] = swap;
  }
}

function childSite(frame: Frame, key: string, value: object): Site {
  const parent = frame.site;
  if (parent === 'paths') return 'path item';
  if (parent === 'map') return frame.key === 'properties' ? 'property' : frame.key === 'parameters' ? 'parameter' : 'object';
  if ((parent === 'path item' || parent === 'operation') && key === 'parameters' && Array.isArray(value)) return 'parameter list';
  if (parent === 'document' && key === 'paths') return 'paths';
  if (parent === 'path item' && METHODS.has(key)) return 'operation';
  // components/pathItems (OpenAPI 3.1): path items that `$ref`s under paths may use; read like the paths' own.
  if (key === 'pathItems' && !Array.isArray(value)) return 'paths';
  return MAP_KEYS.has(key) && !Array.isArray(value) ? 'map' : 'object';
}

/** Reports what is wrong with `key` at `frame`; true when it is an `x-mcp-bind` read here with a usable claim path. */
function checkKey(frame: Frame, key: string, value: unknown, issues: IssueCollector): boolean {
  const readHere = READ_AT[frame.site] ?? [];
  if (readHere.includes(key)) {
    if (BOOLEAN_EXTENSIONS.has(key) && typeof value !== 'boolean') {
      issues.error('ERR_SPEC_EXTENSION', pointerJoin(pointerOf(frame), key), `${key} must be true or false, not ${describe(value)}`, `For example ${key}: true.`);
    }
    if (key === CONFIRM_EXTENSION) checkConfirm(value, pointerJoin(pointerOf(frame), key), issues);
    if (key !== BIND_EXTENSION) return false;
    const problem = claimPathIssue(value);
    if (problem) issues.error('ERR_SPEC_EXTENSION', pointerJoin(pointerOf(frame), key), `${key}: ${problem.message}`, problem.hint);
    return problem === undefined;
  }
  const normalized = key.toLowerCase().replace(/_/g, '-');
  if (!normalized.startsWith('x-mcp')) return false;
  const at = pointerJoin(pointerOf(frame), key);
  const intended = KNOWN_EXTENSIONS.includes(key) ? key : nearestKnown(normalized);
  if (intended === undefined) {
    issues.warn(
      'WARN_SPEC_EXTENSION',
      at,
      `portcullis does not read the extension "${key}"`,
      `The extensions it reads are ${KNOWN_EXTENSIONS.join(', ')}; remove it, or rename it outside the x-mcp- prefix.`,
    );
    return false;
  }
  const where = whereRead(intended);
  if (intended === key) {
    issues.error('ERR_SPEC_EXTENSION', at, `${key} is not read here, so it would have no effect`, `portcullis reads ${key} only on ${where}: move it there.`);
  } else {
    issues.error(
      'ERR_SPEC_EXTENSION',
      at,
      `unknown extension "${key}" is close to "${intended}", which portcullis reads on ${where}`,
      readHere.includes(intended) ? `Did you mean "${intended}"? Rename it.` : `Did you mean "${intended}"? Rename it and move it to ${where}.`,
    );
  }
  return false;
}

const CONFIRM_EXAMPLE = 'For example x-mcp-confirm: true, or x-mcp-confirm: { consequence: "The card is charged." }.';

/** `x-mcp-confirm`: a boolean, or an object whose only key is `consequence`, a non-empty string. */
function checkConfirm(value: unknown, at: string, issues: IssueCollector): void {
  if (typeof value === 'boolean') return;
  if (!isRecord(value)) {
    issues.error('ERR_SPEC_EXTENSION', at, `x-mcp-confirm must be true, false or an object with consequence, not ${describe(value)}`, CONFIRM_EXAMPLE);
    return;
  }
  for (const key of Object.keys(value)) {
    if (key !== 'consequence') issues.error('ERR_SPEC_EXTENSION', pointerJoin(at, key), `x-mcp-confirm has no key "${key}"`, `Its only key is consequence. ${CONFIRM_EXAMPLE}`);
  }
  const consequence = value.consequence;
  if (consequence === undefined) {
    issues.error('ERR_SPEC_EXTENSION', at, 'x-mcp-confirm as an object needs consequence: what follows from the call, in one sentence', CONFIRM_EXAMPLE);
  } else if (typeof consequence !== 'string' || consequence.trim() === '') {
    issues.error('ERR_SPEC_EXTENSION', pointerJoin(at, 'consequence'), `must be a non-empty string, not ${describe(consequence)}`, CONFIRM_EXAMPLE);
  }
}

function whereRead(extension: string): string {
  if (extension === BIND_EXTENSION) return 'parameters and the top-level properties of a JSON request body schema';
  return (DOCUMENT_EXTENSIONS as readonly string[]).includes(extension) ? 'the document, path items and operations' : 'path items and operations';
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `the ${typeof value} ${String(value)}`;
}

/** The known extension `key` (lower case, `_` as `-`) is a misspelling of: Damerau-Levenshtein ≤ 2 or a plural. */
export function nearestKnown(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of KNOWN_EXTENSIONS) {
    if (key === known || key === `${known}s` || `${key}s` === known || key === `${known}es` || `${key}es` === known) return known;
    if (Math.abs(key.length - known.length) > 2) continue;
    const distance = editDistance(key, known);
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
