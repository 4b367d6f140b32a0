/**
 * Rules for names the spec or the config gives to things the emitted server sends, matches or derives keys from:
 * scopes, security scheme names, header and cookie names, roles. Each check returns what is wrong (`contains " "
 * (a space)`, `is empty`) or undefined when the name is fine.
 */

/**
 * RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`. A scope outside it can never be granted in a
 * token's space-separated `scope`, so a tool requiring it could never be called.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function scopeNameProblem(scope: string): string | undefined {
  return problemOf(scope, (c) => c === '\x21' || (c >= '\x23' && c <= '\x5b') || (c >= '\x5d' && c <= '\x7e'));
}

/** ERR_SPEC_SCOPE_NAME's message and hint for a scope name outside RFC 6749's scope-token, or undefined. */
export function scopeNameIssue(scope: string): { message: string; hint: string } | undefined {
  const problem = scopeNameProblem(scope);
  if (problem === undefined) return undefined;
  return {
    message: `scope ${JSON.stringify(scope)} ${problem}, so no access token can carry it (RFC 6749 §3.3 scope-token)`,
    hint: 'Rename it using printable ASCII characters other than space, \'"\' and \'\\\'.',
  };
}

/** The message and hint for a role name that could never be matched, or undefined. */
export function roleNameIssue(role: string): { message: string; hint: string } | undefined {
  const problem = roleNameProblem(role);
  if (problem === undefined) return undefined;
  return {
    message: `role ${JSON.stringify(role)} ${problem}; roles arrive in a claim that may be a space- or comma-separated list, so it could never be matched`,
    hint: 'Rename it without white space, commas, control or invisible characters.',
  };
}

/**
 * The key alphabet of OpenAPI's Components Object (`^[a-zA-Z0-9\.\-_]+$`), which security scheme names become.
 * @see https://spec.openapis.org/oas/v3.1.0#fixed-fields-5 (components)
 */
export function componentKeyProblem(name: string): string | undefined {
  return problemOf(name, (c) => /^[A-Za-z0-9._-]$/.test(c));
}

/**
 * RFC 9110 §5.1: a field name is a `token` (`tchar`: letters, digits and ``!#$%&'*+-.^_`|~``).
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.6.2
 */
export function headerNameProblem(name: string): string | undefined {
  return problemOf(name, (c) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]$/.test(c));
}

/**
 * A cookie name must not end the pair or the cookie (`=`, `;`, `,`), nor contain white space, control characters
 * or anything outside printable ASCII (a Cookie header value is ASCII).
 * @see https://www.rfc-editor.org/rfc/rfc6265#section-4.1.1
 */
export function cookieNameProblem(name: string): string | undefined {
  return problemOf(name, (c) => c >= '\x21' && c <= '\x7e' && !';=,'.includes(c));
}

/** A query parameter name must not contain control characters (they cannot be written in a request line). */
export function queryNameProblem(name: string): string | undefined {
  return problemOf(name, (c) => !isControl(c));
}

/**
 * A role arrives in a claim that may be a space- or comma-separated string, so a role name must be printable, with
 * no white space, no comma and no control or invisible characters: any other role could never be matched.
 */
export function roleNameProblem(role: string): string | undefined {
  return problemOf(role, (c) => /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(c) && c !== ',');
}

/** Where a name is sent upstream; a path parameter's name is part of the path template, checked with the path. */
export type SentNameLocation = 'header' | 'query' | 'cookie';

const SENT_NAME_RULES: Readonly<Record<SentNameLocation, { check: (name: string) => string | undefined; rule: string; hint: string }>> = {
  header: {
    check: headerNameProblem,
    rule: 'an HTTP field name must be a token (RFC 9110 §5.6.2)',
    hint: "Rename it using only letters, digits and !#$%&'*+-.^_`|~.",
  },
  cookie: {
    check: cookieNameProblem,
    rule: 'a cookie name must be printable ASCII without spaces, ";", "=" or "," (RFC 6265 §4.1.1)',
    hint: 'Rename it without those characters.',
  },
  query: {
    check: queryNameProblem,
    rule: 'a query parameter name cannot contain control characters',
    hint: 'Remove the control characters from the name.',
  },
};

/** The problem of a name sent upstream as a header, cookie or query parameter (message and hint), or undefined. */
export function sentNameProblem(location: SentNameLocation, name: string, subject: string): { message: string; hint: string } | undefined {
  const rules = SENT_NAME_RULES[location];
  const problem = rules.check(name);
  return problem === undefined ? undefined : { message: `${subject} ${JSON.stringify(name)} ${problem}; ${rules.rule}`, hint: rules.hint };
}

/** `is empty`, `contains <the first character not allowed>`, or undefined. */
function problemOf(text: string, allowed: (character: string) => boolean): string | undefined {
  if (text.length === 0) return 'is empty';
  for (const character of text) if (!allowed(character)) return `contains ${describeCharacter(character)}`;
  return undefined;
}

/** True for C0 controls, DEL and C1 controls. */
function isControl(character: string): boolean {
  return /^[\u0000-\u001f\u007f-\u009f]$/.test(character);
}

/** `" " (a space)`, `U+000A (a control character)`, `"é"`, ... as a message shows it. */
export function describeCharacter(character: string): string {
  const code = `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  if (character === ' ') return '" " (a space)';
  if (isControl(character)) return `${code} (a control character)`;
  if (/^\p{White_Space}$/u.test(character)) return `${code} (a white-space character)`;
  if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(character)) return `${code} (an invisible character)`;
  return JSON.stringify(character);
}

/** Longest claim path an argument may be bound to (x-mcp-bind, the config's bind). */
export const MAX_CLAIM_PATH_LENGTH = 200;

/**
 * The message and hint for a claim path an argument cannot be bound to, or undefined. Read at run time like
 * OAUTH_ROLES_CLAIM: a literal claim name, else a dotted path into nested claims; JWT claim names (RFC 7519 §4) are
 * often URIs, so any printable ASCII is allowed, but no white space, control or invisible characters, no empty segment.
 */
export function claimPathIssue(path: unknown): { message: string; hint: string } | undefined {
  const hint = 'Name a claim of the access token, or a dotted path into nested claims, e.g. tenant or org.id.';
  if (typeof path !== 'string') return { message: `the claim path must be a string, not ${path === null ? 'null' : Array.isArray(path) ? 'a list' : typeof path}`, hint };
  if (path.length > MAX_CLAIM_PATH_LENGTH) return { message: `the claim path is ${path.length} characters long, more than ${MAX_CLAIM_PATH_LENGTH}`, hint };
  const problem = problemOf(path, (c) => c >= '\x21' && c <= '\x7e');
  if (problem !== undefined) return { message: `the claim path ${JSON.stringify(path)} ${problem}`, hint: `${hint} Use printable ASCII without spaces.` };
  if (path.split('.').some((segment) => segment === '')) return { message: `the claim path ${JSON.stringify(path)} has an empty segment`, hint: `${hint} Remove the stray ".".` };
  return undefined;
}
