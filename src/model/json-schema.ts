/**
 * OpenAPI schema objects (Swagger 2.0, OpenAPI 3.0, OpenAPI 3.1) → self-contained JSON Schema 2020-12 for MCP tool
 * input schemas, in the request direction.
 *
 * Every `$ref` becomes `#/$defs/<name>`; its target is converted once into a shared definition. Conversion of shared
 * definitions goes through a work list, so reference chains and cycles never deepen the stack.
 *
 * Kept: every JSON Schema 2020-12 keyword except identifiers. Rewritten: `nullable` (3.0) / `x-nullable` (2.0), boolean
 * `exclusiveMinimum`/`exclusiveMaximum`, `example`, `type: file`, draft-07 tuple `items`/`additionalItems` and
 * `dependencies`. Dropped: `x-*`, `discriminator`, `xml`, `externalDocs`, `$id`/`$schema`/`$anchor`/`$dynamicAnchor`/
 * `$dynamicRef`/`$vocabulary` (they would re-base or break the `#/$defs` refs), nested `$defs`/`definitions` (refs to
 * them are document pointers, converted like any other), `readOnly` properties, and any other unknown keyword.
 * @see https://spec.openapis.org/oas/v3.0.3#schema-object
 * @see https://spec.openapis.org/oas/v3.1.0#schema-object
 * @see https://json-schema.org/draft/2020-12/json-schema-core
 */

import type { IssueCollector, WarningCode } from '../errors.js';
import { setOwn } from '../normalize/dictionary.js';
import type { NormalizedSpec, SchemaRef } from '../normalize/types.js';
import { compareText } from '../shared/compare.js';
import { isRecord } from '../shared/guards.js';
import { pointerJoin, valueAt } from '../shared/json-pointer.js';
import {
  DefinitionNames,
  isSchemaLike,
  parseLocalRef,
  type LocalPointer,
} from './schema-names.js';
import { PatternChecker } from './pattern-support.js';
import type { JsonSchema } from './types.js';

export type SchemaDialect = NormalizedSpec['schemaDialect'];

/** Schemas nested deeper than this (without a `$ref` in between) are rejected rather than risking the stack. */
export const MAX_SCHEMA_DEPTH = 64;
/** Literal values (`default`, `enum`, ...) nested deeper than this are rejected. */
const MAX_VALUE_DEPTH = 256;

const DEFS_PREFIX = '#/$defs/';

/** Keywords whose value is one schema, and whether they apply to the same instance (no descent into it). */
const SCHEMA_KEYWORDS: ReadonlyMap<string, boolean> = new Map([
  ['not', true],
  ['if', true],
  ['then', true],
  ['else', true],
  ['items', false],
  ['contains', false],
  ['additionalProperties', false],
  ['propertyNames', false],
  ['unevaluatedItems', false],
  ['unevaluatedProperties', false],
  ['contentSchema', false],
]);
/** Keywords whose value is a non-empty array of schemas. */
const SCHEMA_ARRAY_KEYWORDS: ReadonlyMap<string, boolean> = new Map([
  ['allOf', true],
  ['anyOf', true],
  ['oneOf', true],
  ['prefixItems', false],
]);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYWORDS: ReadonlyMap<string, boolean> = new Map([
  ['properties', false],
  ['patternProperties', false],
  ['dependentSchemas', true],
]);
/** Annotations that stay on the outside when a nullable schema is wrapped in `anyOf`. */
const ANNOTATION_KEYWORDS = new Set(['title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', '$comment']);
/** Keywords that combine with other schemas; adding `null` to `type` beside them would not admit null. */
const COMBINING_KEYWORDS = ['$ref', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'const'];
const JSON_TYPES = new Set(['null', 'boolean', 'object', 'array', 'number', 'string', 'integer']);

interface DefinitionEntry {
  readonly name: string;
  readonly pointer: string;
  readonly target: Record<string, unknown> | boolean;
  schema?: JsonSchema;
  /** Definitions this one refers to directly. */
  refs: ReadonlySet<string>;
  /** Definitions it refers to without descending into the instance (allOf, anyOf, $ref, ...): cycles here never end. */
  inPlaceRefs: ReadonlySet<string>;
}

/** Refs met while converting one root (a `convert` call or a shared definition). */
interface RootContext {
  readonly refs: Set<string>;
  readonly inPlaceRefs: Set<string>;
}

