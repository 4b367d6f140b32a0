/**
 * Reading a verified token's claims by path, the one rule for every setting and binding that names a claim
 * (OAUTH_ROLES_CLAIM, argument bindings): the path is tried as a literal claim name first, then as a dotted path into
 * nested objects (as Keycloak, Auth0 and Okta place roles and tenants). Own properties only, so a path such as
 * `constructor` or `__proto__` finds nothing.
 */

/** The claim at `path` in `claims`, or undefined. */
export function claimAt(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  if (!path.includes('.')) return undefined;
  return path.split('.').reduce<unknown>((node, key) => (isObject(node) && Object.hasOwn(node, key) ? node[key] : undefined), claims);
}

/** A deep-frozen copy of JSON claims: the caller is cached with its token and handed to user code, which must not change it. */
export function frozenClaims(claims: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  return deepFreeze(structuredClone(claims));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
