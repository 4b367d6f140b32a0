/**
 * Verifies access tokens (RFC 9068 §4, RFC 8725 §3.1): JWTs against the authorization server's JWKS, opaque tokens by RFC 7662
 * introspection when configured. Everything slow happens once: discovery of the JWKS URL on first use (cached, a
 * failure retried after a pause), keys cached by jose; a warm verification is one signature check.
 */

import { createHash } from 'node:crypto';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify } from 'jose';
import type { FetchImplementation, JWTPayload } from 'jose';
import type { TokenRejection } from './audit-reasons.js';
import type { IntrospectionSettings } from './auth-settings.js';
import { urlProblem } from './auth-settings.js';
import type { Caller } from './caller.js';
import { claimAt, frozenClaims } from './claims.js';
import { PortcullisError } from './errors.js';
import type { Log } from './settings.js';
import { clientSecretBasic } from './token-endpoint.js';

/** After a JWKS fetch, an unknown `kid` may refetch only this much later (key rotation without hammering the AS). */
export const JWKS_COOLDOWN_MS = 30_000;
/** Keys are refetched when older than this, so a key removed from the JWKS stops being trusted. */
export const JWKS_MAX_AGE_MS = 600_000;
/** After a failed discovery or JWKS fetch, the next attempt waits this long (a down AS is not hammered either). */
export const RETRY_AFTER_FAILURE_MS = 10_000;
/** Positive introspection results are reused this long at most (and never past the token's exp). */
export const INTROSPECTION_CACHE_MS = 60_000;
/** Readiness probes reach the authorization server at most this often; in between the last answer is reused. */
export const READINESS_RECHECK_MS = 5_000;
const INTROSPECTION_CACHE_ENTRIES = 10_000;
/** A verified JWT's result is reused this long at most (and never past the token's exp). */
export const JWT_CACHE_MS = 60_000;
const JWT_CACHE_ENTRIES = 10_000;
const FETCH_TIMEOUT_MS = 5_000;

/** The token was presented but is not acceptable: 401 with `error="invalid_token"`. */
export class InvalidTokenError extends PortcullisError {
  constructor(
    /** Why, for the audit (`invalid_token:<reason>`, audit-reasons.ts), e.g. `expired`, `audience`, `signature`. */
    readonly reason: TokenRejection,
    /** Caller-facing `error_description`. */
    readonly description: string,
  ) {
    super('ERR_INVALID_TOKEN', description);
  }
}

/** Tokens cannot be checked right now (the authorization server's metadata, keys or introspection failed): 503. */
export class AuthServerUnavailableError extends PortcullisError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_AUTH_SERVER_UNAVAILABLE', message, options);
  }
}

export interface TokenVerifierOptions {
  readonly issuer: string;
  /** The audience every token must contain (MCP 2025-11-25 basic/authorization#token-audience-binding-and-validation, RFC 8707 §2: the canonical URL of the MCP endpoint). */
  readonly audience: string;
  /** Skips discovery when set. */
  readonly jwksUrl?: string | undefined;
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
  readonly rolesClaim: string;
  readonly introspection?: IntrospectionSettings | undefined;
  /** Reported as AuthInfo.resource. */
  readonly resource?: string;
  /** Milliseconds since the epoch used for exp/nbf/iat (tests freeze it); default Date.now. */
  readonly now?: () => number;
  /** Used for discovery, JWKS and introspection; default the global fetch. */
  readonly fetch?: typeof fetch;
  readonly log?: Log;
  /** Told the outcome of every JWKS fetch (a key refresh), for the metrics: `ok` for a 200 answer, else `error`. */
  readonly onJwksFetch?: (outcome: 'ok' | 'error') => void;
}

export interface VerifiedToken {
  readonly caller: Caller;
  /** What the SDK's transport takes as `req.auth` (and hands to request handlers as `extra.authInfo`). */
  readonly authInfo: AuthInfo;
}

