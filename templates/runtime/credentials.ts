/**
 * The server's own credentials for the upstream API, one set per security scheme of the spec, read from environment
 * variables named `<envPrefix>_<PART>`. Secret values are never logged or put in messages; only variable names are.
 * A bearer-carrying scheme may instead act for the user (`<envPrefix>_EXCHANGE`, token-exchange.ts): each caller's
 * token is exchanged for one issued for the upstream API.
 */
import type { ToolDefinition, UpstreamSchemeDefinition } from './definition.js';
import { PortcullisError, SettingError } from './errors.js';
import { encodeStrict } from './request.js';
import type { UpstreamRequest } from './request.js';
import type { SettingRow } from './setting-definitions.js';
import { urlProblem } from './setting-parsers.js';
import { printable } from './printable.js';
import { bearerTokenOf, clientSecretBasic, postTokenRequest, tokenErrorDetail } from './token-endpoint.js';
import { createTokenExchanger, EXCHANGE_KINDS, EXCHANGE_SCHEME_TYPES, exampleOf, ExchangeError, readExchangeSettings } from './token-exchange.js';
import type { CallerToken, ExchangeConfig, ExchangedTokenStore } from './token-exchange.js';

/**
 * One environment variable the server reads for its upstream credentials: a row of the settings list (README,
 * .env.example, --help, --print-config, Kubernetes objects) with the security scheme it belongs to. `secret` marks
 * the credentials themselves (Secret, redacted); a token URL or scope override is not one (ConfigMap, printed).
 */
export interface UpstreamVariable extends SettingRow {
  readonly scheme: string;
}

/** What `apply` did for one call: the variables whose credentials were sent, or the ones to set. */
export type CredentialUse =
  /** The operation needs no credentials (or an empty alternative allows none). */
  | { readonly kind: 'none' }
  | {
      readonly kind: 'sent';
      readonly variables: readonly string[];
      readonly schemes: readonly string[];
      /** Set when a token exchanged for the caller was sent: the user acted for (exchanged token's `sub`, else the caller's). */
      readonly exchanged?: { readonly onBehalfOf?: string | undefined };
    }
  /** Sent without credentials: setting `variables` would make calls carry the server's. */
  | { readonly kind: 'missing'; readonly variables: readonly string[]; readonly schemes: readonly string[] };

/** Tools that call the API without credentials because `variables` are not set. */
export interface MissingCredentials {
  readonly variables: readonly string[];
  readonly schemes: readonly string[];
  readonly tools: readonly string[];
}

/** Credentials loaded at start-up; `apply` adds them to a built request. */
export interface UpstreamCredentials {
  /** Names of the security schemes whose variables are all set. */
  readonly configuredSchemes: readonly string[];
  /** Names of the security schemes that act for the user (`<prefix>_EXCHANGE` set): they need the caller's token. */
  readonly exchangingSchemes: readonly string[];
  /**
   * Adds the first satisfiable alternative of `tool.upstreamSecurity`, overriding same-named argument values. When
   * none is configured the request goes without credentials (the upstream decides) and the result names what to set.
   * A scheme that exchanges tokens needs `caller`, the caller's verified token (HTTP only); without it the call is
   * refused with an ExchangeError.
   */
  apply(tool: ToolDefinition, request: UpstreamRequest, caller?: CallerToken): Promise<CredentialUse>;
  /** The tools whose calls would go without credentials, grouped by the variables to set (in tool order). */
  missing(tools: readonly ToolDefinition[]): MissingCredentials[];
  /**
   * From now on keeps the tokens exchanged for users in the store `storeFor` gives for each scheme (shared by the
   * replicas, redis-token-cache.ts) instead of this process's memory.
   */
  shareExchangedTokens(storeFor: (scheme: string) => ExchangedTokenStore): void;
}

/** Options of loadUpstreamCredentials; tests substitute the clock. */
export interface CredentialOptions {
  /** Milliseconds since the epoch (default Date.now). */
  readonly now?: () => number;
  /** How long to wait for the token endpoint (default 10 s). */
  readonly tokenTimeoutMs?: number;
}

