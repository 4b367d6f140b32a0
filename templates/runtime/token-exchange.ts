/**
 * Acting as the user upstream: the caller's access token is exchanged at an authorization server for a token issued
 * to this server for the upstream API, and only that token is sent upstream. The caller's own token never leaves the
 * server except as the subject of the exchange, in the POST to the token endpoint.
 *
 * Two kinds, chosen per security scheme by `<prefix>_EXCHANGE`:
 * - `token-exchange`: OAuth 2.0 Token Exchange (RFC 8693 §2.1), client authentication with HTTP Basic (RFC 6749 §2.3.1);
 * - `entra-obo`: the Microsoft identity platform's on-behalf-of flow (a JWT bearer grant, RFC 7523 §2.1, with
 *   `requested_token_use=on_behalf_of`), client id and secret in the body as Entra expects.
 *
 * Exchanged tokens are cached per caller token and scheme until shortly before they expire (never past the caller
 * token's own expiry), in a bounded cache keyed by a hash of the caller's token, so no caller ever gets another's.
 */

import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { PortcullisError, SettingError } from './errors.js';
import { printable } from './printable.js';
import { urlProblem } from './setting-parsers.js';
import { bearerTokenOf, clientSecretBasic, postTokenRequest, tokenErrorDetail } from './token-endpoint.js';

/** The values `<prefix>_EXCHANGE` accepts. */
export const EXCHANGE_KINDS = ['token-exchange', 'entra-obo'] as const;
export type ExchangeKind = (typeof EXCHANGE_KINDS)[number];

/** RFC 8693 §2.1 and §3: the grant type and the token type identifiers. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** RFC 7523 §2.1, as the Microsoft identity platform's on-behalf-of flow uses it. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** How one security scheme exchanges the caller's token; read from `<prefix>_*` at start. */
export interface ExchangeConfig {
  readonly scheme: string;
  readonly envPrefix: string;
  readonly kind: ExchangeKind;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** RFC 8693 §2.1 `audience` (token-exchange only). */
  readonly audience?: string | undefined;
  /** RFC 8693 §2.1 / RFC 8707 `resource`, an absolute URI (token-exchange only). */
  readonly resource?: string | undefined;
  /** Space-separated scopes asked for (RFC 6749 §3.3); required for entra-obo (e.g. `api://upstream/.default`). */
  readonly scope?: string | undefined;
}

/**
 * The caller's verified access token, with what the cache and the audit need of it. The token itself is reachable only
 * through `value`: serializing or inspecting this object (a log line, an error report) shows no token.
 */
export class CallerToken {
  readonly #value: string;

  constructor(
    value: string,
    /** The caller token's `exp`, in seconds since the epoch: no exchanged token is kept past it. */
    readonly expiresAt?: number | undefined,
    /** The caller's `sub`, recorded as the user acted for when the exchanged token is opaque. */
    readonly subject?: string | undefined,
  ) {
    this.#value = value;
  }

  /** The token, for the exchange request only. */
  get value(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[caller token]';
  }

  [inspect.custom](): string {
    return 'CallerToken [redacted]';
  }
}

/** The token endpoint refused to act for the user, or could not be reached (`retryable`). Its message names no token. */
export class ExchangeError extends PortcullisError {
  constructor(
    message: string,
    /** True when trying again later may succeed (endpoint unreachable, timed out, or a 5xx). */
    readonly retryable: boolean,
  ) {
    super('ERR_TOKEN_EXCHANGE', message);
  }
}

/** An exchanged token and the user it acts for. */
export interface ExchangedToken {
  readonly token: string;
  /** The exchanged token's `sub` when it is a JWT, else the caller's `sub`. */
  readonly onBehalfOf?: string | undefined;
}