/** One schema object being converted: what its keyword handlers read, and the result they write into. */
interface SchemaNode {
  readonly raw: Readonly<Record<string, unknown>>;
  readonly pointer: string;
  readonly depth: number;
  /** Whether this schema applies to the instance its root applies to (no property or item in between). */
  readonly inPlace: boolean;
  readonly root: RootContext;
  readonly converter: KeywordServices;
  /** `readOnly` properties, left out of `properties` and `required`: a request must not carry them. */
  readonly readOnly: ReadonlySet<string>;
  readonly out: Record<string, unknown>;
  /** Set by Swagger 2.0 `type: file`, which becomes `format: binary` whatever `format` says. */
  fileType: boolean;
  /** Set when a `patternProperties` pattern could not be enforced (see convertNode). */
  droppedPatternProperty: boolean;
}

/** What keyword handlers call back into the converter for. */
interface KeywordServices {
  convertNode(raw: unknown, pointer: string, depth: number, inPlace: boolean, root: RootContext): JsonSchema | boolean;
  convertRef(ref: string, pointer: string, inPlace: boolean, root: RootContext): JsonSchema;
  /** A fresh plain-JSON copy of a literal value (`default`, `enum`, ...). */
  cloneValue(value: unknown, at: string): unknown;
  isEnforceablePattern(pattern: string, at: string, schema?: Readonly<Record<string, unknown>>): boolean;
  /** Warns that keyword `key` at `at` is dropped because it is not `expected`. */
  ignore(at: string, key: string, expected: string): void;
  warn(code: WarningCode, at: string, message: string, hint: string): void;
}

/** Converts keyword `key` (at `at`) of `node.raw` into `node.out`, or drops it with a warning. */
type KeywordHandler = (node: SchemaNode, value: unknown, at: string, key: string) => void;

type Resolution =
  | { readonly ok: true; readonly pointer: LocalPointer; readonly target: Record<string, unknown> | boolean }
  | { readonly ok: false; readonly message: string; readonly hint: string; readonly remote: boolean };

/** Converts OpenAPI schemas of one document into JSON Schema 2020-12 with shared, named definitions. */
export class SchemaConverter {
  private readonly names: DefinitionNames;
  private readonly byPointer = new Map<string, DefinitionEntry>();
  private readonly byName = new Map<string, DefinitionEntry>();
  private readonly queue: DefinitionEntry[] = [];
  private readonly resolutions = new Map<string, Resolution>();
  private readonly closures = new Map<string, ReadonlySet<string>>();
  private readonly patterns = new PatternChecker();
  private sortedDefinitions: Readonly<Record<string, JsonSchema>> | undefined;
  /** What the keyword handlers call back into: one object for the converter's life, shared by every node. */
  private readonly keywordServices: KeywordServices = {
    convertNode: (raw, pointer, depth, inPlace, root) => this.convertNode(raw, pointer, depth, inPlace, root),
    convertRef: (ref, pointer, inPlace, root) => this.convertRef(ref, pointer, inPlace, root),
    cloneValue: (value, at) => this.cloneValue(value, at, 0),
    isEnforceablePattern: (pattern, at, schema) => this.isEnforceablePattern(pattern, at, schema),
    ignore: (at, key, expected) => this.ignore(at, key, expected),
    warn: (code, at, message, hint) => this.issues.warn(code, at, message, hint),
  };

  constructor(
    private readonly document: Readonly<Record<string, unknown>>,
    private readonly dialect: SchemaDialect,
    private readonly issues: IssueCollector,
  ) {
    this.names = new DefinitionNames(document);
  }

  /** Converts one schema (request direction); `$ref`s become `#/$defs/<Name>` and the targets are converted once into `definitions`. */
  convert(schema: SchemaRef): JsonSchema {
    const context: RootContext = { refs: new Set(), inPlaceRefs: new Set() };
    const result = asObjectSchema(this.convertNode(schema.schema, schema.source, 0, true, context));
    this.checkEndlessCycles(this.drainQueue());
    return result;
  }

  /** Every shared definition converted so far, by name (keys sorted). */
  get definitions(): Readonly<Record<string, JsonSchema>> {
    if (!this.sortedDefinitions) {
      const record: Record<string, JsonSchema> = {};
      for (const name of [...this.byName.keys()].sort(compareText)) {
        const schema = this.byName.get(name)?.schema;
        if (schema) setOwn(record, name, schema);
      }
      this.sortedDefinitions = Object.freeze(record);
    }
    return this.sortedDefinitions;
  }

  /**
   * Names of definitions reachable from a converted schema (transitively), sorted. The schema itself is walked (it may
   * be composed by the caller from converted parts); definitions use their recorded refs and memoized closures.
   */
  reachableDefinitions(schema: JsonSchema): string[] {
    const direct = collectDefinitionRefs(schema);
    const reachable = new Set<string>();
    for (const name of direct) {
      if (!this.byName.has(name)) continue;
      for (const reached of this.closureOf(name)) reachable.add(reached);
    }
    return [...reachable].sort(compareText);
  }