/** The server could not authenticate to the upstream API although configured (token endpoint failed, scheme unsupported). */
export class UpstreamAuthenticationError extends PortcullisError {
  constructor(message: string) {
    super('ERR_UPSTREAM_AUTHENTICATION', message);
  }
}

type Part = 'API_KEY' | 'TOKEN' | 'USERNAME' | 'PASSWORD' | 'CLIENT_ID' | 'CLIENT_SECRET' | 'TOKEN_URL' | 'SCOPE' | 'EXCHANGE' | 'AUDIENCE' | 'RESOURCE';
/** `exchange`: read only when the scheme acts for the user (`<prefix>_EXCHANGE`), never one of its own credentials. */
type VariableSpec = { part: Part; description: string; example: string; secret: boolean; default?: string | undefined; exchange?: true };
/** The client credentials grant with the token URL and scopes in effect (the spec's, or the operator's overrides). */
type ClientCredentialsScheme = Extract<UpstreamSchemeDefinition, { type: 'oauth2ClientCredentials' }>;
/** Adds a scheme's credentials; an exchanging scheme resolves with the user it acted for. */
type Apply = (request: UpstreamRequest, caller: CallerToken | undefined) => void | Promise<void | { readonly onBehalfOf?: string | undefined }>;

/** Without `expires_in` (RFC 6749 §5.1 only RECOMMENDS it) a token is reused for this long. */
const DEFAULT_TOKEN_LIFETIME_MS = 60_000;
/** Tokens are renewed this long (at most) before they expire, so that none expires in flight. */
const REFRESH_MARGIN_MS = 30_000;

/** The variables each scheme type reads: its credentials, then the ones of acting for the user where it can. */
function variablesOf(scheme: UpstreamSchemeDefinition): VariableSpec[] {
  return [...credentialVariablesOf(scheme), ...exchangeVariablesOf(scheme)];
}

/**
 * The variables of acting for the user (token-exchange.ts), for schemes whose upstream receives a bearer token. A
 * client credentials scheme shares its client id, secret, token URL and scope with the exchange.
 */
function exchangeVariablesOf(scheme: UpstreamSchemeDefinition): VariableSpec[] {
  if (!EXCHANGE_SCHEME_TYPES.includes(scheme.type)) return [];
  const name = `security scheme "${printable(scheme.name)}"`;
  const row = (part: Part, secret: boolean, description: string): VariableSpec => ({ part, secret, description, example: exampleOf(part), exchange: true });
  const rows = [
    row('EXCHANGE', false, `Act for the user upstream with ${name}: "token-exchange" (RFC 8693) or "entra-obo" (Microsoft on-behalf-of) exchanges each caller's access token at ${scheme.envPrefix}_TOKEN_URL for a token for the upstream API (HTTP only; the caller's token is never sent upstream). One of ${EXCHANGE_KINDS.join(', ')}.`),
  ];
  if (scheme.type !== 'oauth2ClientCredentials') {
    rows.push(
      row('TOKEN_URL', false, `Token endpoint exchanging the caller's token for ${name} (https; http only for loopback hosts); required with ${scheme.envPrefix}_EXCHANGE.`),
      row('CLIENT_ID', true, `OAuth 2.0 client ID this server authenticates with at ${scheme.envPrefix}_TOKEN_URL (${name}); required with ${scheme.envPrefix}_EXCHANGE.`),
      row('CLIENT_SECRET', true, `OAuth 2.0 client secret for ${scheme.envPrefix}_CLIENT_ID (${name}); required with ${scheme.envPrefix}_EXCHANGE.`),
      row('SCOPE', false, `Scopes asked for in the exchange for ${name}, space-separated (RFC 6749 §3.3); required with entra-obo (e.g. api://<app id>/.default).`),
    );
  }
  rows.push(
    row('AUDIENCE', false, `RFC 8693 "audience" asked for in the exchange for ${name}: the upstream API's name at the authorization server (token-exchange only).`),
    row('RESOURCE', false, `RFC 8693 / RFC 8707 "resource" asked for in the exchange for ${name}: the upstream API's absolute URI (token-exchange only).`),
  );
  return rows;
}

