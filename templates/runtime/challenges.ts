/**
 * `WWW-Authenticate: Bearer …` challenges (RFC 6750 §3, RFC 9728 §5.1, MCP 2025-11-25 basic/authorization).
 */

/** One auth-param; an undefined value leaves the parameter out. */
export type ChallengeParam = readonly [name: string, value: string | undefined];

/**
 * A Bearer challenge with quoted parameters in the given order. RFC 6750 §3: values are quoted-strings that may not
 * contain `"` or `\` (scope and error_description are restricted to %x20-21 / %x23-5B / %x5D-7E), so anything else is
 * replaced by a space rather than escaped: some clients parse challenges with simple regular expressions.
 */
export function bearerChallenge(params: readonly ChallengeParam[]): string {
  const parts = params.filter((param): param is readonly [string, string] => param[1] !== undefined).map(([name, value]) => `${name}="${sanitize(value)}"`);
  return parts.length ? `Bearer ${parts.join(', ')}` : 'Bearer';
}

/** The characters RFC 6750 §3 allows in a parameter value, everything else becoming a space. */
export function sanitize(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, ' ');
}

/** Scopes joined for a `scope` parameter, or undefined (parameter left out) when there are none. */
function scopeParam(scopes: readonly string[]): string | undefined {
  // Scope tokens cannot contain spaces, quotes or backslashes (RFC 6749 §3.3): a scope that does is dropped, not mangled.
  const valid = scopes.filter((scope) => /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope));
  return valid.length ? [...new Set(valid)].join(' ') : undefined;
}

/**
 * The 401 challenge (RFC 6750 §3, RFC 9728 §5.1): where the metadata is and which scopes to start with; with `error` when a token
 * was presented and failed (RFC 6750 §3.1: a request without any token gets no error code).
 */
export function unauthorizedChallenge(options: { resourceMetadataUrl: string; scopes: readonly string[]; description?: string }): string {
  return bearerChallenge([
    ['resource_metadata', options.resourceMetadataUrl],
    ['scope', scopeParam(options.scopes)],
    ['error', options.description === undefined ? undefined : 'invalid_token'],
    ['error_description', options.description],
  ]);
}

/** The 403 step-up challenge (RFC 6750 §3.1 insufficient_scope; MCP 2025-11-25 basic/authorization#scope-challenge-handling). */
export function insufficientScopeChallenge(options: { resourceMetadataUrl: string; scopes: readonly string[]; description: string }): string {
  return bearerChallenge([
    ['error', 'insufficient_scope'],
    ['scope', scopeParam(options.scopes)],
    ['resource_metadata', options.resourceMetadataUrl],
    ['error_description', options.description],
  ]);
}

/**
 * The scopes to ask for in a step-up (MCP 2025-11-25 basic/authorization "Scope challenge handling", recommended form):
 * every scope of the chosen alternative, then those the token already holds that this server uses, since v1 SDK
 * clients replace their scope set with the challenge's and would otherwise lose them.
 */
export function stepUpScopes(needed: readonly string[], granted: readonly string[], serverScopes: ReadonlySet<string>): string[] {
  return [...new Set([...needed, ...granted.filter((scope) => serverScopes.has(scope))])];
}
