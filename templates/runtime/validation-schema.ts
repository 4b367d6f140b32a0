/**
 * The copy of a tool's input schema that Ajv compiles. Ajv skips a property named `__proto__` in `properties`
 * (it guards its generated code against prototype pollution), so such a property would be neither checked nor
 * allowed by `additionalProperties: false`. The copy states it as `patternProperties: { "^__proto__$": … }`, which
 * Ajv checks on own properties like any other. The published schema (tools/list) is left as the spec wrote it.
 *
 * @see https://json-schema.org/draft/2020-12/json-schema-core#section-10.3.2 (properties, patternProperties)
 */
import type { JsonSchema } from './definition.js';

const PROTO = '__proto__';
const PROTO_PATTERN = '^__proto__$';

/** Keywords whose value is one subschema. */
const SUBSCHEMA = ['additionalProperties', 'unevaluatedProperties', 'items', 'additionalItems', 'unevaluatedItems', 'contains', 'propertyNames', 'not', 'if', 'then', 'else'];
/** Keywords whose value is an array of subschemas. */
const SUBSCHEMA_ARRAY = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
/** Keywords whose value maps names to subschemas. */
const SUBSCHEMA_MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];

/** `schema` with every `properties.__proto__` moved to `patternProperties`; the same object when it has none. */
export function ajvSchema(schema: JsonSchema): JsonSchema {
  return rewrite(schema) as JsonSchema;
}

/** Rewrites one (sub)schema, copying only what changes; data keywords (`const`, `enum`, `default`…) are not visited. */
function rewrite(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  let copy: Record<string, unknown> | undefined;
  const set = (key: string, value: unknown) => {
    if (value === schema[key]) return;
    copy ??= { ...schema };
    define(copy, key, value);
  };
  for (const key of SUBSCHEMA) if (Object.hasOwn(schema, key) && isObject(schema[key])) set(key, rewrite(schema[key]));
  for (const key of SUBSCHEMA_ARRAY) {
    const list = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (!Array.isArray(list)) continue;
    const rewritten = list.map(rewrite);
    if (rewritten.some((item, index) => item !== list[index])) set(key, rewritten);
  }
  for (const key of SUBSCHEMA_MAP) {
    const map = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (!isObject(map)) continue;
    let mapCopy: Record<string, unknown> | undefined;
    for (const [name, subschema] of Object.entries(map)) {
      const rewritten = rewrite(subschema);
      if (rewritten === subschema) continue;
      mapCopy ??= { ...map };
      define(mapCopy, name, rewritten);
    }
    if (mapCopy) set(key, mapCopy);
  }
  const properties = (copy ?? schema).properties;
  if (isObject(properties) && Object.hasOwn(properties, PROTO)) {
    const { [PROTO]: moved, ...others } = properties;
    copy ??= { ...schema };
    copy.properties = others;
    const patterns = isObject(copy.patternProperties) ? { ...copy.patternProperties } : {};
    // A pattern of the same text already there: both apply.
    patterns[PROTO_PATTERN] = Object.hasOwn(patterns, PROTO_PATTERN) ? { allOf: [patterns[PROTO_PATTERN], moved] } : moved;
    copy.patternProperties = patterns;
  }
  return copy ?? schema;
}

/** Sets an own property, also when `key` is `__proto__` (plain assignment would set the prototype instead). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
