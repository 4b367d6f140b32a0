/**
 * Settings of caller authorization over HTTP (the emitted server as an OAuth 2.1 resource server).
 *
 * Read once at start-up like the other settings: every missing or malformed value is a SettingError naming the
 * variable with an example, before anything listens. Pure: nothing here runs at import.
 */

import { isIP } from 'node:net';
import type { ServerDefinition } from './definition.js';
import { SettingError } from './errors.js';
import type { SettingDescription } from './settings.js';

/** Asymmetric JWS algorithms an access token may be signed with; HMAC and `none` are never accepted (RFC 9068 §4, RFC 8725 §3.1). */
export const SUPPORTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export const DEFAULT_ALGORITHMS: readonly string[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
export const DEFAULT_ROLES_CLAIM = 'roles';
export const DEFAULT_MCP_PATH = '/mcp';

/** Settings shared by both modes: where the endpoint is and who may reach it. */
interface EndpointSettings {
  /** MCP_PUBLIC_URL as given (normalized); undefined: `http://HOST:PORT/mcp` with the bound port (see publicUrlFor). */
  readonly publicUrl: string | undefined;
  /** Path of the MCP endpoint: the path of the public URL. */
  readonly path: string;
  /** Browser origins allowed besides the public URL's own (serialized origins, e.g. `https://app.example.com`). */
  readonly allowedOrigins: readonly string[];
  /** File the audit lines are appended to; undefined: stderr. */
  readonly auditLog: string | undefined;
}

export interface IntrospectionSettings {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export type AuthSettings =
  | (EndpointSettings & { readonly mode: 'none' })
  | (EndpointSettings & {
      readonly mode: 'oauth';
      readonly issuer: string;
      /** undefined: the `jwks_uri` of the issuer's metadata. */
      readonly jwksUrl: string | undefined;
      /** undefined: the public URL (MCP 2025-11-25 basic/authorization#token-audience-binding-and-validation, RFC 8707 §2). */
      readonly audience: string | undefined;
      readonly rolesClaim: string;
      readonly algorithms: readonly string[];
      readonly clockToleranceSeconds: number;
      readonly introspection: IntrospectionSettings | undefined;
      /** undefined: the server's scopes_supported. */
      readonly challengeScopes: readonly string[] | undefined;
    });

const EXAMPLES = {
  MCP_PUBLIC_URL: 'https://mcp.example.com/mcp',
  AUTH_MODE: 'none',
  OAUTH_ISSUER: 'https://auth.example.com',
  OAUTH_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
  OAUTH_AUDIENCE: 'https://mcp.example.com/mcp',
  OAUTH_ROLES_CLAIM: 'realm_access.roles',
  OAUTH_ALGORITHMS: 'RS256,ES256',
  OAUTH_CLOCK_TOLERANCE: '60',
  OAUTH_INTROSPECTION_URL: 'https://auth.example.com/oauth2/introspect',
  OAUTH_INTROSPECTION_CLIENT_ID: 'mcp-server',
  OAUTH_INTROSPECTION_CLIENT_SECRET: 'change-me',
  OAUTH_CHALLENGE_SCOPES: 'read',
  MCP_ALLOWED_ORIGINS: 'https://app.example.com,http://localhost:6274',
  AUDIT_LOG: '/var/log/mcp-audit.log',
} as const;
type Variable = keyof typeof EXAMPLES;

/** Documents the authorization settings (README, .env.example, --help). */
export function describeAuthSettings(definition?: Partial<Pick<ServerDefinition, 'scopes'>>): readonly SettingDescription[] {
  const scopes = definition?.scopes?.length ? definition.scopes.join(' ') : undefined;
  const row = (variable: Variable, fallback: string | undefined, description: string, example: string = EXAMPLES[variable]): SettingDescription => ({
    variable,
    default: fallback,
    description,
    example,
  });
  return [
    row('MCP_PUBLIC_URL', 'http://HOST:PORT/mcp', 'Canonical URL of the MCP endpoint: the resource in the metadata and the audience tokens must carry; its path is where MCP is served. Required when HOST is not a loopback address.'),
    row('AUTH_MODE', 'oauth', 'oauth (every HTTP request needs an access token), or none to turn authorization off for local development (loopback HOST only).'),
    row('OAUTH_ISSUER', undefined, 'Issuer URL of the authorization server. Required unless AUTH_MODE=none.'),
    row('OAUTH_JWKS_URL', 'jwks_uri from the issuer metadata', "URL of the authorization server's JSON Web Key Set."),
    row('OAUTH_AUDIENCE', 'MCP_PUBLIC_URL', 'Audience every access token must contain.'),
    row('OAUTH_ROLES_CLAIM', DEFAULT_ROLES_CLAIM, 'Token claim holding the roles: a claim name, or a dotted path into nested claims.'),
    row('OAUTH_ALGORITHMS', DEFAULT_ALGORITHMS.join(','), `Comma-separated JWS algorithms accepted for access tokens, of ${SUPPORTED_ALGORITHMS.join(', ')}.`),
    row('OAUTH_CLOCK_TOLERANCE', String(DEFAULT_CLOCK_TOLERANCE_SECONDS), 'Seconds of clock skew tolerated when checking exp, nbf and iat (0 to 300).'),
    row('OAUTH_INTROSPECTION_URL', undefined, 'RFC 7662 introspection endpoint for opaque (non-JWT) access tokens; without it they are refused.'),
    row('OAUTH_INTROSPECTION_CLIENT_ID', undefined, 'Client id the server authenticates to the introspection endpoint with.'),
    row('OAUTH_INTROSPECTION_CLIENT_SECRET', undefined, 'Client secret for the introspection endpoint.'),
    row('OAUTH_CHALLENGE_SCOPES', scopes ?? 'every scope the tools use', 'Space-separated scopes offered in 401 challenges.', definition?.scopes?.[0] ?? EXAMPLES.OAUTH_CHALLENGE_SCOPES),
    row('MCP_ALLOWED_ORIGINS', undefined, 'Comma-separated browser origins allowed to call the endpoint besides the origin of MCP_PUBLIC_URL.'),
    row('AUDIT_LOG', 'stderr', 'File the audit lines (one JSON object per decision) are appended to.'),
  ];
}

/** Reads the authorization settings for a server bound to `host`; throws SettingError naming the first bad variable. */
export function readAuthSettings(env: NodeJS.ProcessEnv, host: string): AuthSettings {
  const mode = readMode(env, host);
  const publicUrl = optionalUrl(env, 'MCP_PUBLIC_URL');
  if (publicUrl === undefined && mode === 'oauth' && !isLoopbackHost(host)) {
    // The default http://HOST:PORT/mcp is only right for a loopback server; anything else is reached by another name.
    throw new SettingError('MCP_PUBLIC_URL', `is required when HOST (${host}) is not a loopback address`, EXAMPLES.MCP_PUBLIC_URL);
  }
  const endpoint: EndpointSettings = {
    publicUrl,
    path: publicUrl === undefined ? DEFAULT_MCP_PATH : new URL(publicUrl).pathname,
    allowedOrigins: readOrigins(env),
    auditLog: valueOf(env, 'AUDIT_LOG'),
  };
  if (mode === 'none') return Object.freeze({ mode, ...endpoint });

  const issuer = optionalUrl(env, 'OAUTH_ISSUER', { keepAsGiven: true });
  if (issuer === undefined) throw new SettingError('OAUTH_ISSUER', 'is required (or set AUTH_MODE=none for local development)', EXAMPLES.OAUTH_ISSUER);
  return Object.freeze({
    mode,
    ...endpoint,
    issuer,
    jwksUrl: optionalUrl(env, 'OAUTH_JWKS_URL', { query: true }),
    audience: valueOf(env, 'OAUTH_AUDIENCE'),
    rolesClaim: readRolesClaim(env),
    algorithms: readAlgorithms(env),
    clockToleranceSeconds: readTolerance(env),
    introspection: readIntrospection(env),
    challengeScopes: readScopes(env),
  });
}

/** The canonical URL of the MCP endpoint once the server listens on `port` (MCP_PUBLIC_URL, else the bound address). */
export function publicUrlFor(auth: AuthSettings, host: string, port: number): string {
  if (auth.publicUrl !== undefined) return auth.publicUrl;
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}${DEFAULT_MCP_PATH}`;
}

/** Whether `host` (a name, an IP, or a bracketed IPv6) is a loopback address. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

function valueOf(env: NodeJS.ProcessEnv, variable: Variable): string | undefined {
  const value = env[variable]?.trim();
  return value ? value : undefined;
}

function readMode(env: NodeJS.ProcessEnv, host: string): 'oauth' | 'none' {
  const value = valueOf(env, 'AUTH_MODE')?.toLowerCase() ?? 'oauth';
  if (value !== 'oauth' && value !== 'none') throw new SettingError('AUTH_MODE', `"${env.AUTH_MODE}" is not oauth or none`, EXAMPLES.AUTH_MODE);
  if (value === 'none' && !isLoopbackHost(host)) {
    // MCP 2025-11-25 basic/transports#security-warning: an unauthenticated server must not be reachable from other machines.
    throw new SettingError('AUTH_MODE', `"none" is allowed only when HOST is a loopback address, not ${host}`, 'oauth');
  }
  return value;
}

/**
 * An absolute http(s) URL without credentials or fragment (nor query, unless allowed); plain http only for a loopback
 * host (MCP 2025-11-25 basic/transports#security-warning). Normalized by the URL parser unless `keepAsGiven` (the issuer is compared as an exact string).
 */
function optionalUrl(env: NodeJS.ProcessEnv, variable: Variable, options: { keepAsGiven?: boolean; query?: boolean } = {}): string | undefined {
  const value = valueOf(env, variable);
  if (value === undefined) return undefined;
  const problem = urlProblem(value, options.query ?? false);
  if (problem) throw new SettingError(variable, `"${value}" ${problem}`, EXAMPLES[variable]);
  return options.keepAsGiven ? value : new URL(value).href;
}

/** Why `value` cannot be a URL of the authorization setup, or undefined when it can. */
export function urlProblem(value: string, allowQuery = false): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'is not an https URL';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return 'must use https (plain http is accepted for loopback hosts only)';
  if (url.username || url.password) return 'must not contain a user name or password';
  // RFC 8707 §2 and RFC 8414 §2: resource and issuer identifiers carry no fragment and no query.
  if (url.hash || value.includes('#')) return 'must not contain a fragment';
  if (!allowQuery && url.search) return 'must not contain a query';
  return undefined;
}

function readOrigins(env: NodeJS.ProcessEnv): readonly string[] {
  const value = valueOf(env, 'MCP_ALLOWED_ORIGINS');
  if (value === undefined) return [];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      let url: URL | undefined;
      try {
        url = new URL(entry);
      } catch {
        url = undefined;
      }
      // An origin is scheme, host and port: nothing else may be given (a trailing "/" aside).
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin.toLowerCase() !== entry.replace(/\/$/, '').toLowerCase()) {
        throw new SettingError('MCP_ALLOWED_ORIGINS', `"${entry}" is not an origin like https://app.example.com`, EXAMPLES.MCP_ALLOWED_ORIGINS);
      }
      return url.origin;
    });
}

