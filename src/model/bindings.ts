/**
 * Arguments bound to the caller's claims (`x-mcp-bind` on a parameter or on a top-level property of a JSON request
 * body, and the config's `bind`): which arguments of a tool are filled from the verified token, and the input schema the
 * model sees without them. The config wins over the spec (reported when they disagree); nested body properties and
 * non-JSON bodies cannot be bound (a located error rather than a binding that silently does not happen).
 */
import type { BindRule, PortcullisConfig } from '../config/types.js';
import type { IssueCollector } from '../errors.js';
import { ownValue } from '../normalize/dictionary.js';
import type { NormalizedMediaType, NormalizedOperation, NormalizedSpec } from '../normalize/types.js';
import type { ArgumentBinding, JsonSchema } from '../../templates/runtime/definition.js';
import { byText } from '../shared/compare.js';
import { isRecord } from '../shared/guards.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { followRef } from '../shared/reference.js';
import { chooseMediaType, encodingOf, type ToolArguments } from './input-schema.js';
import type { SchemaConverter } from './json-schema.js';
import { matchesAllCriteria } from './selection.js';
import type { Report } from './upstream.js';

/** One bound argument, with where the binding is written. */
export interface BindingModel extends ArgumentBinding {
  readonly from: 'spec' | 'config';
  /** The spec's `x-mcp-bind` pointer, or the config's `#/bind/<name>`. */
  readonly source: string;
}

/** A tool's arguments once bindings are applied: the published schema and, with bindings, the full one. */
export interface BoundArguments {
  readonly inputSchema: JsonSchema;
  readonly bindings: readonly BindingModel[];
  readonly boundInputSchema?: JsonSchema;
}

/** What binding the tools of one spec share: the config's entries and which of them matched something. */
export interface BindingContext {
  readonly spec: NormalizedSpec;
  readonly config: PortcullisConfig;
  readonly converter: SchemaConverter;
  readonly issues: IssueCollector;
  /** Reports issues located in the config file. */
  readonly report: Report;
  /** Names of the config's `bind` entries that bound something. */
  readonly used: Set<string>;
}