/** The credential variables each scheme type reads, with descriptions and example values; `unsupported` reads none. */
function credentialVariablesOf(scheme: UpstreamSchemeDefinition): VariableSpec[] {
  const name = `security scheme "${printable(scheme.name)}"`;
  const secret = (part: Part, example: string, description: string): VariableSpec => ({ part, example, description, secret: true });
  switch (scheme.type) {
    case 'apiKey':
      return [secret('API_KEY', 'your-api-key', `API key for ${name}, sent as the ${scheme.in === 'header' ? 'header' : scheme.in === 'query' ? 'query parameter' : 'cookie'} "${printable(scheme.parameterName)}".`)];
    case 'bearer':
      return [secret('TOKEN', 'your-access-token', `Bearer token for ${name}, sent as "Authorization: Bearer".`)];
    case 'oauth2Token':
      return [secret('TOKEN', 'your-access-token', `OAuth 2.0 access token for ${name}, sent as "Authorization: Bearer".`)];
    case 'basic':
      return [
        secret('USERNAME', 'your-username', `User name for HTTP Basic authentication (${name}).`),
        secret('PASSWORD', 'your-password', `Password for HTTP Basic authentication (${name}).`),
      ];
    case 'oauth2ClientCredentials':
      return [
        secret('CLIENT_ID', 'your-client-id', `OAuth 2.0 client ID for ${name}; access tokens come from ${printable(scheme.tokenUrl)} (client credentials grant).`),
        secret('CLIENT_SECRET', 'your-client-secret', `OAuth 2.0 client secret for ${name}.`),
        {
          part: 'TOKEN_URL',
          example: 'https://auth.example.com/oauth2/token',
          secret: false,
          default: printable(scheme.tokenUrl),
          description: `Token endpoint for ${name}, instead of the spec's ${printable(scheme.tokenUrl)} (https; http only for loopback hosts).`,
        },
        {
          part: 'SCOPE',
          example: 'read write',
          secret: false,
          default: scheme.scopes.length ? printable(scheme.scopes.join(' ')) : undefined,
          description: `Scopes asked for with ${name}, space-separated (RFC 6749 §3.3), instead of the spec's${scheme.scopes.length ? ` "${printable(scheme.scopes.join(' '))}"` : ' (none)'}.`,
        },
      ];
    case 'unsupported':
      return [];
  }
}

/** Lists every upstream credential variable of the spec's schemes as setting rows; pure, shared by the generator and the server. */
export function describeUpstreamVariables(schemes: Readonly<Record<string, UpstreamSchemeDefinition>>): UpstreamVariable[] {
  return Object.values(schemes).flatMap((scheme) => variablesOf(scheme).map(({ part, description, example, secret, default: fallback }) => ({
    variable: `${scheme.envPrefix}_${part}`,
    scheme: scheme.name,
    description,
    default: fallback,
    example,
    secret,
    // The server calls the API with its own credentials over either transport.
    transport: 'both' as const,
  })));
}