export interface TokenVerifier {
  /** Resolves with the caller, or rejects with InvalidTokenError or AuthServerUnavailableError. */
  verify(token: string): Promise<VerifiedToken>;
  /**
   * Whether tokens can be checked now: the authorization server's metadata was discovered (the same cached discovery
   * verify uses) and its JWKS answers. Reaches the network at most once per READINESS_RECHECK_MS, however often asked.
   */
  ready(): Promise<boolean>;
}

/** Creates a verifier; nothing is fetched until the first token arrives. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now;
  const fetchImpl = options.fetch ?? fetch;
  const log = options.log ?? (() => undefined);
  const introspect = options.introspection ? createIntrospector(options.introspection, options, fetchImpl, now) : undefined;

  let keys: Promise<RemoteKeySet> | undefined;
  let readiness: { at: number; ready: Promise<boolean> } | undefined;
  let keysFailedAt = -Infinity;
  let jwksFailedAt = -Infinity;

  // Failed JWKS fetches are rate-limited too: jose's cooldown only starts after a successful one.
  const guardedFetch: FetchImplementation = async (url, init) => {
    if (Date.now() - jwksFailedAt < RETRY_AFTER_FAILURE_MS) throw new AuthServerUnavailableError('the JWKS could not be fetched recently; retrying shortly');
    try {
      const response = await fetchImpl(url, init);
      if (response.status !== 200) jwksFailedAt = Date.now();
      options.onJwksFetch?.(response.status === 200 ? 'ok' : 'error');
      return response;
    } catch (error) {
      jwksFailedAt = Date.now();
      options.onJwksFetch?.('error');
      throw error;
    }
  };

  /** The key resolver, created once: discovery happens on first use, never per request. */
  function keyResolver(): Promise<RemoteKeySet> {
    if (keys) return keys;
    if (Date.now() - keysFailedAt < RETRY_AFTER_FAILURE_MS) {
      return Promise.reject(new AuthServerUnavailableError('the authorization server metadata could not be loaded; retrying shortly'));
    }
    const pending = (options.jwksUrl !== undefined ? Promise.resolve(options.jwksUrl) : discoverJwksUri(options.issuer, fetchImpl)).then((url) =>
      createRemoteJWKSet(new URL(url), {
        // Cached keys (RFC 7517 key rotation); an unknown kid refetches at most once per cooldown (jose measures it with Date.now).
        cooldownDuration: JWKS_COOLDOWN_MS,
        cacheMaxAge: JWKS_MAX_AGE_MS,
        timeoutDuration: FETCH_TIMEOUT_MS,
        [customFetch]: guardedFetch,
      }),
    );
    keys = pending;
    // A failed discovery is not cached: the next request after the pause tries again.
    pending.catch((error: unknown) => {
      if (keys === pending) keys = undefined;
      keysFailedAt = Date.now();
      log('warn', `authorization server discovery failed: ${(error as Error).message}`);
    });
    return pending;
  }

  async function verifyJwt(token: string): Promise<VerifiedToken> {
    let payload: JWTPayload;
    let typ: unknown;
    try {
      // The resolver uses only the header's alg and kid: jwk, jku, x5u and x5c are never looked at, let alone fetched.
      const result = await jwtVerify(token, await keyResolver(), {
        issuer: options.issuer,
        algorithms: [...options.algorithms],
        clockTolerance: options.clockToleranceSeconds,
        // The SDK refuses tokens without expiry (AuthInfo.expiresAt); RFC 9068 §2.2 makes exp required.
        requiredClaims: ['exp'],
        currentDate: new Date(now()),
      });
      payload = result.payload;
      typ = result.protectedHeader.typ;
    } catch (error) {
      throw classify(error, log);
    }
    // RFC 9068 §2.1 asks for `at+jwt`; plain `JWT` (or none) is what many providers still send, so it is accepted too.
    // Any other type (an ID token, a logout token…) is not an access token.
    const type = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined;
    if (typ !== undefined && type !== 'at+jwt' && type !== 'jwt') throw new InvalidTokenError('type', 'The token is not an access token');
    checkClaims(payload, options, now());
    return verified(token, payload, options);
  }

  /**
   * Successful JWT verifications, keyed by the sha256 of the whole token (signature included), so only the very same
   * token string can hit: a token differing in any byte — another signature, a tampered payload — misses and is
   * verified in full. Why this keeps RFC 9068 §4: the cached value is what a full verification of that exact token
   * concluded (signature, issuer, audience, algorithm, type, nbf/iat), and none of those depends on the time except
   * the time-bound claims, which are re-checked on every hit: an entry is used only while `verifiedAt <= now < until`,
   * with `until = min(exp, verifiedAt + JWT_CACHE_MS)`. So an expired token is never accepted from the cache (it is
   * dropped and verified again, which rejects it), a clock that went backwards (below the moment nbf/iat were checked)
   * misses too, and a key removed from the JWKS stops vouching for tokens after JWT_CACHE_MS at most (jose itself
   * caches the keys for JWKS_MAX_AGE_MS). Failures are never cached. Bounded: the oldest entry is evicted past
   * JWT_CACHE_ENTRIES. The cache holds hashes, not tokens (the results carry the token only as AuthInfo.token).
   */
  const jwtCache = new Map<string, { result: VerifiedToken; verifiedAt: number; until: number }>();

  async function verifyJwtCached(token: string): Promise<VerifiedToken> {
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = jwtCache.get(key);
    if (hit) {
      const nowMs = now();
      if (nowMs >= hit.verifiedAt && nowMs < hit.until) return hit.result;
      jwtCache.delete(key);
    }
    const result = await verifyJwt(token);
    // Read after the checks, so a hit (now >= verifiedAt) is never earlier than the moment nbf and iat were checked.
    const verifiedAt = now();
    const exp = result.caller.expiresAt;
    if (typeof exp === 'number' && Number.isFinite(exp)) {
      if (jwtCache.size >= JWT_CACHE_ENTRIES) jwtCache.delete(jwtCache.keys().next().value!);
      jwtCache.set(key, { result, verifiedAt, until: Math.min(exp * 1000, verifiedAt + JWT_CACHE_MS) });
    }
    return result;
  }

  /** Discovery (cached as for verify), then one JWKS fetch through the same rate-limited fetch. */
  async function checkReady(): Promise<boolean> {
    try {
      const keySet = await keyResolver();
      await keySet.reload();
      return true;
    } catch (error) {
      log('warn', `not ready: ${(error as Error).message}`);
      return false;
    }
  }

  return {
    ready() {
      if (!readiness || Date.now() - readiness.at >= READINESS_RECHECK_MS) readiness = { at: Date.now(), ready: checkReady() };
      return readiness.ready;
    },
    verify(token) {
      if (looksLikeJwt(token)) return verifyJwtCached(token);
      if (introspect) return introspect(token);
      return Promise.reject(new InvalidTokenError('not_a_jwt', 'The access token is not a JWT and this server cannot introspect tokens'));
    },
  };
}

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

