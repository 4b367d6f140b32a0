/**
 * One tool's arguments: a single `type: object` JSON Schema combining path, query, header and cookie parameters
 * and the request body, plus where each argument goes in the upstream request.
 *
 * Argument names: every parameter keeps its own name; when two parameters in different locations share a name,
 * the one that comes first in the order path, query, header, cookie keeps it and the others become `<in>_<name>`
 * (e.g. `header_id`). The request body is the argument `body` (`requestBody` if a parameter is called `body`), so
 * body properties can never clash with parameters.
 */
import type { BodyDefinition, JsonSchema, ParameterDefinition } from '../../templates/runtime/definition.js';
import type { IssueCollector } from '../errors.js';
import { dictionary, ownValue } from '../normalize/dictionary.js';
import type { NormalizedMediaType, NormalizedOperation, NormalizedParameter } from '../normalize/types.js';
import { byText } from '../shared/compare.js';
import type { SchemaConverter } from './json-schema.js';

export interface ToolArguments {
  readonly inputSchema: JsonSchema;
  readonly parameters: ParameterDefinition[];
  readonly body?: BodyDefinition;
}

const LOCATION_ORDER = ['path', 'query', 'header', 'cookie'] as const;
/** OpenAPI: header parameters with these names are ignored (they are controlled elsewhere). */
export const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

/** Builds the input schema and request bindings of an operation. */
export function buildToolArguments(operation: NormalizedOperation, converter: SchemaConverter, issues: IssueCollector): ToolArguments {
  // A Map, not an object literal: parameter names such as `__proto__` or `constructor` must stay plain keys.
  const properties = new Map<string, JsonSchema>();
  const required: string[] = [];
  const parameters: ParameterDefinition[] = [];

  const usable = operation.parameters.filter((p) => !(p.in === 'header' && IGNORED_HEADERS.has(p.name.toLowerCase())));
  const ordered = [...usable].sort((a, b) => LOCATION_ORDER.indexOf(a.in) - LOCATION_ORDER.indexOf(b.in));
  for (const parameter of ordered) {
    const argument = uniqueName(properties, parameter.name, `${parameter.in}_${parameter.name}`);
    properties.set(argument, parameterSchema(parameter, converter));
    if (parameter.required || parameter.in === 'path') required.push(argument);
    parameters.push({
      name: parameter.name,
      argument,
      in: parameter.in,
      style: parameter.style,
      explode: parameter.explode,
      allowReserved: parameter.allowReserved,
      required: parameter.required || parameter.in === 'path',
      ...(parameter.contentType ? { contentType: parameter.contentType } : {}),
    });
  }

  let body: BodyDefinition | undefined;
  const requestBody = operation.requestBody;
  const media = requestBody && chooseMediaType(requestBody.content);
  if (requestBody && media) {
    const argument = uniqueName(properties, 'body', 'requestBody');
    const encoding = encodingOf(media.mediaType);
    const schema = bodySchema(media, encoding, requestBody.description, converter);
    properties.set(argument, schema);
    const partEncoding = encoding === 'multipart' ? { ...binaryParts(schema, converter), ...media.encoding } : encoding === 'form' ? media.encoding : undefined;
    if (requestBody.required) required.push(argument);
    body = {
      argument,
      contentType: media.mediaType === '*/*' ? 'application/json' : media.mediaType,
      encoding,
      required: requestBody.required,
      ...(partEncoding && Object.keys(partEncoding).length > 0 ? { properties: sortedRecord(partEncoding) } : {}),
    };
  } else if (requestBody) {
    issues.warn('WARN_SPEC_IGNORED', requestBody.source, 'the request body declares no media type', 'Add a content entry such as application/json.');
  }

  const inputSchema: JsonSchema = {
    type: 'object',
    properties: Object.fromEntries(properties),
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
  return { inputSchema, parameters, ...(body ? { body } : {}) };
}

function parameterSchema(parameter: NormalizedParameter, converter: SchemaConverter): JsonSchema {
  const schema = converter.convert(parameter.schema);
  const extra: Record<string, unknown> = {};
  if (parameter.description && schema.description === undefined) extra.description = parameter.description;
  if (parameter.deprecated) extra.deprecated = true;
  if (Object.keys(extra).length === 0) return schema;
  // A `$ref` with siblings is fine in 2020-12, but keep the reference intact and readable.
  return { ...schema, ...extra };
}

function bodySchema(media: NormalizedMediaType, encoding: BodyDefinition['encoding'], description: string | undefined, converter: SchemaConverter): JsonSchema {
  let schema: JsonSchema;
  if (encoding === 'binary' || (encoding === 'text' && !media.schema)) {
    schema = { type: 'string', description: `Raw request body sent as ${media.mediaType}.` };
  } else {
    schema = media.schema ? converter.convert(media.schema) : {};
  }
  return description && schema.description === undefined ? { ...schema, description } : schema;
}

/**
 * Multipart properties that carry file contents (`format: binary`, or a 3.1 `contentMediaType`) are sent as file
 * parts of that type unless the spec's `encoding` says otherwise.
 * @see https://spec.openapis.org/oas/v3.0.3#special-considerations-for-multipart-content
 */
function binaryParts(schema: JsonSchema, converter: SchemaConverter): Record<string, { contentType: string }> {
  const ref = typeof schema.$ref === 'string' ? schema.$ref.replace(/^#\/\$defs\//, '') : undefined;
  const target = ref !== undefined ? ownValue(converter.definitions, ref) : schema;
  const properties = target && typeof target.properties === 'object' ? (target.properties as Record<string, JsonSchema>) : {};
  // Keyed by property names, which may be `__proto__` or `constructor`.
  const parts = dictionary<{ contentType: string }>();
  for (const [name, property] of Object.entries(properties)) {
    if (typeof property.contentMediaType === 'string') parts[name] = { contentType: property.contentMediaType };
    else if (property.format === 'binary') parts[name] = { contentType: 'application/octet-stream' };
  }
  return parts;
}

/** Preference: JSON, then form, multipart, text, then anything else as raw bytes. */
export function chooseMediaType(content: readonly NormalizedMediaType[]): NormalizedMediaType | undefined {
  const rank = (m: NormalizedMediaType) => ['json', 'form', 'multipart', 'text', 'binary'].indexOf(encodingOf(m.mediaType));
  return [...content].sort((a, b) => rank(a) - rank(b))[0];
}

/** How a media type is encoded (parameters such as `; charset=utf-8` ignored). */
export function encodingOf(mediaType: string): BodyDefinition['encoding'] {
  const type = mediaType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json') || type === '*/*') return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'multipart/form-data' || type.startsWith('multipart/')) return 'multipart';
  if (type.startsWith('text/') || type === 'application/xml' || type.endsWith('+xml')) return 'text';
  return 'binary';
}

function uniqueName(taken: ReadonlyMap<string, unknown>, preferred: string, fallback: string): string {
  if (!taken.has(preferred)) return preferred;
  let name = fallback;
  for (let n = 2; taken.has(name); n++) name = `${fallback}_${n}`;
  return name;
}

function sortedRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(byText(([key]) => key)));
}
