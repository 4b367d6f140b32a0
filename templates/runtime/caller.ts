/**
 * Who is calling: the one caller type of the runtime, established by the HTTP transport from the access token
 * (MCP 2025-11-25 basic/authorization#token-requirements, RFC 9068 §2.2) and handed unchanged to the decision function
 * (authorization.ts), the MCP server (mcp-server.ts) and the user's hooks (hooks.ts).
 */

/** Who is calling, as verified from the access token (over stdio or with AUTH_MODE=none: nobody in particular). */
export interface Caller {
  /** The token's `sub` (RFC 9068 §2.2, or RFC 7662 §2.2 for an introspected token). */
  readonly subject?: string | undefined;
  /** The OAuth client acting for the subject: the token's `client_id` (RFC 9068 §2.2), else its OpenID `azp`. */
  readonly clientId?: string | undefined;
  /** The scopes granted to the token (its `scope`, RFC 9068 §2.2.3, or `scp`). */
  readonly scopes: readonly string[];
  /** The roles from the token's roles claim (OAUTH_ROLES_CLAIM, RFC 9068 §2.2.3.1). */
  readonly roles: readonly string[];
  /** When the token expires, in seconds since the epoch (its `exp`). */
  readonly expiresAt?: number | undefined;
  /** Every claim of the verified token (JWT payload or RFC 7662 introspection response), deep-frozen; read by path with claimAt (claims.ts). */
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * The caller when nobody in particular calls (stdio, AUTH_MODE=none): no scopes, no roles. Frozen to the bottom, since
 * every request shares it and hooks receive it: nothing can grant it a scope at runtime.
 */
export const ANONYMOUS_CALLER: Caller = Object.freeze({ scopes: Object.freeze([]), roles: Object.freeze([]) });