/** Whether the token is a compact JWS with a parseable header (anything else is treated as opaque). */
function looksLikeJwt(token: string): boolean {
  if (token.split('.').length !== 3) return false;
  try {
    decodeProtectedHeader(token);
    return true;
  } catch {
    return false;
  }
}

/** Maps a jose failure to a 401 reason, or to unavailability when the fault is not the token's. */
function classify(error: unknown, log: Log): Error {
  if (error instanceof AuthServerUnavailableError) return error;
  const code = (error as { code?: unknown }).code;
  const claim = (error as { claim?: unknown }).claim;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return new InvalidTokenError('expired', 'The access token has expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'nbf') return new InvalidTokenError('not_yet_valid', 'The access token is not valid yet');
      if (claim === 'iss') return new InvalidTokenError('issuer', 'The access token was issued by another authorization server');
      if (claim === 'exp') return new InvalidTokenError('missing_exp', 'The access token has no expiry');
      return new InvalidTokenError('claims', 'The access token has invalid claims');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new InvalidTokenError('algorithm', 'The access token is signed with an algorithm this server does not accept');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new InvalidTokenError('signature', 'The access token signature is invalid');
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return new InvalidTokenError('unknown_key', 'The access token is signed with an unknown key');
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return new InvalidTokenError('malformed', 'The access token is malformed');
  }
  // JWKS unreachable, malformed or timed out: the token may well be fine.
  log('warn', `cannot verify access tokens: ${(error as Error).message}`);
  return new AuthServerUnavailableError(`cannot verify access tokens: ${(error as Error).message}`, { cause: error });
}