  // ---------------------------------------------------------------------------------------------------------------

  private convertNode(raw: unknown, pointer: string, depth: number, inPlace: boolean, root: RootContext): JsonSchema | boolean {
    if (typeof raw === 'boolean') return raw;
    if (!isRecord(raw)) {
      this.issues.error('ERR_SPEC_INVALID', pointer, 'A schema must be an object or a boolean', 'Write a schema object here.');
      return {};
    }
    if (depth > MAX_SCHEMA_DEPTH) {
      this.issues.error(
        'ERR_SPEC_UNSUPPORTED',
        pointer,
        `Schema is nested more than ${MAX_SCHEMA_DEPTH} levels deep`,
        'Move part of it into components/schemas and refer to it with $ref.',
      );
      return {};
    }

    const ref = raw.$ref;
    if (ref !== undefined && typeof ref !== 'string') {
      this.issues.warn('WARN_SPEC_IGNORED', pointerJoin(pointer, '$ref'), '$ref must be a string; ignored', 'Write it as "#/components/schemas/<Name>".');
    }
    if (typeof ref === 'string' && this.dialect !== 'json-schema-2020-12') {
      // OpenAPI 2.0/3.0: a $ref object is replaced by its target and siblings are ignored, except that the widely
      // written `nullable` next to a $ref is honoured.
      const out = this.convertRef(ref, pointer, inPlace, root);
      return this.isNullable(raw) ? addNull(out) : out;
    }

    const node: SchemaNode = {
      raw,
      pointer,
      depth,
      inPlace,
      root,
      converter: this.keywordServices,
      readOnly: this.readOnlyProperties(raw),
      out: {},
      fileType: false,
      droppedPatternProperty: false,
    };
    for (const [key, value] of Object.entries(raw)) {
      // A keyword without a handler is dropped: extensions (x-*; 2.0's x-nullable is read by isNullable), OpenAPI-only
      // keywords (discriminator, xml, externalDocs), identifiers that would re-base `#/$defs` refs ($id, $schema,
      // $anchor, ...), nested $defs (refs to them are already document pointers), and anything unknown.
      KEYWORD_HANDLERS.get(key)?.(node, value, pointerJoin(pointer, key), key);
    }
    const { out } = node;
    if (node.droppedPatternProperty) {
      // Properties the dropped pattern matched would now fall to these and be refused: not constraining them means
      // not enforcing these either (the upstream API still does).
      delete out.additionalProperties;
      delete out.unevaluatedProperties;
    }
    return this.isNullable(raw) ? addNull(out) : out;
  }

  /**
   * Whether the server can enforce a `pattern` (or a `patternProperties` key) at `at`; warns when it cannot:
   * WARN_SPEC_IGNORED when it is no regular expression, WARN_SPEC_PATTERN when RE2 (linear time) cannot run it.
   * `schema` is given for a `patternProperties` key, whose schema's additionalProperties is then not enforced either.
   */
  private isEnforceablePattern(pattern: string, at: string, schema?: Readonly<Record<string, unknown>>): boolean {
    const problem = this.patterns.problemOf(pattern);
    if (!problem) return true;
    const loosened = schema && (schema.additionalProperties !== undefined || schema.unevaluatedProperties !== undefined);
    const also = loosened ? '; additionalProperties and unevaluatedProperties of this schema are not enforced either' : '';
    if (problem.kind === 'invalid') {
      this.issues.warn('WARN_SPEC_IGNORED', at, `Pattern is not a valid regular expression (unicode mode); ignored${also}`, 'Fix the pattern.');
    } else {
      this.issues.warn(
        'WARN_SPEC_PATTERN',
        at,
        `pattern ${JSON.stringify(pattern)} uses a feature the server's linear-time regular expression engine does not support (${problem.reason}), so the server does not enforce it${also}; the upstream API still does`,
        'Rewrite it without backreferences or lookarounds to have it enforced.',
      );
    }
    return false;
  }