/** Reads the credentials of every scheme from `env`; throws SettingError when a scheme is only partly configured. */
export function loadUpstreamCredentials(
  schemes: Readonly<Record<string, UpstreamSchemeDefinition>>,
  env: NodeJS.ProcessEnv,
  fetchImpl?: typeof fetch,
  options: CredentialOptions = {},
): UpstreamCredentials {
  const appliers = new Map<string, Apply>();
  const exchanges = new Map<string, ExchangeConfig>();
  // Stores of exchanged tokens shared by the replicas, per scheme; set once the server has connected to Redis.
  const sharedStores = new Map<string, ExchangedTokenStore>();
  const applierOptions = { fetch: fetchImpl, now: options.now ?? Date.now, tokenTimeoutMs: options.tokenTimeoutMs ?? 10_000 };
  for (const [key, definition] of Object.entries(schemes)) {
    const scheme = withOverrides(definition, env);
    const exchange = readExchangeSettings(scheme, env);
    if (exchange) {
      exchanges.set(key, exchange);
      appliers.set(key, exchangeApplier(exchange, { ...applierOptions, store: () => sharedStores.get(key) }));
      continue;
    }
    const values = readScheme(scheme, env);
    if (values) appliers.set(key, applierFor(scheme, values, applierOptions));
  }
  // Own entries only: a scheme name such as `constructor` must not find Object's member.
  const scheme = (name: string) => (Object.hasOwn(schemes, name) ? schemes[name] : undefined);
  const secretVariables = (names: readonly string[]) => names.flatMap((name) => (exchanges.has(name) ? [`${scheme(name)!.envPrefix}_EXCHANGE`] : credentialVariablesOf(scheme(name)!).filter((v) => v.secret).map(({ part }) => `${scheme(name)!.envPrefix}_${part}`)));

  /** What a call of `tool` sends: a configured alternative, nothing needed, or the variables it lacks. */
  function plan(tool: ToolDefinition): { use: CredentialUse; alternative?: readonly string[] } {
    // `[]`: the operation needs no credentials (an empty OpenAPI security array, or an empty alternative).
    if (tool.upstreamSecurity.length === 0) return { use: { kind: 'none' } };
    const alternative = tool.upstreamSecurity.find((names) => names.every((name) => appliers.has(name)));
    if (alternative) {
      return alternative.length === 0 ? { use: { kind: 'none' } } : { use: { kind: 'sent', variables: secretVariables(alternative), schemes: alternative }, alternative };
    }
    const configurable = tool.upstreamSecurity.find((names) => names.every((name) => scheme(name) !== undefined && scheme(name)!.type !== 'unsupported'));
    if (!configurable) {
      const names = tool.upstreamSecurity.flat().map((name) => `"${printable(name)}"`).join(', ');
      throw new UpstreamAuthenticationError(`tool ${tool.name} needs upstream security schemes this server cannot provide: ${names}`);
    }
    const unset = configurable.filter((name) => !appliers.has(name));
    return { use: { kind: 'missing', variables: secretVariables(unset), schemes: unset } };
  }

  return {
    shareExchangedTokens(storeFor) {
      for (const key of exchanges.keys()) sharedStores.set(key, storeFor(key));
    },
    configuredSchemes: [...appliers.keys()],
    exchangingSchemes: [...exchanges.keys()],
    async apply(tool, request, caller) {
      const { use, alternative } = plan(tool);
      let exchanged: { onBehalfOf?: string | undefined } | undefined;
      // Applied in order after the arguments, so the server's values replace any same-named argument value.
      for (const name of alternative ?? []) {
        const acted = await appliers.get(name)!(request, caller);
        if (acted) exchanged = { ...(acted.onBehalfOf === undefined ? {} : { onBehalfOf: acted.onBehalfOf }) };
      }
      return exchanged && use.kind === 'sent' ? { ...use, exchanged } : use;
    },
    missing(tools) {
      const groups = new Map<string, { variables: readonly string[]; schemes: readonly string[]; tools: string[] }>();
      for (const tool of tools) {
        let use: CredentialUse;
        try {
          use = plan(tool).use;
        } catch {
          continue; // Schemes the server cannot provide: such calls are refused, with their own message.
        }
        if (use.kind !== 'missing') continue;
        const key = use.variables.join(' ');
        const group = groups.get(key) ?? { variables: use.variables, schemes: use.schemes, tools: [] };
        group.tools.push(tool.name);
        groups.set(key, group);
      }
      return [...groups.values()];
    },
  };
}

/** RFC 6749 §3.3: scope = scope-token *( SP scope-token ), scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** A client credentials scheme with `<prefix>_TOKEN_URL` and `<prefix>_SCOPE` applied; malformed values are SettingErrors. */
function withOverrides(scheme: UpstreamSchemeDefinition, env: NodeJS.ProcessEnv): UpstreamSchemeDefinition {
  if (scheme.type !== 'oauth2ClientCredentials') return scheme;
  const tokenUrlVariable = `${scheme.envPrefix}_TOKEN_URL`;
  const scopeVariable = `${scheme.envPrefix}_SCOPE`;
  // An empty value counts as unset, as a blank line in a .env file means "not configured".
  const tokenUrl = env[tokenUrlVariable]?.trim();
  const scope = env[scopeVariable]?.trim();
  if (tokenUrl) {
    const problem = urlProblem(tokenUrl, true);
    if (problem) throw new SettingError(tokenUrlVariable, `"${printable(tokenUrl)}" ${problem}`, 'https://auth.example.com/oauth2/token');
  }
  const scopes = scope ? scope.split(/ +/) : scheme.scopes;
  const bad = scopes.find((token) => !SCOPE_TOKEN.test(token));
  if (scope && bad !== undefined) {
    throw new SettingError(scopeVariable, `"${printable(bad)}" is not a scope token (RFC 6749 §3.3: printable ASCII without space, " and \\; scopes are separated by single spaces)`, 'read write');
  }
  return { ...scheme, tokenUrl: tokenUrl ? new URL(tokenUrl).href : scheme.tokenUrl, scopes };
}

