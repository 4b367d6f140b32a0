/**
 * Parameter Objects into NormalizedParameter: 3.x as written with the style/explode defaults of their location,
 * 2.0 with `type`/`items`/... turned into a schema and `collectionFormat` into style/explode.
 * @see https://spec.openapis.org/oas/v3.1.0#parameter-object
 * @see https://swagger.io/specification/v2/#parameter-object
 */
import { isRecord } from '../shared/guards.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { optional, resolveObject, stringOf, type NormalizeContext, type Resolved } from './context.js';
import { claimPathIssue } from './names.js';
import type { NormalizedParameter, ParameterLocation, ParameterStyle, RawSchema, SchemaRef } from './types.js';

const LOCATIONS: readonly string[] = ['path', 'query', 'header', 'cookie'];
const STYLES: readonly string[] = ['simple', 'label', 'matrix', 'form', 'spaceDelimited', 'pipeDelimited', 'deepObject'];

/** The keywords a 2.0 parameter or Items Object shares with a JSON schema. @see https://swagger.io/specification/v2/#items-object */
const SWAGGER2_SCHEMA_KEYS = [
  'type', 'format', 'enum', 'default', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength',
  'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf',
];

/**
 * Resolves a `parameters` list found at `pointer`, following `$ref`s (sources stay at the site in the list).
 * @see https://spec.openapis.org/oas/v3.1.0#reference-object
 */
export function resolveParameters(context: NormalizeContext, list: unknown, pointer: string): Resolved[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item, index) => resolveObject(context, item, pointerJoin(pointer, index), 'a parameter') ?? []);
}

/**
 * Identifies a parameter the way OpenAPI does: by name and location.
 * @see https://spec.openapis.org/oas/v3.1.0#fixed-fields-9
 */
export function parameterKey(parameter: Resolved): string {
  return `${String(parameter.value.in)}\u0000${String(parameter.value.name)}`;
}

/**
 * Merges path-item and operation parameters: the operation's replace the path item's with the same name and
 * location (in place), the others follow in order.
 * @see https://spec.openapis.org/oas/v3.1.0#operation-object (parameters)
 */
export function mergeParameters(pathItem: readonly Resolved[], operation: readonly Resolved[]): Resolved[] {
  const merged = [...pathItem];
  for (const parameter of operation) {
    const index = merged.findIndex((p) => parameterKey(p) === parameterKey(parameter));
    if (index === -1) merged.push(parameter);
    else merged[index] = parameter;
  }
  return merged;
}

/**
 * The default `style` of a location; `explode` defaults to true for `form` only.
 * @see https://spec.openapis.org/oas/v3.1.0#style-values
 */
export function defaultStyle(location: ParameterLocation): ParameterStyle {
  return location === 'query' || location === 'cookie' ? 'form' : 'simple';
}

/**
 * Converts a 3.x parameter; a `content` parameter takes the schema of its (single) media type.
 * @see https://spec.openapis.org/oas/v3.1.0#parameter-object
 */
export function normalizeParameter(parameter: Resolved): NormalizedParameter {
  const { value, site, target } = parameter;
  const location = (LOCATIONS.includes(String(value.in)) ? value.in : 'query') as ParameterLocation;
  const style = (STYLES.includes(String(value.style)) ? value.style : defaultStyle(location)) as ParameterStyle;
  const [contentType, media] = isRecord(value.content) ? (Object.entries(value.content)[0] ?? []) : [];
  let schema: SchemaRef;
  if (contentType !== undefined) {
    const mediaPointer = pointerJoin(target, 'content', contentType);
    schema = isRecord(media) && media.schema !== undefined
      ? { schema: media.schema as RawSchema, source: `${mediaPointer}/schema` }
      : { schema: {}, source: mediaPointer };
  } else {
    schema = value.schema !== undefined ? { schema: value.schema as RawSchema, source: `${target}/schema` } : { schema: {}, source: target };
  }
  return {
    name: String(value.name ?? ''),
    in: location,
    ...optional('description', stringOf(value.description)),
    // Path parameters are always required. @see https://spec.openapis.org/oas/v3.1.0#fixed-fields-9
    required: location === 'path' || value.required === true,
    deprecated: value.deprecated === true,
    style,
    explode: typeof value.explode === 'boolean' ? value.explode : style === 'form',
    allowReserved: value.allowReserved === true,
    schema,
    ...optional('contentType', contentType),
    ...optional('bind', bindOf(value, target)),
    source: site,
  };
}

