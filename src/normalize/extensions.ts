/**
 * Specification extensions (`x-*` keys), kept as written for later stages (e.g. `x-mcp-*` hints).
 * @see https://spec.openapis.org/oas/v3.1.0#specification-extensions
 */

/**
 * Picks the `x-*` keys of an object, in document order.
 * @see https://spec.openapis.org/oas/v3.1.0#specification-extensions
 */
export function pickExtensions(object: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => key.startsWith('x-')));
}