function readRolesClaim(env: NodeJS.ProcessEnv): string {
  const value = valueOf(env, 'OAUTH_ROLES_CLAIM') ?? DEFAULT_ROLES_CLAIM;
  if (/\s/.test(value)) throw new SettingError('OAUTH_ROLES_CLAIM', `"${value}" is not a claim name or dotted path`, EXAMPLES.OAUTH_ROLES_CLAIM);
  return value;
}

function readAlgorithms(env: NodeJS.ProcessEnv): readonly string[] {
  const value = valueOf(env, 'OAUTH_ALGORITHMS');
  if (value === undefined) return DEFAULT_ALGORITHMS;
  const algorithms = value.split(/[\s,]+/).filter(Boolean);
  for (const algorithm of algorithms) {
    // RFC 8725 §3.1: a shared-secret or unsigned algorithm next to public keys enables forgeries.
    if (/^HS/i.test(algorithm) || algorithm.toLowerCase() === 'none') {
      throw new SettingError('OAUTH_ALGORITHMS', `"${algorithm}" is refused: only asymmetric algorithms verify tokens against a public JWKS`, EXAMPLES.OAUTH_ALGORITHMS);
    }
    if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw new SettingError('OAUTH_ALGORITHMS', `"${algorithm}" is not one of ${SUPPORTED_ALGORITHMS.join(', ')}`, EXAMPLES.OAUTH_ALGORITHMS);
    }
  }
  if (algorithms.length === 0) throw new SettingError('OAUTH_ALGORITHMS', `"${value}" names no algorithm`, EXAMPLES.OAUTH_ALGORITHMS);
  return [...new Set(algorithms)];
}

