/**
 * The one string order of generated output: UTF-16 code-unit order, what `Array.prototype.sort()` does without a
 * comparator. Never `localeCompare`: the order (and so the bytes emitted) must not depend on the machine's locale.
 * @see https://tc39.es/ecma262/#sec-islessthan
 */

/** Compares two strings by UTF-16 code units: a comparator for `sort` that orders as `sort()` does. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A comparator ordering items by the string `key` gives each, in code-unit order. */
export function byText<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => compareText(key(a), key(b));
}
