/**
 * `uniqueItems` in linear time. Ajv's own keyword compares every pair of items when they may be objects or arrays
 * (20,000 small objects take seconds), and for strings keys a plain object by item, so `"__proto__"` twice passes.
 * This one keeps a Set of the items seen: scalars as they are, objects and arrays as canonical JSON text.
 *
 * @see https://json-schema.org/draft/2020-12/json-schema-validation#section-6.4.3 (`uniqueItems`)
 * @see https://json-schema.org/draft/2020-12/json-schema-core#section-4.2.2 (instance equality)
 */
import type { ErrorObject, FuncKeywordDefinition } from 'ajv/dist/2020.js';
import { canonicalJson } from './canonical-json.js';

/** Replaces Ajv's `uniqueItems` (remove the built-in one first: `ajv.removeKeyword('uniqueItems')`). */
export function uniqueItemsKeyword(): FuncKeywordDefinition {
  // Ajv reads the errors of a `validate` keyword function from its `errors` property.
  const validate = Object.assign((schema: unknown, data: unknown): boolean => {
    validate.errors = null;
    if (schema !== true || !Array.isArray(data)) return true;
    const duplicate = firstDuplicate(data);
    if (duplicate === undefined) return true;
    const [i, j] = duplicate;
    validate.errors = [{ keyword: 'uniqueItems', params: { i, j }, message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)` }];
    return false;
  }, { errors: null as Partial<ErrorObject>[] | null });
  return { keyword: 'uniqueItems', type: 'array', schemaType: 'boolean', errors: true, validate: validate as FuncKeywordDefinition['validate'] };
}

/** The indices `[earlier, later]` of the first item equal to an earlier one, or undefined when all differ. */
export function firstDuplicate(items: readonly unknown[]): [number, number] | undefined {
  // Two sets, so that the string "[1]" and the array [1] never meet.
  const scalars = new Set<unknown>();
  const structured = new Set<string>();
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    const scalar = item === null || typeof item !== 'object';
    // SameValueZero: 0 and -0 are one number, as JSON Schema's numeric equality says.
    const key = scalar ? item : canonicalJson(item);
    const seen = scalar ? scalars : structured;
    if (seen.has(key)) return [earlierIndex(items, index, scalar, key), index];
    if (scalar) scalars.add(key);
    else structured.add(key as string);
  }
  return undefined;
}

/** The first index before `index` whose item has `key` (only run once a duplicate is known to exist). */
function earlierIndex(items: readonly unknown[], index: number, scalar: boolean, key: unknown): number {
  for (let earlier = 0; earlier < index; earlier++) {
    const item = items[earlier];
    const itemScalar = item === null || typeof item !== 'object';
    if (itemScalar === scalar && (scalar ? item === key : canonicalJson(item) === key)) return earlier;
  }
  return 0;
}

