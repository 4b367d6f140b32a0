/**
 * Dictionaries keyed by names written in the spec or the config. Such a name may be `__proto__`, `constructor` or
 * `toString` (all legal in OpenAPI): a plain object would inherit those keys from Object.prototype, and assigning
 * `__proto__` would replace its prototype instead of adding an entry. So every such dictionary has no prototype, and
 * every lookup asks for an own property.
 * @see https://tc39.es/ecma262/#sec-object.prototype.__proto__
 */

/** An empty dictionary without a prototype: no inherited keys, and `__proto__` is an ordinary key. */
export function dictionary<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The entry named `key` when the record has it as an own property (never an inherited one), else undefined. */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Adds an own, enumerable entry even to a plain object and even when the key is `__proto__`. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
