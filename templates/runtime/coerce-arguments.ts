/**
 * Scalar coercion of the arguments that travel as text: path, query, header and cookie parameters (OpenAPI 3.1
 * §4.8.12, serialized as strings by RFC 6570 expansion or as header/cookie values, RFC 9110 §5.5 / RFC 6265 §4.2).
 *
 * A client that sends `ticketId: 42` for a string path parameter, or `limit: "7"` for an integer query parameter,
 * means the same text on the wire; the value is converted before validation so the schema still judges the result.
 * Only a parameter whose schema is one scalar type (optionally with `null`) is converted, strictly: numeric strings
 * in JSON number syntax (RFC 8259 §6), `"true"`/`"false"`. Bodies, arrays, objects and unions stay exactly as sent.
 */

import type { JsonSchema, ParameterDefinition, ToolDefinition } from './definition.js';

type ScalarType = 'string' | 'integer' | 'number' | 'boolean';

const SCALAR_TYPES: readonly string[] = ['string', 'integer', 'number', 'boolean'];
/** RFC 8259 §6: a JSON number, nothing around it (no spaces, no hex, no leading `+`, no leading zeros). */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** How many `$ref`s are followed from one property schema before giving up (a cycle, or a chain too long). */
const MAX_REF_HOPS = 8;

/**
 * The tool's arguments with text parameters' scalars converted to their schema's type; `args` itself when nothing
 * changes (or it is not an object). Never mutates `args`; the copy keeps every own property, `__proto__` included.
 */
export function coerceTextArguments(tool: ToolDefinition, definitions: Readonly<Record<string, JsonSchema>>, args: unknown): unknown {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return args;
  const record = args as Record<string, unknown>;
  const converted = new Map<string, unknown>();
  for (const parameter of tool.parameters) {
    if (!Object.hasOwn(record, parameter.argument) || converted.has(parameter.argument)) continue;
    const type = scalarTypeOf(parameter, tool.inputSchema, definitions);
    if (type === undefined) continue;
    const value = record[parameter.argument];
    const coerced = coerceScalar(value, type);
    if (coerced !== value) converted.set(parameter.argument, coerced);
  }
  if (converted.size === 0) return args;
  // Object.fromEntries defines own properties, so an argument named `__proto__` stays an argument.
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [name, converted.has(name) ? converted.get(name) : value]));
}

/** `value` converted to `type` when it is the text (or the number/boolean) form of a value of that type; else `value`. */
export function coerceScalar(value: unknown, type: ScalarType): unknown {
  switch (type) {
    case 'string':
      return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' ? String(value) : value;
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'integer':
    case 'number': {
      if (typeof value !== 'string' || !JSON_NUMBER.test(value)) return value;
      const number = Number(value);
      if (!Number.isFinite(number)) return value;
      // An integer beyond 2^53 would silently become another integer: left as text, so validation refuses it.
      if (type === 'integer' && !Number.isSafeInteger(number)) return value;
      return number;
    }
  }
}

/** The single scalar type of the parameter's argument schema, or undefined when it is anything else. */
function scalarTypeOf(parameter: ParameterDefinition, inputSchema: JsonSchema, definitions: Readonly<Record<string, JsonSchema>>): ScalarType | undefined {
  // A parameter serialized as a media type (OpenAPI `content`) is not plain text.
  if (parameter.contentType !== undefined) return undefined;
  const properties = inputSchema.properties;
  if (!isRecord(properties) || !Object.hasOwn(properties, parameter.argument)) return undefined;
  const schema = resolve(properties[parameter.argument], definitions);
  if (schema === undefined) return undefined;
  // A union or a combination has more than one reading of a value: left to validation as sent.
  if (['oneOf', 'anyOf', 'allOf', 'not', 'if', '$ref'].some((keyword) => Object.hasOwn(schema, keyword))) return undefined;
  const type = Object.hasOwn(schema, 'type') ? schema.type : undefined;
  const types = Array.isArray(type) ? type.filter((name) => name !== 'null') : [type];
  const [only] = types;
  return types.length === 1 && typeof only === 'string' && SCALAR_TYPES.includes(only) ? (only as ScalarType) : undefined;
}

/** The schema, following a schema that is only a `#/$defs/<name>` reference (own definitions only, bounded hops). */
function resolve(schema: unknown, definitions: Readonly<Record<string, JsonSchema>>): JsonSchema | undefined {
  let current = schema;
  for (let hops = 0; hops <= MAX_REF_HOPS; hops++) {
    if (!isRecord(current)) return undefined;
    if (!Object.hasOwn(current, '$ref')) return current;
    // A `$ref` with sibling keywords adds constraints to the target: not a plain scalar, left as sent.
    if (Object.keys(current).some((key) => key !== '$ref' && !ANNOTATIONS.has(key))) return undefined;
    const name = definitionName(current.$ref);
    if (name === undefined || !Object.hasOwn(definitions, name)) return undefined;
    current = definitions[name];
  }
  return undefined;
}

/** Keywords that do not constrain a value (JSON Schema 2020-12 meta-data vocabulary, §9). */
const ANNOTATIONS = new Set(['description', 'title', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', '$comment']);

/** The definition named by `#/$defs/<name>` (RFC 6901 unescaped), or undefined for any other reference. */
function definitionName(ref: unknown): string | undefined {
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return undefined;
  const token = ref.slice('#/$defs/'.length);
  if (token.includes('/')) return undefined;
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