  /** `{ $ref: '#/$defs/<name>' }` for a resolvable reference (queuing its target), else `{}` and an issue at the site. */
  private convertRef(ref: string, pointer: string, inPlace: boolean, context: RootContext): JsonSchema {
    const resolution = this.resolve(ref);
    if (!resolution.ok) {
      this.issues.error(resolution.remote ? 'ERR_SPEC_REMOTE_REF' : 'ERR_SPEC_REF', pointerJoin(pointer, '$ref'), resolution.message, resolution.hint);
      return {};
    }
    const entry = this.definitionFor(resolution.pointer, resolution.target);
    context.refs.add(entry.name);
    if (inPlace) context.inPlaceRefs.add(entry.name);
    return { $ref: DEFS_PREFIX + entry.name };
  }

  private resolve(ref: string): Resolution {
    let resolution = this.resolutions.get(ref);
    if (!resolution) {
      const parsed = parseLocalRef(ref);
      if (!parsed) {
        const remote = !ref.startsWith('#');
        resolution = {
          ok: false,
          remote,
          message: remote
            ? `$ref "${ref}" points outside the document`
            : `$ref "${ref}" is not a JSON pointer (anchors are not supported)`,
          hint: remote ? 'Bundle the spec so every reference is local (#/...).' : 'Refer to the schema by its JSON pointer, e.g. "#/components/schemas/Name".',
        };
      } else {
        const target = valueAt(this.document, parsed.segments);
        resolution =
          target === undefined
            ? { ok: false, remote: false, message: `$ref "${ref}" does not resolve`, hint: 'Define the schema it names or fix the reference.' }
            : isSchemaLike(target)
              ? { ok: true, pointer: parsed, target }
              : { ok: false, remote: false, message: `$ref "${ref}" does not point to a schema`, hint: 'Point it at a schema object.' };
      }
      this.resolutions.set(ref, resolution);
    }
    return resolution;
  }

  private definitionFor(pointer: LocalPointer, target: Record<string, unknown> | boolean): DefinitionEntry {
    let entry = this.byPointer.get(pointer.pointer);
    if (!entry) {
      const name = this.names.nameFor(pointer);
      entry = { name, pointer: pointer.pointer, target, refs: new Set(), inPlaceRefs: new Set() };
      this.byPointer.set(pointer.pointer, entry);
      this.byName.set(name, entry);
      this.queue.push(entry);
      this.sortedDefinitions = undefined;
    }
    return entry;
  }

  /** Converts every queued definition (and what they reach); returns the newly converted ones. */
  private drainQueue(): DefinitionEntry[] {
    const fresh: DefinitionEntry[] = [];
    for (let entry = this.queue.shift(); entry; entry = this.queue.shift()) {
      const context: RootContext = { refs: new Set(), inPlaceRefs: new Set() };
      entry.schema = deepFreeze(asObjectSchema(this.convertNode(entry.target, entry.pointer, 0, true, context)));
      entry.refs = context.refs;
      entry.inPlaceRefs = context.inPlaceRefs;
      fresh.push(entry);
    }
    return fresh;
  }

  /**
   * Reports definitions that reach themselves only through `$ref`/`allOf`/`anyOf`/... (never through a property or
   * an item): a validator would recurse on the same value forever. New definitions can only form cycles among
   * themselves, since older ones were complete before they existed.
   */
  private checkEndlessCycles(fresh: readonly DefinitionEntry[]): void {
    if (fresh.length === 0) return;
    const names = new Set(fresh.map((e) => e.name));
    const successors = (name: string): Iterable<string> => this.byName.get(name)?.inPlaceRefs ?? [];
    const components = stronglyConnected([...names], successors, (name) => !names.has(name));
    for (const members of components) {
      const only = members[0] as string;
      if (members.length === 1 && !this.byName.get(only)?.inPlaceRefs.has(only)) continue;
      const entries = members.map((m) => this.byName.get(m) as DefinitionEntry).sort((a, b) => compareText(a.pointer, b.pointer));
      const first = entries[0] as DefinitionEntry;
      const cycle = entries.map((e) => e.pointer).join(', ');
      this.issues.error(
        'ERR_SPEC_UNSUPPORTED',
        first.pointer,
        `Schema refers to itself without descending into a property or an array item (${cycle}); validation would never end`,
        'Break the cycle: one of these schemas must not include the next through $ref, allOf, anyOf, oneOf or not.',
      );
    }
  }