/** RFC 6749 §3.3 scope-token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** What readExchangeSettings needs of a scheme: its name, prefix, type and (client credentials) spec defaults. */
export interface ExchangeScheme {
  readonly name: string;
  readonly envPrefix: string;
  readonly type: string;
  /** The token URL in effect (client credentials schemes: the spec's or `<prefix>_TOKEN_URL`). */
  readonly tokenUrl?: string;
  /** The scopes in effect (client credentials schemes). */
  readonly scopes?: readonly string[];
}

/** Scheme types whose upstream receives `Authorization: Bearer`, the only ones that can carry an exchanged token. */
export const EXCHANGE_SCHEME_TYPES: readonly string[] = ['bearer', 'oauth2Token', 'oauth2ClientCredentials'];

/**
 * Reads and checks `<prefix>_EXCHANGE` and its companions; undefined when the scheme does not exchange. Every
 * malformed or inconsistent value is a SettingError naming its variable, with an example.
 */
export function readExchangeSettings(scheme: ExchangeScheme, env: NodeJS.ProcessEnv): ExchangeConfig | undefined {
  const variable = (part: string) => `${scheme.envPrefix}_${part}`;
  // An empty value counts as unset, as a blank line in a .env file means "not configured".
  const value = (part: string) => env[variable(part)]?.trim() || undefined;
  const kindText = value('EXCHANGE');
  const clientCredentials = scheme.type === 'oauth2ClientCredentials';
  if (kindText === undefined) {
    // Variables that only mean something with an exchange are refused, so a forgotten EXCHANGE is not silent.
    const onlyForExchange = clientCredentials ? ['AUDIENCE', 'RESOURCE'] : EXCHANGE_SCHEME_TYPES.includes(scheme.type) ? ['TOKEN_URL', 'CLIENT_ID', 'CLIENT_SECRET', 'SCOPE', 'AUDIENCE', 'RESOURCE'] : [];
    const stray = onlyForExchange.find((part) => value(part) !== undefined);
    if (stray) throw new SettingError(variable(stray), `is only read when ${variable('EXCHANGE')} is set (security scheme "${printable(scheme.name)}")`, exampleOf(stray));
    return undefined;
  }
  if (!EXCHANGE_SCHEME_TYPES.includes(scheme.type)) {
    throw new SettingError(variable('EXCHANGE'), `security scheme "${printable(scheme.name)}" is not an OAuth 2.0, OpenID Connect or HTTP bearer scheme, so it cannot carry a token issued for the user; remove the variable`, 'token-exchange');
  }
  if (!(EXCHANGE_KINDS as readonly string[]).includes(kindText)) {
    throw new SettingError(variable('EXCHANGE'), `"${printable(kindText)}" is not one of ${EXCHANGE_KINDS.join(', ')}`, 'token-exchange');
  }
  const kind = kindText as ExchangeKind;
  if (!clientCredentials && value('TOKEN') !== undefined) {
    throw new SettingError(variable('TOKEN'), `must not be set with ${variable('EXCHANGE')}: the upstream receives the token issued for each user, never a fixed one`, '(unset)');
  }
  // The caller's token and the client secret go to the token URL: https only (plain http for loopback hosts).
  const tokenUrl = value('TOKEN_URL') ?? scheme.tokenUrl;
  if (tokenUrl === undefined) throw new SettingError(variable('TOKEN_URL'), `is required when ${variable('EXCHANGE')} is set`, exampleOf('TOKEN_URL'));
  const urlTrouble = urlProblem(tokenUrl, true);
  if (urlTrouble) throw new SettingError(variable('TOKEN_URL'), `"${printable(tokenUrl)}" ${urlTrouble}`, exampleOf('TOKEN_URL'));
  const clientId = env[variable('CLIENT_ID')] || undefined;
  const clientSecret = env[variable('CLIENT_SECRET')] || undefined;
  if (clientId === undefined) throw new SettingError(variable('CLIENT_ID'), `is required when ${variable('EXCHANGE')} is set: the server authenticates to the token endpoint as this client`, exampleOf('CLIENT_ID'));
  if (clientSecret === undefined) throw new SettingError(variable('CLIENT_SECRET'), `is required when ${variable('EXCHANGE')} is set`, exampleOf('CLIENT_SECRET'));
  for (const [part, text] of [['CLIENT_ID', clientId], ['CLIENT_SECRET', clientSecret]] as const) {
    if (/[\r\n\0]/.test(text)) throw new SettingError(variable(part), 'contains CR, LF or NUL', exampleOf(part));
  }
  const scope = value('SCOPE') ?? (clientCredentials && scheme.scopes?.length ? scheme.scopes.join(' ') : undefined);
  const badScope = scope?.split(/ +/).find((token) => !SCOPE_TOKEN.test(token));
  if (badScope !== undefined) {
    throw new SettingError(variable('SCOPE'), `"${printable(badScope)}" is not a scope token (RFC 6749 §3.3: printable ASCII without space, " and \\; scopes are separated by single spaces)`, exampleOf('SCOPE'));
  }
  const audience = value('AUDIENCE');
  if (audience !== undefined && /[\x00-\x1f\x7f]/.test(audience)) throw new SettingError(variable('AUDIENCE'), 'contains control characters', exampleOf('AUDIENCE'));
  const resource = value('RESOURCE');
  if (resource !== undefined) {
    // RFC 8707 §2: an absolute URI without a fragment.
    let problem: string | undefined;
    try {
      if (new URL(resource).hash || resource.includes('#')) problem = 'must not contain a fragment';
    } catch {
      problem = 'is not an absolute URI';
    }
    if (problem) throw new SettingError(variable('RESOURCE'), `"${printable(resource)}" ${problem} (RFC 8707 §2)`, exampleOf('RESOURCE'));
  }
  if (kind === 'entra-obo') {
    // The Microsoft identity platform names the upstream API in the scope (e.g. api://<app id>/.default).
    if (scope === undefined) throw new SettingError(variable('SCOPE'), `is required with ${variable('EXCHANGE')}=entra-obo: it names the upstream API`, 'api://upstream-app-id/.default');
    for (const part of ['AUDIENCE', 'RESOURCE'] as const) {
      if (value(part) !== undefined) throw new SettingError(variable(part), `is not used with ${variable('EXCHANGE')}=entra-obo, which names the upstream API in ${variable('SCOPE')}`, '(unset)');
    }
  }
  return { scheme: scheme.name, envPrefix: scheme.envPrefix, kind, tokenUrl: new URL(tokenUrl).href, clientId, clientSecret, audience, resource, scope };
}