/** The values of a scheme's credential variables, undefined when none is set; a partly set scheme is a SettingError. */
function readScheme(scheme: UpstreamSchemeDefinition, env: NodeJS.ProcessEnv): Map<Part, string> | undefined {
  const wanted = credentialVariablesOf(scheme).filter((variable) => variable.secret);
  // An empty value counts as unset, as a blank line in a .env file means "not configured".
  const present = wanted.filter(({ part }) => env[`${scheme.envPrefix}_${part}`]);
  if (present.length === 0) return undefined;
  const missing = wanted.find((variable) => !present.includes(variable));
  if (missing) {
    throw new SettingError(`${scheme.envPrefix}_${missing.part}`, `is required when ${scheme.envPrefix}_${present[0]!.part} is set (security scheme "${printable(scheme.name)}")`, missing.example);
  }
  const values = new Map<Part, string>();
  for (const { part, example } of wanted) {
    const variable = `${scheme.envPrefix}_${part}`;
    const value = env[variable]!;
    // API keys and tokens go into header fields as they are (RFC 9110 §5.5); the others are base64-encoded first.
    const raw = part === 'API_KEY' || part === 'TOKEN';
    if (raw ? /[^\t\x20-\x7e\x80-\xff]/.test(value) : /[\r\n\0]/.test(value)) {
      throw new SettingError(variable, raw ? 'contains control characters or non ISO-8859-1 characters' : 'contains CR, LF or NUL', example);
    }
    if (scheme.type === 'apiKey' && scheme.in === 'cookie' && value.includes(';')) throw new SettingError(variable, 'must not contain ";" (it is sent in a cookie)', example);
    if (part === 'USERNAME' && value.includes(':')) throw new SettingError(variable, 'must not contain ":" (RFC 7617 §2)', example);
    values.set(part, value);
  }
  if (scheme.type === 'oauth2ClientCredentials') {
    // The client secret goes to the token URL: https only (plain http for loopback hosts), never a relative URL.
    const problem = urlProblem(scheme.tokenUrl, true);
    if (problem) {
      throw new SettingError(`${scheme.envPrefix}_TOKEN_URL`, `is required when ${scheme.envPrefix}_CLIENT_ID is set: the token URL "${printable(scheme.tokenUrl)}" of the spec ${problem}`, 'https://auth.example.com/oauth2/token');
    }
  }
  return values;
}

/**
 * How a scheme that acts for the user adds its credentials: the caller's token exchanged (token-exchange.ts), sent as
 * `Authorization: Bearer`. Without a caller token (stdio, AUTH_MODE=none) there is nobody to act for.
 */
function exchangeApplier(
  config: ExchangeConfig,
  options: { fetch: typeof fetch | undefined; now: () => number; tokenTimeoutMs: number; store: () => ExchangedTokenStore | undefined },
): Apply {
  const exchange = createTokenExchanger(config, { fetch: options.fetch, now: options.now, timeoutMs: options.tokenTimeoutMs, store: options.store });
  return async (request, caller) => {
    if (!caller) {
      throw new ExchangeError(
        `This tool calls the upstream API on behalf of the signed-in user (${config.envPrefix}_EXCHANGE=${config.kind}), which needs the caller's access token: unavailable over stdio and with AUTH_MODE=none. Serve over HTTP with OAuth to use it.`,
        false,
      );
    }
    const exchanged = await exchange(caller);
    request.headers.set('authorization', `Bearer ${exchanged.token}`);
    return { onBehalfOf: exchanged.onBehalfOf };
  };
}