  /** Every definition reachable from `name`, itself included (breadth-first; memoized per name asked about). */
  private closureOf(name: string): ReadonlySet<string> {
    let closure = this.closures.get(name);
    if (!closure) {
      const reached = new Set<string>([name]);
      const pending = [name];
      for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
        for (const ref of this.byName.get(next)?.refs ?? []) {
          if (reached.has(ref)) continue;
          const known = this.closures.get(ref);
          if (known) for (const r of known) reached.add(r);
          else pending.push(ref);
          reached.add(ref);
        }
      }
      closure = reached;
      this.closures.set(name, closure);
    }
    return closure;
  }

  /** Names of the properties that are `readOnly: true` (following `$ref`s), which a request must not carry. */
  private readOnlyProperties(raw: Record<string, unknown>): Set<string> {
    const names = new Set<string>();
    const properties = raw.properties;
    if (!isRecord(properties)) return names;
    for (const [name, schema] of Object.entries(properties)) if (this.isReadOnly(schema)) names.add(name);
    return names;
  }

  /** @see https://spec.openapis.org/oas/v3.0.3#fixed-fields-19 (readOnly: SHOULD NOT be sent as part of the request) */
  private isReadOnly(schema: unknown): boolean {
    const seen = new Set<string>();
    let node = schema;
    while (isRecord(node)) {
      const ref = node.$ref;
      const siblingsCount = typeof ref !== 'string' || this.dialect === 'json-schema-2020-12';
      if (siblingsCount && node.readOnly === true) return true;
      if (typeof ref !== 'string' || seen.has(ref)) return false;
      seen.add(ref);
      const resolution = this.resolve(ref);
      if (!resolution.ok) return false;
      node = resolution.target;
    }
    return false;
  }

  private isNullable(raw: Record<string, unknown>): boolean {
    if (this.dialect === 'openapi-3.0') return raw.nullable === true;
    if (this.dialect === 'openapi-2.0') return raw['x-nullable'] === true;
    return false;
  }

  /** A fresh copy of a literal value as plain JSON (non-finite numbers → null, dates → ISO strings). */
  private cloneValue(value: unknown, at: string, depth: number): unknown {
    if (depth > MAX_VALUE_DEPTH) {
      this.issues.error('ERR_SPEC_UNSUPPORTED', at, `Value is nested more than ${MAX_VALUE_DEPTH} levels deep`, 'Simplify the value.');
      return null;
    }
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') return Number.isFinite(value) ? value : null;
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : this.cloneValue(item, at, depth + 1)));
    if (isRecord(value)) {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        if (item !== undefined && typeof item !== 'function') setOwn(copy, key, this.cloneValue(item, at, depth + 1));
      }
      return copy;
    }
    return null;
  }

  private ignore(at: string, key: string, expected: string): void {
    this.issues.warn('WARN_SPEC_IGNORED', at, `"${key}" must be ${expected}; ignored`, 'Fix the value or remove the keyword.');
  }

}

// --- keyword handlers ------------------------------------------------------------------------------------------------

/** Every keyword that is kept or rewritten, with its handler; any other keyword is dropped (see the file comment). */
const KEYWORD_HANDLERS: ReadonlyMap<string, KeywordHandler> = new Map<string, KeywordHandler>([
  ['$ref', refKeyword],
  // Subschemas (which ones apply to the same instance: SCHEMA_KEYWORDS, SCHEMA_ARRAY_KEYWORDS, SCHEMA_MAP_KEYWORDS).
  ['not', schemaKeyword],
  ['if', schemaKeyword],
  ['then', schemaKeyword],
  ['else', schemaKeyword],
  ['items', itemsKeyword],
  ['contains', schemaKeyword],
  ['additionalProperties', schemaKeyword],
  ['propertyNames', schemaKeyword],
  ['unevaluatedItems', schemaKeyword],
  ['unevaluatedProperties', schemaKeyword],
  ['contentSchema', schemaKeyword],
  ['allOf', schemaArrayKeyword],
  ['anyOf', schemaArrayKeyword],
  ['oneOf', schemaArrayKeyword],
  ['prefixItems', schemaArrayKeyword],
  ['properties', propertiesKeyword],
  ['patternProperties', patternPropertiesKeyword],
  ['dependentSchemas', dependentSchemasKeyword],
  ['dependencies', dependenciesKeyword],
  // Assertions and annotations.
  ['type', typeKeyword],
  ['format', formatKeyword],
  ['minimum', minimumKeyword],
  ['maximum', maximumKeyword],
  ['exclusiveMinimum', exclusiveBoundKeyword],
  ['exclusiveMaximum', exclusiveBoundKeyword],
  ['multipleOf', multipleOfKeyword],
  ['pattern', patternKeyword],
  ['required', requiredKeyword],
  ['dependentRequired', dependentRequiredKeyword],
  ['enum', enumKeyword],
  ['const', literalKeyword],
  ['default', literalKeyword],
  ['examples', examplesKeyword],
  ['example', exampleKeyword],
  ['maxLength', nonNegativeIntegerKeyword],
  ['minLength', nonNegativeIntegerKeyword],
  ['maxItems', nonNegativeIntegerKeyword],
  ['minItems', nonNegativeIntegerKeyword],
  ['maxContains', nonNegativeIntegerKeyword],
  ['minContains', nonNegativeIntegerKeyword],
  ['maxProperties', nonNegativeIntegerKeyword],
  ['minProperties', nonNegativeIntegerKeyword],
  ['contentEncoding', stringKeyword],
  ['contentMediaType', stringKeyword],
  ['title', stringKeyword],
  ['description', stringKeyword],
  ['$comment', stringKeyword],
  ['uniqueItems', booleanKeyword],
  ['deprecated', booleanKeyword],
  ['readOnly', booleanKeyword],
  ['writeOnly', booleanKeyword],
  // Read where they matter: `nullable` by isNullable, `additionalItems` beside a tuple `items` array (elsewhere it is
  // a no-op in 2020-12).
  ['nullable', ignoredKeyword],
  ['additionalItems', ignoredKeyword],
]);