/** Example values of the exchange variables, for documentation and refusals. */
export function exampleOf(part: string): string {
  switch (part) {
    case 'EXCHANGE':
      return 'token-exchange';
    case 'TOKEN_URL':
      return 'https://auth.example.com/oauth2/token';
    case 'CLIENT_ID':
      return 'your-client-id';
    case 'CLIENT_SECRET':
      return 'your-client-secret';
    case 'SCOPE':
      return 'read write';
    case 'AUDIENCE':
      return 'https://api.example.com';
    default:
      return 'https://api.example.com/';
  }
}

/** The POST to the token endpoint that exchanges `subjectToken`: form fields and headers, exactly as sent. */
export function exchangeRequest(config: ExchangeConfig, subjectToken: string): { readonly headers: Record<string, string>; readonly body: URLSearchParams } {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (config.kind === 'entra-obo') {
    // Microsoft identity platform on-behalf-of: client credentials in the body, the caller's token as the assertion.
    const body = new URLSearchParams({
      grant_type: JWT_BEARER_GRANT,
      client_id: config.clientId,
      client_secret: config.clientSecret,
      assertion: subjectToken,
      scope: config.scope!,
      requested_token_use: 'on_behalf_of',
    });
    return { headers, body };
  }
  // RFC 8693 §2.1, with RFC 6749 §2.3.1 client authentication.
  headers.authorization = clientSecretBasic(config.clientId, config.clientSecret);
  const body = new URLSearchParams({
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: subjectToken,
    subject_token_type: ACCESS_TOKEN_TYPE,
    requested_token_type: ACCESS_TOKEN_TYPE,
  });
  if (config.audience !== undefined) body.set('audience', config.audience);
  if (config.resource !== undefined) body.set('resource', config.resource);
  if (config.scope !== undefined) body.set('scope', config.scope);
  return { headers, body };
}