/** The start-up warning for a server without caller tokens (stdio) whose schemes act for the user, or undefined. */
export function exchangeUnavailableWarning(credentials: Pick<UpstreamCredentials, 'exchangingSchemes'>, tools: readonly ToolDefinition[]): string | undefined {
  const exchanging = new Set(credentials.exchangingSchemes);
  if (exchanging.size === 0) return undefined;
  const affected = tools.filter((tool) => tool.upstreamSecurity.some((names) => names.some((name) => exchanging.has(name)))).map((tool) => tool.name);
  if (affected.length === 0) return undefined;
  const shown = affected.slice(0, WARNING_TOOLS).join(', ') + (affected.length > WARNING_TOOLS ? ` and ${affected.length - WARNING_TOOLS} more` : '');
  return `${schemeList([...exchanging])} ${exchanging.size === 1 ? 'acts' : 'act'} for the signed-in user upstream (token exchange), which needs a caller's access token: over stdio (or with AUTH_MODE=none) there is none, so ${affected.length === 1 ? 'tool' : 'tools'} ${shown} will refuse to call the API`;
}

/** How one configured scheme adds its credentials to a request. */
function applierFor(
  scheme: UpstreamSchemeDefinition,
  values: Map<Part, string>,
  options: { fetch: typeof fetch | undefined; now: () => number; tokenTimeoutMs: number },
): Apply {
  switch (scheme.type) {
    case 'apiKey': {
      const key = values.get('API_KEY')!;
      if (scheme.in === 'header') return (request) => request.headers.set(scheme.parameterName, key);
      if (scheme.in === 'query') return (request) => setQueryParameter(request.url, scheme.parameterName, key);
      return (request) => setCookie(request.headers, scheme.parameterName, key);
    }
    case 'bearer':
    case 'oauth2Token': {
      const authorization = `Bearer ${values.get('TOKEN')!}`;
      return (request) => request.headers.set('authorization', authorization);
    }
    case 'basic': {
      // RFC 7617 §2: base64 of "user-id:password", encoded as UTF-8 (§2.1).
      const authorization = `Basic ${Buffer.from(`${values.get('USERNAME')!}:${values.get('PASSWORD')!}`, 'utf8').toString('base64')}`;
      return (request) => request.headers.set('authorization', authorization);
    }
    case 'oauth2ClientCredentials': {
      const token = clientCredentialsToken(scheme, values.get('CLIENT_ID')!, values.get('CLIENT_SECRET')!, options);
      return async (request) => request.headers.set('authorization', `Bearer ${await token()}`);
    }
    case 'unsupported':
      // Never configured: readScheme finds no variables for it.
      return () => { throw new UpstreamAuthenticationError(`security scheme "${printable(scheme.name)}" is not supported: ${scheme.reason}`); };
  }
}

/**
 * An access token source for the client credentials grant (RFC 6749 §4.4): cached until shortly before it expires,
 * one request at a time shared by all concurrent callers, failures never cached.
 */
function clientCredentialsToken(
  scheme: ClientCredentialsScheme,
  clientId: string,
  clientSecret: string,
  options: { fetch: typeof fetch | undefined; now: () => number; tokenTimeoutMs: number },
): () => Promise<string> {
  let cached: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  const authorization = clientSecretBasic(clientId, clientSecret);

  async function requestToken(): Promise<string> {
    const startedAt = options.now();
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scheme.scopes.length) body.set('scope', scheme.scopes.join(' '));
    const failure = (problem: string) => new UpstreamAuthenticationError(
      `could not obtain an access token from ${printable(scheme.tokenUrl)} for security scheme "${printable(scheme.name)}": ${problem}`);
    const answer = await postTokenRequest(scheme.tokenUrl, { headers: { authorization }, body, timeoutMs: options.tokenTimeoutMs, fetch: options.fetch });
    if (!answer.reached) throw failure(answer.problem);
    const { json } = answer;
    if (!answer.ok) {
      // RFC 6749 §5.2 error responses name the problem; they carry no secrets.
      const detail = tokenErrorDetail(json, printable);
      throw failure(`HTTP ${answer.status}${detail ? ` (${detail})` : ''}`);
    }
    const usable = bearerTokenOf(json, printable);
    if ('problem' in usable) throw failure(usable.problem);
    const { token } = usable;
    const expiresIn = Number(json.expires_in ?? Number.NaN);
    const lifetime = Number.isFinite(expiresIn) ? Math.max(0, expiresIn * 1000) : DEFAULT_TOKEN_LIFETIME_MS;
    cached = { token, renewAt: startedAt + lifetime - Math.min(REFRESH_MARGIN_MS, lifetime / 10) };
    return token;
  }

  return () => {
    if (cached && options.now() < cached.renewAt) return Promise.resolve(cached.token);
    inFlight ??= requestToken().finally(() => { inFlight = undefined; });
    return inFlight;
  };
}