/** Converts a subschema one level down; `sameInstance` when the keyword applies it to the node's own instance. */
function subschema(node: SchemaNode, value: unknown, at: string, sameInstance: boolean): JsonSchema | boolean {
  return node.converter.convertNode(value, at, node.depth + 1, node.inPlace && sameInstance, node.root);
}

/** 2020-12 `$ref` (siblings allowed): the reference, beside the other keywords. */
function refKeyword(node: SchemaNode, value: unknown): void {
  if (typeof value === 'string') Object.assign(node.out, node.converter.convertRef(value, node.pointer, node.inPlace, node.root));
}

/** `not`, `if`, `contains`, `additionalProperties`, ...: one schema. */
function schemaKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (isSchemaLike(value)) node.out[key] = subschema(node, value, at, SCHEMA_KEYWORDS.get(key) === true);
  else node.converter.ignore(at, key, 'a schema');
}

/** `items`: one schema, or the draft-07 tuple form (items[] is prefixItems in 2020-12, additionalItems becomes items). */
function itemsKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (!Array.isArray(value)) {
    schemaKeyword(node, value, at, key);
    return;
  }
  node.out.prefixItems = value.map((item, i) => subschema(node, item, pointerJoin(at, i), false));
  if (node.raw.additionalItems !== undefined) {
    node.out.items = subschema(node, node.raw.additionalItems, pointerJoin(node.pointer, 'additionalItems'), false);
  }
}

/** `allOf`, `anyOf`, `oneOf`, `prefixItems`: a non-empty array of schemas. */
function schemaArrayKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (!Array.isArray(value) || value.length === 0) {
    node.converter.ignore(at, key, 'a non-empty array of schemas');
    return;
  }
  const sameInstance = SCHEMA_ARRAY_KEYWORDS.get(key) === true;
  node.out[key] = value.map((item, i) => subschema(node, item, pointerJoin(at, i), sameInstance));
}

/** `properties`, without the `readOnly` ones. */
function propertiesKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  schemaMap(node, value, at, key, (name) => !node.readOnly.has(name));
}

/** `patternProperties`, without the patterns the server cannot enforce. */
function patternPropertiesKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  schemaMap(node, value, at, key, (name, nameAt) => {
    if (node.converter.isEnforceablePattern(name, nameAt, node.raw)) return true;
    node.droppedPatternProperty = true;
    return false;
  });
}

/** `dependentSchemas`: schemas applied to the same instance when a property is present. */
function dependentSchemasKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  schemaMap(node, value, at, key, () => true);
}

/** Writes `key` as a map of names to converted schemas, keeping the entries `keep` accepts. */
function schemaMap(node: SchemaNode, value: unknown, at: string, key: string, keep: (name: string, nameAt: string) => boolean): void {
  if (!isRecord(value)) {
    node.converter.ignore(at, key, 'an object of schemas');
    return;
  }
  const sameInstance = SCHEMA_MAP_KEYWORDS.get(key) === true;
  const map: Record<string, unknown> = {};
  for (const [name, sub] of Object.entries(value)) {
    const nameAt = pointerJoin(at, name);
    if (keep(name, nameAt)) setOwn(map, name, subschema(node, sub, nameAt, sameInstance));
  }
  node.out[key] = map;
}