/** Audience (RFC 8707 §2) and iat (jose checks iat only with maxTokenAge), after the signature. */
function checkClaims(claims: JWTPayload, options: TokenVerifierOptions, nowMs: number): void {
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!audiences.some((audience) => typeof audience === 'string' && sameAudience(audience, options.audience))) {
    throw new InvalidTokenError('audience', 'The access token is not meant for this server');
  }
  const tolerance = options.clockToleranceSeconds;
  if (typeof claims.iat === 'number' && claims.iat > nowMs / 1000 + tolerance) throw new InvalidTokenError('not_yet_valid', 'The access token is not valid yet');
}

/**
 * Whether two audience values name the same resource: equal once scheme and host are lower-cased and one trailing
 * slash is dropped (MCP 2025-11-25 basic/authorization#token-audience-binding-and-validation, RFC 8707 §2). Never by prefix: `https://mcp.example.com/mcp-admin` is not `…/mcp`.
 */
export function sameAudience(a: string, b: string): boolean {
  return comparableAudience(a) === comparableAudience(b);
}

function comparableAudience(value: string): string {
  const parts = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/s.exec(value);
  const text = parts ? `${parts[1]!.toLowerCase()}${parts[2]!.toLowerCase()}${parts[3]}` : value;
  return text.endsWith('/') ? text.slice(0, -1) : text;
}

/** Scopes from `scope` (space-separated, RFC 9068 §2.2.3) or else `scp` (array or string). */
export function scopesFrom(claims: Record<string, unknown>): string[] {
  const value = typeof claims.scope === 'string' ? claims.scope : claims.scp;
  return listOf(value, /\s+/);
}

/** Roles from the claim `path`: tried as a literal claim name first, then as a dotted path (as Keycloak, Auth0 and Okta place them). */
export function rolesFrom(claims: Record<string, unknown>, path: string): string[] {
  return listOf(claimAt(claims, path), /[\s,]+/);
}