/** The parameter's `x-mcp-bind`, when it names a usable claim path (mcp-extensions.ts reports one that does not). */
export function bindOf(value: Readonly<Record<string, unknown>>, target: string): { claim: string; source: string } | undefined {
  const claim = value['x-mcp-bind'];
  return typeof claim === 'string' && claimPathIssue(claim) === undefined ? { claim, source: pointerJoin(target, 'x-mcp-bind') } : undefined;
}

/**
 * Builds a schema from a 2.0 parameter's or Items Object's keywords; `type: file` becomes a binary string.
 * @see https://swagger.io/specification/v2/#items-object
 */
export function swagger2Schema(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const schema: Record<string, unknown> = {};
  for (const key of SWAGGER2_SCHEMA_KEYS) if (value[key] !== undefined) schema[key] = value[key];
  if (schema.type === 'file') Object.assign(schema, { type: 'string', format: 'binary' });
  if (isRecord(value.items)) schema.items = swagger2Schema(value.items);
  return schema;
}

/**
 * The style/explode of a 2.0 `collectionFormat` in a location (csv by default).
 * `tsv` has no OpenAPI 3 equivalent: warned about, read as csv.
 * @see https://swagger.io/specification/v2/#fixed-fields-7 (collectionFormat)
 */
export function swagger2Style(
  context: NormalizeContext,
  collectionFormat: unknown,
  location: ParameterLocation | 'formData',
  pointer: string,
): { style: ParameterStyle; explode: boolean } {
  const simple = location === 'path' || location === 'header';
  const csv = { style: simple ? 'simple' : 'form', explode: false } as const;
  const format = collectionFormat ?? 'csv';
  if (format === 'csv') return csv;
  if (!simple && format === 'ssv') return { style: 'spaceDelimited', explode: false };
  if (!simple && format === 'pipes') return { style: 'pipeDelimited', explode: false };
  if (!simple && format === 'multi') return { style: 'form', explode: true };
  context.issues.warn(
    'WARN_SPEC_UNSUPPORTED',
    `${pointer}/collectionFormat`,
    `collectionFormat ${JSON.stringify(format)} is not supported in ${location}; values are sent comma-separated`,
    simple ? 'Use csv.' : 'Use csv, ssv, pipes or multi.',
  );
  return csv;
}

/**
 * Converts a 2.0 path/query/header parameter (not `body`, not `formData`): the schema is built from its
 * keywords, with the parameter's pointer as source.
 * @see https://swagger.io/specification/v2/#parameter-object
 */
export function swagger2Parameter(context: NormalizeContext, parameter: Resolved): NormalizedParameter {
  const { value, site, target } = parameter;
  const location = (LOCATIONS.includes(String(value.in)) ? value.in : 'query') as ParameterLocation;
  const collection = value.type === 'array' ? swagger2Style(context, value.collectionFormat, location, target) : undefined;
  const style = collection?.style ?? defaultStyle(location);
  return {
    name: String(value.name ?? ''),
    in: location,
    ...optional('description', stringOf(value.description)),
    required: location === 'path' || value.required === true,
    deprecated: false,
    style,
    explode: collection?.explode ?? style === 'form',
    allowReserved: false,
    schema: { schema: swagger2Schema(value), source: target },
    ...optional('bind', bindOf(value, target)),
    source: site,
  };
}
