/**
 * Bearer authentication of the MCP endpoint (MCP 2025-11-25 basic/authorization#access-token-usage, RFC 6750): the
 * access token is read from the Authorization header only, verified (token-verifier.ts), and turned into the Caller;
 * a request without a valid token is refused 401 with the challenge that tells its client where to get one
 * (RFC 6750 §3, RFC 9728 §5.1), or 503 while tokens cannot be checked.
 */

import type { AuthInfo } from '@modelcontextprotocol/server';
import type { BearerRefusalReason } from './audit-reasons.js';
import { ANONYMOUS_CALLER } from './caller.js';
import type { Caller } from './caller.js';
import { unauthorizedChallenge } from './challenges.js';
import type { Refusal } from './refusal.js';
import { AuthServerUnavailableError, InvalidTokenError, RETRY_AFTER_FAILURE_MS } from './token-verifier.js';
import type { TokenVerifier } from './token-verifier.js';

/** Who calls, and the SDK's view of the token (absent with AUTH_MODE=none). */
export interface Authenticated {
  readonly caller: Caller;
  readonly authInfo?: AuthInfo;
}

/** What the Authorization header holds: a bearer token, no bearer credentials at all, or a malformed one. */
export type BearerCredentials = { readonly token: string } | { readonly missing: true } | { readonly malformed: true };

export interface BearerAuthOptions {
  readonly verifier: TokenVerifier;
  /** Where the protected resource metadata is (RFC 9728 §5.1 `resource_metadata`). */
  readonly resourceMetadataUrl: string;
  /** The `scope` of 401 challenges (OAUTH_CHALLENGE_SCOPES). */
  readonly challengeScopes: readonly string[];
}

/** Authenticates one request by its Authorization header. */
export type BearerAuth = (authorization: string | undefined) => Promise<Authenticated | Refusal<BearerRefusalReason>>;

/** RFC 6750 §2.1: `Bearer` 1*SP b64token, with b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
const BEARER_CREDENTIALS = /^\s*bearer +([A-Za-z0-9\-._~+/]+=*)\s*$/i;

/**
 * Reads the Authorization header (RFC 6750 §2.1; MCP 2025-11-25 basic/authorization#token-requirements: never the
 * query string). Another scheme counts as no bearer credentials; the bearer scheme with anything but one b64token is malformed.
 */
export function bearerCredentialsOf(header: string | undefined): BearerCredentials {
  const scheme = header === undefined ? undefined : /^\s*(\S+)/.exec(header)?.[1];
  if (scheme === undefined || scheme.toLowerCase() !== 'bearer') return { missing: true };
  const token = BEARER_CREDENTIALS.exec(header!)?.[1];
  return token === undefined ? { malformed: true } : { token };
}

/** Creates the authentication of the endpoint: the caller of a valid token, or the 401 / 503 refusal. */
export function createBearerAuth(options: BearerAuthOptions): BearerAuth {
  const { verifier, resourceMetadataUrl, challengeScopes: scopes } = options;
  return async (authorization): Promise<Authenticated | Refusal<BearerRefusalReason>> => {
    const credentials = bearerCredentialsOf(authorization);
    // RFC 6750 §3.1: a request without a bearer token gets a challenge without an error code.
    if ('missing' in credentials) {
      return { status: 401, reason: 'missing_token', message: 'Unauthorized: an access token is required', headers: { 'WWW-Authenticate': unauthorizedChallenge({ resourceMetadataUrl, scopes }) } };
    }
    try {
      if ('malformed' in credentials) throw new InvalidTokenError('malformed', 'The Authorization header is not "Bearer <token>"');
      return await verifier.verify(credentials.token);
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        const challenge = unauthorizedChallenge({ resourceMetadataUrl, scopes, description: error.description });
        return { status: 401, reason: `invalid_token:${error.reason}`, message: `Unauthorized: ${error.description}`, headers: { 'WWW-Authenticate': challenge } };
      }
      if (error instanceof AuthServerUnavailableError) {
        const retryAfter = String(RETRY_AFTER_FAILURE_MS / 1000);
        return { status: 503, reason: 'auth_server_unavailable', message: 'Service unavailable: access tokens cannot be checked right now', headers: { 'Retry-After': retryAfter } };
      }
      throw error;
    }
  };
}

/** Authentication off (AUTH_MODE=none, loopback only): every request is the anonymous caller. */
export const anonymousAuth: BearerAuth = () => Promise.resolve({ caller: ANONYMOUS_CALLER });