function readTolerance(env: NodeJS.ProcessEnv): number {
  const value = valueOf(env, 'OAUTH_CLOCK_TOLERANCE');
  if (value === undefined) return DEFAULT_CLOCK_TOLERANCE_SECONDS;
  const seconds = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= 0 && seconds <= 300)) throw new SettingError('OAUTH_CLOCK_TOLERANCE', `"${value}" is not a whole number of seconds from 0 to 300`, EXAMPLES.OAUTH_CLOCK_TOLERANCE);
  return seconds;
}

function readIntrospection(env: NodeJS.ProcessEnv): IntrospectionSettings | undefined {
  const url = optionalUrl(env, 'OAUTH_INTROSPECTION_URL');
  const clientId = valueOf(env, 'OAUTH_INTROSPECTION_CLIENT_ID');
  const clientSecret = valueOf(env, 'OAUTH_INTROSPECTION_CLIENT_SECRET');
  if (url === undefined) {
    const stray = clientId !== undefined ? 'OAUTH_INTROSPECTION_CLIENT_ID' : clientSecret !== undefined ? 'OAUTH_INTROSPECTION_CLIENT_SECRET' : undefined;
    if (stray) throw new SettingError('OAUTH_INTROSPECTION_URL', `is required when ${stray} is set`, EXAMPLES.OAUTH_INTROSPECTION_URL);
    return undefined;
  }
  // RFC 7662 §2.1: the introspection endpoint requires the resource server to authenticate.
  if (clientId === undefined) throw new SettingError('OAUTH_INTROSPECTION_CLIENT_ID', 'is required with OAUTH_INTROSPECTION_URL', EXAMPLES.OAUTH_INTROSPECTION_CLIENT_ID);
  if (clientSecret === undefined) throw new SettingError('OAUTH_INTROSPECTION_CLIENT_SECRET', 'is required with OAUTH_INTROSPECTION_URL', EXAMPLES.OAUTH_INTROSPECTION_CLIENT_SECRET);
  return Object.freeze({ url, clientId, clientSecret });
}

function readScopes(env: NodeJS.ProcessEnv): readonly string[] | undefined {
  const value = valueOf(env, 'OAUTH_CHALLENGE_SCOPES');
  if (value === undefined) return undefined;
  const scopes = value.split(/\s+/);
  // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) — which also keeps them safe in a quoted challenge.
  const bad = scopes.find((scope) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope));
  if (bad !== undefined) throw new SettingError('OAUTH_CHALLENGE_SCOPES', `"${bad}" is not a valid scope`, EXAMPLES.OAUTH_CHALLENGE_SCOPES);
  return scopes;
}
