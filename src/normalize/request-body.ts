/**
 * Request Body Objects (3.x) and 2.0 `in: body` / `in: formData` parameters into NormalizedRequestBody.
 * @see https://spec.openapis.org/oas/v3.1.0#request-body-object
 * @see https://swagger.io/specification/v2/#parameter-object (body, formData)
 */
import { isRecord } from '../shared/guards.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { optional, resolveObject, stringOf, stringsOf, type NormalizeContext, type Resolved } from './context.js';
import { dictionary } from './dictionary.js';
import { swagger2Schema, swagger2Style } from './parameter.js';
import type { NormalizedMediaType, NormalizedRequestBody, ParameterStyle, RawSchema } from './types.js';

type Encoding = NonNullable<NormalizedMediaType['encoding']>;

const STYLES: readonly string[] = ['form', 'spaceDelimited', 'pipeDelimited', 'deepObject'];

/**
 * Converts the `encoding` map of a media type (contentType, style, explode per property).
 * @see https://spec.openapis.org/oas/v3.1.0#encoding-object
 */
function normalizeEncoding(value: unknown): Encoding | undefined {
  if (!isRecord(value)) return undefined;
  const encoding = dictionary<{ contentType?: string; style?: ParameterStyle; explode?: boolean }>();
  for (const [property, entry] of Object.entries(value)) {
    if (!isRecord(entry)) continue;
    encoding[property] = {
      ...optional('contentType', stringOf(entry.contentType)),
      ...optional('style', STYLES.includes(String(entry.style)) ? (entry.style as ParameterStyle) : undefined),
      ...optional('explode', typeof entry.explode === 'boolean' ? entry.explode : undefined),
    };
  }
  return encoding;
}

/**
 * Converts a 3.x Media Type Object; its source is where it is written.
 * @see https://spec.openapis.org/oas/v3.1.0#media-type-object
 */
export function normalizeMediaType(mediaType: string, value: unknown, source: string): NormalizedMediaType {
  const media = isRecord(value) ? value : {};
  return {
    mediaType,
    ...optional('schema', media.schema !== undefined ? { schema: media.schema as RawSchema, source: `${source}/schema` } : undefined),
    ...optional('encoding', normalizeEncoding(media.encoding)),
    source,
  };
}

/**
 * Converts a 3.x `requestBody` found at `site`, following `$ref`s; media types in document order.
 * @see https://spec.openapis.org/oas/v3.1.0#request-body-object
 */
export function normalizeRequestBody(context: NormalizeContext, value: unknown, site: string): NormalizedRequestBody | undefined {
  const resolved = resolveObject(context, value, site, 'a request body');
  if (!resolved) return undefined;
  const body = resolved.value;
  const content = isRecord(body.content) ? body.content : {};
  return {
    ...optional('description', stringOf(body.description)),
    required: body.required === true,
    content: Object.entries(content).map(([mediaType, media]) =>
      normalizeMediaType(mediaType, media, pointerJoin(resolved.target, 'content', mediaType)),
    ),
    source: site,
  };
}

/**
 * The media types a 2.0 operation consumes: its own `consumes`, else the document's, else JSON.
 * @see https://swagger.io/specification/v2/#fixed-fields-8 (consumes)
 */
export function swagger2Consumes(document: Record<string, unknown>, operation: Record<string, unknown>): string[] {
  for (const list of [operation.consumes, document.consumes]) {
    const types = stringsOf(list);
    if (types.length > 0) return types;
  }
  return ['application/json'];
}

/**
 * Turns a 2.0 `in: body` parameter into a request body: each consumed media type gets the body's schema.
 * @see https://swagger.io/specification/v2/#parameter-object
 */
export function swagger2BodyRequestBody(body: Resolved, consumes: readonly string[]): NormalizedRequestBody {
  const schema = body.value.schema !== undefined ? { schema: body.value.schema as RawSchema, source: `${body.target}/schema` } : undefined;
  return {
    ...optional('description', stringOf(body.value.description)),
    required: body.value.required === true,
    content: consumes.map((mediaType) => ({ mediaType, ...optional('schema', schema), source: body.site })),
    source: body.site,
  };
}

/**
 * Turns 2.0 `in: formData` parameters into a form request body: an object schema with one property per
 * parameter; multipart when the operation consumes it or a parameter is a file, else url-encoded.
 * Arrays keep their `collectionFormat` as the property's encoding.
 * @see https://swagger.io/specification/v2/#parameter-object
 */
export function swagger2FormRequestBody(
  context: NormalizeContext,
  parameters: readonly Resolved[],
  consumes: readonly string[],
  operationPointer: string,
): NormalizedRequestBody {
  const multipart = consumes.some((type) => /^multipart\/form-data/i.test(type)) || parameters.some((p) => p.value.type === 'file');
  // Keyed by parameter names, which may be `__proto__` or `constructor`.
  const properties = dictionary<unknown>();
  const required: string[] = [];
  const encoding = dictionary<{ style: ParameterStyle; explode: boolean }>();
  for (const { value, target } of parameters) {
    const name = String(value.name ?? '');
    properties[name] = { ...swagger2Schema(value), ...optional('description', stringOf(value.description)) };
    if (value.required === true) required.push(name);
    if (value.type === 'array') encoding[name] = swagger2Style(context, value.collectionFormat, 'formData', target);
  }
  const schema = { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
  return {
    required: required.length > 0,
    content: [
      {
        mediaType: multipart ? 'multipart/form-data' : 'application/x-www-form-urlencoded',
        schema: { schema, source: operationPointer },
        ...(Object.keys(encoding).length > 0 ? { encoding } : {}),
        source: operationPointer,
      },
    ],
    source: operationPointer,
  };
}
