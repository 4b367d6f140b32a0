/**
 * JSON text with object members in the order of their names (UTF-16 code units, as `<` compares), so that equal values (in any member order) have
 * one text: for comparing JSON instances (uniqueItems) and for digesting them (consent approvals). Own properties only,
 * `__proto__` included when it is one (as JSON.parse makes it); undefined members are left out and undefined items
 * are null, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