/** Options of createTokenExchanger; tests substitute the clock and fetch. */
export interface ExchangerOptions {
  readonly fetch?: typeof fetch | undefined;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly timeoutMs: number;
  /** Exchanged tokens kept at most (least recently used dropped first); default MAX_CACHED_TOKENS. */
  readonly maxEntries?: number;
  /**
   * Where exchanged tokens are kept when not in this process, asked at each call (the shared store is known only once
   * the server has connected to Redis): a store shared by the replicas (redis-token-cache.ts), so a user's token is
   * exchanged once for all of them. While it answers undefined: an in-memory map of at most `maxEntries`.
   */
  readonly store?: (() => ExchangedTokenStore | undefined) | undefined;
}

/** An exchanged token kept for reuse until `renewAt` (ms since the epoch). */
export interface CachedExchange {
  readonly exchanged: ExchangedToken;
  readonly renewAt: number;
}

/**
 * A shared cache of exchanged tokens, keyed by `callerTokenHash` (a SHA-256 of the caller's token, never the token).
 * It is only a cache: createTokenExchanger treats a rejection of either method as a miss and exchanges again.
 */
export interface ExchangedTokenStore {
  /** The entry kept for `callerTokenHash`, if any. */
  get(callerTokenHash: string): Promise<CachedExchange | undefined>;
  /** Keeps `entry` for `callerTokenHash` until its renewAt. */
  set(callerTokenHash: string, entry: CachedExchange): Promise<void>;
}

/** Exchanged tokens kept per scheme at most. */
export const MAX_CACHED_TOKENS = 1_000;
/** Without `expires_in` an exchanged token is reused for this long (RFC 6749 §5.1 only RECOMMENDS it). */
const DEFAULT_LIFETIME_MS = 60_000;
/** Tokens are renewed this long (at most a tenth of their lifetime) before they expire, so none expires in flight. */
const REFRESH_MARGIN_MS = 30_000;