/** An array's strings, or a string split at `separator`; anything else is no entries. */
function listOf(value: unknown, separator: RegExp): string[] {
  if (Array.isArray(value)) return value.filter((entry): entry is string => typeof entry === 'string' && entry !== '');
  if (typeof value === 'string') return value.split(separator).filter(Boolean);
  return [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The caller and the SDK's AuthInfo for verified claims. */
function verified(token: string, claims: Record<string, unknown>, options: TokenVerifierOptions): VerifiedToken {
  const subject = typeof claims.sub === 'string' ? claims.sub : undefined;
  // RFC 9068 §2.2 client_id; OpenID-style providers put the client in azp.
  const clientId = typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : undefined;
  const scopes = scopesFrom(claims);
  const roles = rolesFrom(claims, options.rolesClaim);
  const expiresAt = claims.exp as number;
  // Frozen through: the caller is cached with the token and handed to the user's hooks, which must not widen it.
  const caller: Caller = Object.freeze({ subject, clientId, scopes: Object.freeze(scopes), roles: Object.freeze(roles), expiresAt, claims: frozenClaims(claims) });
  const authInfo: AuthInfo = {
    token,
    clientId: clientId ?? '',
    scopes,
    expiresAt,
    ...(options.resource ? { resource: new URL(options.resource) } : {}),
    extra: { subject, roles },
  };
  return { caller, authInfo };
}

/**
 * The URLs of the issuer's metadata, in the order MCP 2025-11-25 basic/authorization ("Authorization Server Metadata
 * Discovery") tries them: RFC 8414 §3.1 with path insertion, then OpenID Connect Discovery (inserted, then appended).
 */
export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  // RFC 8414 §3.1: a terminating slash after the host (or path) is removed before the well-known suffix is inserted.
  const path = url.pathname.replace(/\/$/, '');
  if (!path) return [`${url.origin}/.well-known/oauth-authorization-server`, `${url.origin}/.well-known/openid-configuration`];
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

/** The `jwks_uri` of the first metadata document that is valid for `issuer`. */
async function discoverJwksUri(issuer: string, fetchImpl: typeof fetch): Promise<string> {
  const failures: string[] = [];
  for (const url of discoveryUrls(issuer)) {
    try {
      const response = await fetchImpl(url, { headers: { accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (response.status !== 200) {
        await response.body?.cancel();
        failures.push(`${url}: HTTP ${response.status}`);
        continue;
      }
      const metadata = (await response.json()) as unknown;
      // RFC 8414 §3.3, OpenID Discovery §4.3: the document must name exactly the issuer it was fetched for.
      if (!isObject(metadata) || metadata.issuer !== issuer) {
        failures.push(`${url}: issuer is not ${issuer}`);
        continue;
      }
      const jwksUri = metadata.jwks_uri;
      const problem = typeof jwksUri === 'string' ? urlProblem(jwksUri, true) : 'is missing';
      if (problem) {
        failures.push(`${url}: jwks_uri ${problem}`);
        continue;
      }
      return jwksUri as string;
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
    }
  }
  throw new AuthServerUnavailableError(`no usable metadata for ${issuer} (${failures.join('; ')})`);
}

/** RFC 7662 introspection of opaque tokens, with active results cached briefly (bounded by their exp). */
function createIntrospector(settings: IntrospectionSettings, options: TokenVerifierOptions, fetchImpl: typeof fetch, now: () => number) {
  const cache = new Map<string, { result: VerifiedToken; until: number }>();
  const authorization = clientSecretBasic(settings.clientId, settings.clientSecret);

  return async (token: string): Promise<VerifiedToken> => {
    // Keyed by a hash: the cache holds no tokens of its own.
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit.result;
    if (hit) cache.delete(key);

    let claims: unknown;
    try {
      const response = await fetchImpl(settings.url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        // Never follow a redirect with the server's credentials and a caller's token in hand.
        redirect: 'manual',
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status}`);
      }
      claims = await response.json();
    } catch (error) {
      throw new AuthServerUnavailableError(`token introspection failed: ${(error as Error).message}`);
    }
    // RFC 7662 §2.2: anything but `active: true` is an inactive token, with nothing else to learn.
    if (!isObject(claims) || claims.active !== true) throw new InvalidTokenError('inactive', 'The access token is not active');
    if (claims.iss !== undefined && claims.iss !== options.issuer) throw new InvalidTokenError('issuer', 'The access token was issued by another authorization server');
    if (typeof claims.exp !== 'number') throw new InvalidTokenError('missing_exp', 'The access token has no expiry');
    const nowMs = now();
    const tolerance = options.clockToleranceSeconds;
    if (claims.exp <= nowMs / 1000 - tolerance) throw new InvalidTokenError('expired', 'The access token has expired');
    if (typeof claims.nbf === 'number' && claims.nbf > nowMs / 1000 + tolerance) throw new InvalidTokenError('not_yet_valid', 'The access token is not valid yet');
    checkClaims(claims as JWTPayload, options, nowMs);

    const result = verified(token, claims, options);
    if (cache.size >= INTROSPECTION_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, { result, until: Math.min(nowMs + INTROSPECTION_CACHE_MS, claims.exp * 1000) });
    return result;
  };
}