/** draft-04..07 `dependencies`: arrays become `dependentRequired`, schemas `dependentSchemas` (unless those are given). */
function dependenciesKeyword(node: SchemaNode, value: unknown, at: string): void {
  if (!isRecord(value) || node.raw.dependentRequired !== undefined || node.raw.dependentSchemas !== undefined) return;
  const required: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const [name, dependency] of Object.entries(value)) {
    if (isStringArray(dependency)) setOwn(required, name, [...dependency]);
    else if (isSchemaLike(dependency)) setOwn(schemas, name, subschema(node, dependency, pointerJoin(at, name), true));
    else node.converter.ignore(pointerJoin(at, name), name, 'an array of property names or a schema');
  }
  if (Object.keys(required).length > 0) node.out.dependentRequired = required;
  if (Object.keys(schemas).length > 0) node.out.dependentSchemas = schemas;
}

/** `type`: a name or an array of names; Swagger 2.0 `file` becomes `string` with `format: binary`, unknown names are dropped. */
function typeKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  const types = typeof value === 'string' ? [value] : isStringArray(value) ? value : undefined;
  if (!types) {
    node.converter.ignore(at, key, 'a type name or an array of them');
    return;
  }
  const mapped = [...new Set(types.map((t) => (t === 'file' ? 'string' : t)))];
  const unknown = mapped.filter((t) => !JSON_TYPES.has(t));
  if (unknown.length > 0) {
    node.converter.warn('WARN_SPEC_IGNORED', at, `Unknown type ${unknown.map((t) => `"${t}"`).join(', ')}; ignored`, 'Use one of null, boolean, object, array, number, string, integer.');
  }
  const known = mapped.filter((t) => JSON_TYPES.has(t));
  if (known.length > 0) node.out.type = typeof value === 'string' ? known[0] : known;
  node.fileType = types.includes('file');
  if (node.fileType) node.out.format = 'binary';
}

/** `format`, except beside `type: file`, which sets it to `binary`. */
function formatKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (node.fileType || node.raw.type === 'file') return;
  stringKeyword(node, value, at, key);
}

/** `minimum`; with OpenAPI 3.0 / draft-04 `exclusiveMinimum: true` it becomes the 2020-12 `exclusiveMinimum` bound. */
function minimumKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  boundKeyword(node, value, at, key, 'exclusiveMinimum');
}

/** `maximum`; with OpenAPI 3.0 / draft-04 `exclusiveMaximum: true` it becomes the 2020-12 `exclusiveMaximum` bound. */
function maximumKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  boundKeyword(node, value, at, key, 'exclusiveMaximum');
}

function boundKeyword(node: SchemaNode, value: unknown, at: string, key: string, exclusive: string): void {
  // OpenAPI 3.0 / draft-04: a boolean flag on minimum/maximum; 2020-12 carries the bound itself.
  if (node.raw[exclusive] === true && isFiniteNumber(value)) node.out[exclusive] = value;
  else numberKeyword(node, value, at, key);
}

/** `exclusiveMinimum`/`exclusiveMaximum`: a number (2020-12); the boolean form was read by minimumKeyword/maximumKeyword. */
function exclusiveBoundKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (typeof value !== 'boolean') numberKeyword(node, value, at, key);
}

function multipleOfKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (isFiniteNumber(value) && value > 0) node.out[key] = value;
  else node.converter.ignore(at, key, 'a number greater than 0');
}

/** `pattern`, when the server can enforce it (isEnforceablePattern warns when not). */
function patternKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (typeof value === 'string' && !node.converter.isEnforceablePattern(value, at)) return;
  stringKeyword(node, value, at, key);
}

/** `required`, deduplicated and without the `readOnly` properties (dropped when nothing is left of a non-empty list). */
function requiredKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (!isStringArray(value)) {
    node.converter.ignore(at, key, 'an array of property names');
    return;
  }
  const names = [...new Set(value)].filter((name) => !node.readOnly.has(name));
  if (names.length > 0 || value.length === 0) node.out.required = names;
}

function dependentRequiredKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (isRecord(value) && Object.values(value).every(isStringArray)) node.out[key] = node.converter.cloneValue(value, at);
  else node.converter.ignore(at, key, 'an object of property-name arrays');
}

function enumKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (Array.isArray(value)) node.out.enum = node.converter.cloneValue(value, at);
  else node.converter.ignore(at, key, 'an array');
}

/** `const`, `default`: any JSON value. */
function literalKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  node.out[key] = node.converter.cloneValue(value, at);
}

function examplesKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (Array.isArray(value)) node.out.examples = node.converter.cloneValue(value, at);
  else node.converter.ignore(at, key, 'an array');
}

/** OpenAPI `example` becomes `examples: [example]`, unless the schema has an `examples` array. */
function exampleKeyword(node: SchemaNode, value: unknown, at: string): void {
  if (!Array.isArray(node.raw.examples)) node.out.examples = [node.converter.cloneValue(value, at)];
}

function numberKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (isFiniteNumber(value)) node.out[key] = value;
  else node.converter.ignore(at, key, 'a number');
}

function nonNegativeIntegerKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (Number.isInteger(value) && (value as number) >= 0) node.out[key] = value;
  else node.converter.ignore(at, key, 'a non-negative integer');
}

function stringKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (typeof value === 'string') node.out[key] = value;
  else node.converter.ignore(at, key, 'a string');
}

function booleanKeyword(node: SchemaNode, value: unknown, at: string, key: string): void {
  if (typeof value === 'boolean') node.out[key] = value;
  else node.converter.ignore(at, key, 'a boolean');
}

/** A keyword read by another handler (or by the converter) where it matters, never copied itself. */
function ignoredKeyword(): void {}

/**
 * Makes a converted schema admit `null`: add it to `type` (and `enum`) when the schema stands alone, append it to a
 * lone `anyOf`, or wrap the schema as `anyOf: [schema, {type: 'null'}]` beside `$ref`, `allOf`, `oneOf`, ...
 * @see https://spec.openapis.org/oas/v3.0.3#fixed-fields-19 (nullable)
 */
function addNull(schema: Record<string, unknown>): Record<string, unknown> {
  const combined = COMBINING_KEYWORDS.some((k) => k in schema);
  if (!combined) {
    if (schema.type === undefined && schema.enum === undefined) return schema; // already admits null
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
      if (!types.includes('null')) schema.type = [...types, 'null'];
    }
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
    return schema;
  }
  // Annotations stay outside, in their places; `anyOf` takes the place of the first validating keyword.
  const outer: Record<string, unknown> = {};
  const inner: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (ANNOTATION_KEYWORDS.has(key)) {
      outer[key] = value;
    } else {
      inner[key] = value;
      outer.anyOf ??= [];
    }
  }
  const innerKeys = Object.keys(inner);
  outer.anyOf =
    innerKeys.length === 1 && innerKeys[0] === 'anyOf'
      ? [...(inner.anyOf as unknown[]), { type: 'null' }]
      : [inner, { type: 'null' }];
  return outer;
}

/** Boolean schemas become objects where a JsonSchema object is required (true → `{}`, false → `{ not: {} }`). */
function asObjectSchema(schema: JsonSchema | boolean): JsonSchema {
  if (schema === true) return {};
  if (schema === false) return { not: {} };
  return schema;
}

/** Direct `#/$defs/<name>` references in a schema, walking only schema positions (not `const`, `default`, ...). */
function collectDefinitionRefs(schema: unknown): string[] {
  const names = new Set<string>();
  const stack: unknown[] = [schema];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isRecord(node)) continue;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref') {
        if (typeof value === 'string' && value.startsWith(DEFS_PREFIX)) names.add(value.slice(DEFS_PREFIX.length));
      } else if (SCHEMA_KEYWORDS.has(key)) {
        stack.push(value);
      } else if (SCHEMA_ARRAY_KEYWORDS.has(key) || (key === 'items' && Array.isArray(value))) {
        if (Array.isArray(value)) stack.push(...value);
      } else if (SCHEMA_MAP_KEYWORDS.has(key) || key === '$defs') {
        if (isRecord(value)) stack.push(...Object.values(value));
      }
    }
  }
  return [...names];
}

/**
 * Tarjan's strongly connected components over the nodes reachable from `roots`, iteratively (graphs can be long
 * chains). Components are yielded after every component they reach. Nodes for which `done` is true are not entered.
 */
function stronglyConnected(
  roots: readonly string[],
  successors: (node: string) => Iterable<string>,
  done: (node: string) => boolean,
): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of roots) {
    if (index.has(root) || done(root)) continue;
    const work: { node: string; next: Iterator<string> }[] = [];
    const enter = (node: string): void => {
      index.set(node, counter);
      low.set(node, counter);
      counter++;
      stack.push(node);
      onStack.add(node);
      work.push({ node, next: successors(node)[Symbol.iterator]() });
    };
    enter(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: string; next: Iterator<string> };
      const step = frame.next.next();
      if (!step.done) {
        const child = step.value;
        if (done(child)) continue;
        if (!index.has(child)) enter(child);
        else if (onStack.has(child)) low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(child) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === index.get(frame.node)) {
        const members: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          members.push(member);
        } while (member !== frame.node);
        components.push(members);
      }
    }
  }
  return components;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null || Object.isFrozen(node)) continue;
    Object.freeze(node);
    stack.push(...Object.values(node));
  }
  return value;
}