/** Exchanges caller tokens for one scheme, with a per-caller-token cache; failures are never cached. */
export function createTokenExchanger(config: ExchangeConfig, options: ExchangerOptions): (caller: CallerToken) => Promise<ExchangedToken> {
  const maxEntries = options.maxEntries ?? MAX_CACHED_TOKENS;
  // Keyed by a hash of the caller's token: one caller's entry can be found only with that caller's token.
  const cache = new Map<string, { exchanged: ExchangedToken; renewAt: number }>();
  const inFlight = new Map<string, Promise<ExchangedToken>>();

  async function exchange(caller: CallerToken, key: string): Promise<ExchangedToken> {
    const startedAt = options.now();
    const exchanged = await requestExchange(config, caller, options);
    const lifetime = exchanged.expiresInMs ?? DEFAULT_LIFETIME_MS;
    let renewAt = startedAt + lifetime - Math.min(REFRESH_MARGIN_MS, lifetime / 10);
    // Never kept past the caller's own token: after it expires the user has to be verified again.
    if (caller.expiresAt !== undefined) renewAt = Math.min(renewAt, caller.expiresAt * 1000);
    const result: ExchangedToken = { token: exchanged.token, onBehalfOf: exchanged.subject ?? caller.subject };
    const store = options.store?.();
    if (store) {
      // A store that cannot keep it costs the next call an exchange, never this call its answer.
      if (renewAt > options.now()) await store.set(key, { exchanged: result, renewAt }).catch(() => undefined);
      return result;
    }
    if (renewAt > options.now()) {
      cache.delete(key);
      cache.set(key, { exchanged: result, renewAt });
      while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    }
    return result;
  }

  /** One exchange per caller token at a time, in this process: concurrent calls share it. */
  function exchangeOnce(caller: CallerToken, key: string): Promise<ExchangedToken> {
    let pending = inFlight.get(key);
    if (!pending) {
      pending = exchange(caller, key).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }

  /** With a shared store: its entry while it is fresh, else an exchange; a store that cannot answer is a miss. */
  async function fromStore(store: ExchangedTokenStore, caller: CallerToken, key: string): Promise<ExchangedToken> {
    const hit = await store.get(key).catch(() => undefined);
    if (hit && options.now() < hit.renewAt && (caller.expiresAt === undefined || hit.renewAt <= caller.expiresAt * 1000)) return hit.exchanged;
    return exchangeOnce(caller, key);
  }

  return (caller) => {
    const key = createHash('sha256').update(caller.value).digest('base64url');
    const store = options.store?.();
    if (store) return fromStore(store, caller, key);
    const hit = cache.get(key);
    if (hit && options.now() < hit.renewAt) {
      // Least recently used goes first: a hit moves to the end.
      cache.delete(key);
      cache.set(key, hit);
      return Promise.resolve(hit.exchanged);
    }
    if (hit) cache.delete(key);
    return exchangeOnce(caller, key);
  };
}

/** One exchange at the token endpoint; ExchangeError when it is refused or cannot be completed. */
async function requestExchange(config: ExchangeConfig, caller: CallerToken, options: ExchangerOptions): Promise<{ token: string; subject?: string; expiresInMs?: number }> {
  const { headers, body } = exchangeRequest(config, caller.value);
  const where = `the authorization server at ${printable(config.tokenUrl)}`;
  const unavailable = (problem: string) =>
    new ExchangeError(`Could not get a token to act for the user from ${where} (security scheme "${printable(config.scheme)}"): ${problem}. Try again shortly.`, true);
  const answer = await postTokenRequest(config.tokenUrl, { headers, body, timeoutMs: options.timeoutMs, fetch: options.fetch });
  if (!answer.reached) throw unavailable(answer.problem);
  const { json } = answer;
  if (answer.status >= 500 || answer.status === 429) throw unavailable(`HTTP ${answer.status}`);
  if (!answer.ok) {
    // RFC 6749 §5.2: `error` names the problem; the description is the AS's text, with the caller's token cut out.
    const detail = tokenErrorDetail(json, (item) => printable(item.split(caller.value).join('[caller token]')));
    throw new ExchangeError(
      `${where.charAt(0).toUpperCase()}${where.slice(1)} refused to act for the user upstream (security scheme "${printable(config.scheme)}"): HTTP ${answer.status}${detail ? ` (${detail})` : ''}. The upstream API would refuse this user too.`,
      false,
    );
  }
  // RFC 8693 §2.2.1: token_type is "Bearer" for an access token to be presented as one.
  const usable = bearerTokenOf(json, printable);
  if ('problem' in usable) throw unavailable(usable.problem);
  const { token } = usable;
  if (token === caller.value) throw unavailable('it returned the caller\'s own token, which is never sent upstream');
  const expiresIn = Number(json.expires_in ?? Number.NaN);
  const subject = jwtSubject(token);
  return { token, ...(subject === undefined ? {} : { subject }), ...(Number.isFinite(expiresIn) ? { expiresInMs: Math.max(0, expiresIn * 1000) } : {}) };
}

/**
 * The `sub` of a JWT, read without verifying it: only for the audit line (the token came from the configured token
 * endpoint over TLS, and the upstream verifies it). Undefined for an opaque token.
 */
function jwtSubject(token: string): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    const sub = (payload as { sub?: unknown } | null)?.sub;
    return typeof sub === 'string' ? printable(sub) : undefined;
  } catch {
    return undefined;
  }
}