const SCALARS: readonly string[] = ['string', 'integer', 'number', 'boolean'];
const ANNOTATIONS = new Set(['description', 'title', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', '$comment']);

/** Applies the spec's and the config's bindings to one tool's arguments. */
export function bindToolArguments(operation: NormalizedOperation, args: ToolArguments, context: BindingContext): BoundArguments {
  const bindings = [...parameterBindings(operation, args, context), ...bodyBindings(operation, args, context)].sort(compareBindings);
  if (bindings.length === 0) return { inputSchema: args.inputSchema, bindings };
  const inputSchema = withoutBound(args, bindings, operation, context);
  return { inputSchema, bindings, boundInputSchema: args.inputSchema };
}

/** Warns about each config `bind` entry that bound nothing (a typo would otherwise leave the argument to the model). */
export function warnUnusedBindings(context: BindingContext): void {
  for (const name of Object.keys(context.config.bind ?? {})) {
    if (context.used.has(name)) continue;
    context.report(
      'WARN_CONFIG_UNUSED',
      'warning',
      pointerJoin('#/bind', name),
      `bind entry "${name}" matches no parameter or top-level JSON body property of any tool`,
      'Check the name (as written in the spec) and its selector, or remove the entry.',
    );
  }
}

/**
 * Errors for each `x-mcp-bind` on a property schema that is no top-level property of any operation's JSON request body
 * (nested, in a response, in a form body): it could never be applied.
 */
export function checkUnappliedPropertyBindings(spec: NormalizedSpec, issues: IssueCollector): void {
  const bound = spec.boundProperties ?? [];
  if (bound.length === 0) return;
  const applicable = new Set<string>();
  for (const operation of spec.operations) {
    for (const media of operation.requestBody?.content ?? []) {
      if (encodingOf(media.mediaType) !== 'json') continue;
      const object = bodyObject(spec, media);
      for (const name of Object.keys(object?.properties ?? {})) applicable.add(pointerJoin(object!.pointer, 'properties', name));
    }
  }
  for (const pointer of bound) {
    if (applicable.has(pointer)) continue;
    issues.error(
      'ERR_SPEC_EXTENSION',
      pointerJoin(pointer, 'x-mcp-bind'),
      'x-mcp-bind cannot apply here: only parameters and the top-level properties of a JSON request body schema are bound',
      'Move it to a top-level property of the request body schema (or to a parameter), or remove it.',
    );
  }
}

function parameterBindings(operation: NormalizedOperation, args: ToolArguments, context: BindingContext): BindingModel[] {
  const bindings: BindingModel[] = [];
  for (const parameter of operation.parameters) {
    const definition = args.parameters.find((candidate) => candidate.name === parameter.name && candidate.in === parameter.in);
    if (!definition) {
      if (parameter.bind) {
        context.issues.error(
          'ERR_SPEC_EXTENSION',
          parameter.bind.source,
          `x-mcp-bind cannot apply to the ${parameter.in} parameter "${parameter.name}": it is no tool argument (the server sets it)`,
          'Remove x-mcp-bind from it.',
        );
      }
      continue;
    }
    const binding = chooseBinding(operation, parameter.name, parameter.bind, context);
    if (binding) bindings.push({ argument: definition.argument, ...binding });
  }
  return bindings;
}

function bodyBindings(operation: NormalizedOperation, args: ToolArguments, context: BindingContext): BindingModel[] {
  const requestBody = operation.requestBody;
  const media = requestBody && chooseMediaType(requestBody.content);
  if (!args.body || !media) return [];
  const object = bodyObject(context.spec, media);
  if (!object) return [];
  const boundHere = new Set(context.spec.boundProperties ?? []);
  const bindings: BindingModel[] = [];
  for (const [name, property] of Object.entries(object.properties)) {
    const pointer = pointerJoin(object.pointer, 'properties', name);
    if (args.body.encoding !== 'json') {
      // The spec's own x-mcp-bind on a non-JSON body is refused by checkUnappliedPropertyBindings.
      const rule = configRule(operation, name, context);
      if (rule) {
        context.report(
          'ERR_CONFIG_INVALID',
          'error',
          rule.source,
          `bind entry "${name}" matches a property of the ${media.mediaType} body of ${operation.method} ${operation.path}, which cannot be bound`,
          'Narrow the entry with a selector (tags, operations, paths, methods) so that it matches JSON bodies and parameters only.',
        );
      }
      continue;
    }
    const claim = boundHere.has(pointer) && isRecord(property) ? property['x-mcp-bind'] : undefined;
    const spec = typeof claim === 'string' ? { claim, source: pointerJoin(pointer, 'x-mcp-bind') } : undefined;
    const binding = chooseBinding(operation, name, spec, context);
    if (binding) bindings.push({ argument: args.body.argument, property: name, ...binding, ...scalarTypeOf(args, name, context) });
  }
  return bindings;
}

/** The config's binding of `name` for this operation (reported when it overrides a different one in the spec), else the spec's. */
function chooseBinding(
  operation: NormalizedOperation,
  name: string,
  spec: { readonly claim: string; readonly source: string } | undefined,
  context: BindingContext,
): { claim: string; from: 'spec' | 'config'; source: string } | undefined {
  const rule = configRule(operation, name, context);
  if (!rule) return spec ? { claim: spec.claim, from: 'spec', source: spec.source } : undefined;
  context.used.add(name);
  if (spec && spec.claim !== rule.claim) {
    context.report(
      'WARN_CONFIG_OVERRIDES_SPEC',
      'warning',
      rule.source,
      `bind entry "${name}" (claim ${rule.claim}) overrides x-mcp-bind: ${spec.claim} at ${spec.source} for ${operation.method} ${operation.path}`,
      'The config wins; align the two, or narrow the entry with a selector.',
    );
  }
  return { claim: rule.claim, from: 'config', source: rule.source };
}

/** The config's `bind` entry for `name` when it applies to the operation (no selector: everywhere). */
function configRule(operation: NormalizedOperation, name: string, context: BindingContext): { claim: string; source: string } | undefined {
  const bind = context.config.bind;
  if (bind === undefined || !Object.hasOwn(bind, name)) return undefined;
  const entry = bind[name]!;
  const source = pointerJoin('#/bind', name);
  if (typeof entry === 'string') return { claim: entry, source };
  const { claim, ...selector } = entry as BindRule;
  const narrowed = Object.keys(selector).length > 0;
  return !narrowed || matchesAllCriteria(operation, selector) ? { claim, source } : undefined;
}

/** The object schema of a body media type as written (after `$ref`s), with its properties and where it is. */
function bodyObject(spec: NormalizedSpec, media: NormalizedMediaType): { properties: Record<string, unknown>; pointer: string } | undefined {
  if (!media.schema) return undefined;
  const resolved = followRef(spec.document, media.schema.schema, media.schema.source);
  if (!resolved.ok || !isRecord(resolved.value) || !isRecord(resolved.value.properties)) return undefined;
  return { properties: resolved.value.properties, pointer: resolved.pointer };
}

/** The published schema: the bound parameters' arguments left out, and the body's bound properties. */
function withoutBound(args: ToolArguments, bindings: readonly BindingModel[], operation: NormalizedOperation, context: BindingContext): JsonSchema {
  const schema = args.inputSchema;
  const properties = new Map(Object.entries(schema.properties as Record<string, JsonSchema>));
  const boundArguments = new Set(bindings.filter((binding) => binding.property === undefined).map((binding) => binding.argument));
  for (const argument of boundArguments) properties.delete(argument);
  const bodyProperties = bindings.filter((binding) => binding.property !== undefined);
  if (args.body && bodyProperties.length > 0) {
    const body = bodyWithout(properties.get(args.body.argument), new Set(bodyProperties.map((binding) => binding.property!)), context);
    if (body) properties.set(args.body.argument, body);
    else {
      for (const binding of bodyProperties) {
        context.issues.error(
          'ERR_SPEC_EXTENSION',
          binding.from === 'spec' ? binding.source : operation.source,
          `x-mcp-bind cannot apply to the body property "${binding.property}" of ${operation.method} ${operation.path}: the body schema is not a plain object schema`,
          'Declare the body as type: object with properties (no allOf/oneOf/anyOf at its top), or bind a parameter instead.',
        );
      }
    }
  }
  const required = Array.isArray(schema.required) ? (schema.required as string[]).filter((name) => !boundArguments.has(name)) : [];
  const { required: _required, properties: _properties, ...rest } = schema;
  // Key order as buildToolArguments writes it: type, properties, required, additionalProperties.
  return { type: rest.type, properties: Object.fromEntries(properties), ...(required.length > 0 ? { required } : {}), ...rest };
}

/** A converted body schema (maybe a `$ref` to a definition) as an inline copy without `names`, or undefined when it is no plain object. */
function bodyWithout(schema: JsonSchema | undefined, names: ReadonlySet<string>, context: BindingContext): JsonSchema | undefined {
  const target = plainTarget(schema, context);
  if (!target || !isRecord(target.schema.properties) || [...names].some((name) => !Object.hasOwn(target.schema.properties as object, name))) return undefined;
  if (['allOf', 'anyOf', 'oneOf', 'not', 'if', '$ref'].some((keyword) => Object.hasOwn(target.schema, keyword))) return undefined;
  const properties = Object.fromEntries(Object.entries(target.schema.properties).filter(([name]) => !names.has(name)));
  const required = Array.isArray(target.schema.required) ? (target.schema.required as string[]).filter((name) => !names.has(name)) : undefined;
  const { properties: _p, required: _r, ...rest } = target.schema;
  return { ...rest, ...target.annotations, properties, ...(required && required.length > 0 ? { required } : {}) };
}

/** The schema itself, or the definition a bare `$ref` (plus annotations) points to, with those annotations. */
function plainTarget(schema: JsonSchema | undefined, context: BindingContext): { schema: JsonSchema; annotations: JsonSchema } | undefined {
  if (!schema) return undefined;
  if (typeof schema.$ref !== 'string') return { schema, annotations: {} };
  const { $ref, ...annotations } = schema;
  if (Object.keys(annotations).some((key) => !ANNOTATIONS.has(key)) || !($ref as string).startsWith('#/$defs/')) return undefined;
  const name = ($ref as string).slice('#/$defs/'.length).replaceAll('~1', '/').replaceAll('~0', '~');
  const target = ownValue(context.converter.definitions, name);
  return target ? { schema: target, annotations } : undefined;
}

/** `{ type }` when the body property's converted schema is one scalar type (with or without null). */
function scalarTypeOf(args: ToolArguments, name: string, context: BindingContext): { type?: ArgumentBinding['type'] } {
  const body = (args.inputSchema.properties as Record<string, JsonSchema>)[args.body!.argument];
  const target = plainTarget(body, context);
  const properties = target && isRecord(target.schema.properties) ? target.schema.properties : undefined;
  const property = properties && Object.hasOwn(properties, name) ? plainTarget(properties[name] as JsonSchema, context)?.schema : undefined;
  const type = property?.type;
  const types = (Array.isArray(type) ? type : [type]).filter((entry) => entry !== 'null');
  return types.length === 1 && SCALARS.includes(types[0] as string) ? { type: types[0] as ArgumentBinding['type'] } : {};
}

/** Bindings by argument, then property (NUL sorts before any character of a name). */
const compareBindings = byText((binding: ArgumentBinding) => `${binding.argument}\u0000${binding.property ?? ''}`);