/**
 * Sets a query parameter, first removing every argument pair with the same name (case-insensitive, also `name[...]`),
 * so that neither first-wins nor last-wins parsers see an argument's value. The rest of the query stays byte for byte.
 */
function setQueryParameter(url: URL, name: string, value: string): void {
  const lower = name.toLowerCase();
  const kept = url.search.slice(1).split('&').filter((pair) => {
    if (!pair) return false;
    const key = decode(pair.split('=')[0]!).toLowerCase();
    return key !== lower && !key.startsWith(`${lower}[`);
  });
  kept.push(`${encodeStrict(name)}=${encodeStrict(value)}`);
  url.search = `?${kept.join('&')}`;
}

/** Sets a cookie in the single Cookie header (RFC 6265 §5.4), dropping argument cookies of the same name. */
function setCookie(headers: Headers, name: string, value: string): void {
  const lower = name.toLowerCase();
  const kept = (headers.get('cookie') ?? '').split(';').map((pair) => pair.trim())
    .filter((pair) => pair && decode(pair.split('=')[0]!.trim()).toLowerCase() !== lower);
  kept.push(`${name}=${value}`);
  headers.set('cookie', kept.join('; '));
}

/** Form-decodes a name as servers will, keeping it as is when it is not valid percent-encoding. */
function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Tool names shown per group of the start-up warning; the rest are counted. */
const WARNING_TOOLS = 5;
/** Groups of variables shown in the start-up warning; the rest are counted. */
const WARNING_GROUPS = 10;

/** The one start-up warning line for tools that call the API without credentials, or undefined when there are none. */
export function missingCredentialsWarning(missing: readonly MissingCredentials[]): string | undefined {
  if (missing.length === 0) return undefined;
  const groups = missing.slice(0, WARNING_GROUPS).map((group) => {
    const tools = group.tools.slice(0, WARNING_TOOLS).join(', ') + (group.tools.length > WARNING_TOOLS ? ` and ${group.tools.length - WARNING_TOOLS} more` : '');
    return `set ${group.variables.join(' and ')} (${schemeList(group.schemes)}) for ${group.tools.length === 1 ? 'tool' : 'tools'} ${tools}`;
  });
  const more = missing.length > WARNING_GROUPS ? `; and ${missing.length - WARNING_GROUPS} more groups of variables (see --help)` : '';
  return `upstream credentials are not configured, so these tools call the API without them and the API decides: ${groups.join('; ')}${more}`;
}

/** What to tell the caller when the API answers 401 or 403 to a call; undefined when the call needed no credentials. */
export function refusalAdvice(use: CredentialUse): string | undefined {
  if (use.kind === 'none') return undefined;
  if (use.kind === 'missing') return `set ${use.variables.join(' and ')} (${schemeList(use.schemes)}) to call it with the server's credentials.`;
  if (use.exchanged) return `the token issued for the user by the token exchange (${schemeList(use.schemes)}) was refused: the user may lack access to the upstream API.`;
  return `the credentials in ${use.variables.join(' and ')} (${schemeList(use.schemes)}) were refused.`;
}

/** `security scheme "a"` or `security schemes "a", "b"`. */
function schemeList(names: readonly string[]): string {
  return `security scheme${names.length === 1 ? '' : 's'} ${names.map((name) => `"${printable(name)}"`).join(', ')}`;
}

