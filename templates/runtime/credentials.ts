/**
 * The server's own credentials for the upstream API, one set per security scheme of the spec, read from environment
 * variables named `<envPrefix>_<PART>`. Secret values are never logged or put in messages; only variable names are.
 */
import type { ToolDefinition, UpstreamSchemeDefinition } from './definition.js';
import { SettingError, UpstreamCredentialsError } from './errors.js';
import { encodeStrict } from './request.js';
import type { UpstreamRequest } from './request.js';

/** One environment variable the server reads for its upstream credentials (for README, .env.example and --help). */
export interface UpstreamVariable {
  readonly variable: string;
  readonly scheme: string;
  readonly description: string;
  readonly example: string;
  readonly secret: true;
}

/** Credentials loaded at start-up; `apply` adds them to a built request. */
export interface UpstreamCredentials {
  /** Names of the security schemes whose variables are all set. */
  readonly configuredSchemes: readonly string[];
  /** Adds the first satisfiable alternative of `tool.upstreamSecurity`, overriding same-named argument values. */
  apply(tool: ToolDefinition, request: UpstreamRequest): Promise<void>;
}

/** Options of loadUpstreamCredentials; tests substitute the clock. */
export interface CredentialOptions {
  /** Milliseconds since the epoch (default Date.now). */
  readonly now?: () => number;
  /** How long to wait for the token endpoint (default 10 s). */
  readonly tokenTimeoutMs?: number;
}

/** The server could not authenticate to the upstream API although configured (token endpoint failed, scheme unsupported). */
export class UpstreamAuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamAuthenticationError';
  }
}

type Part = 'API_KEY' | 'TOKEN' | 'USERNAME' | 'PASSWORD' | 'CLIENT_ID' | 'CLIENT_SECRET';
type Apply = (request: UpstreamRequest) => void | Promise<void>;

/** Without `expires_in` (RFC 6749 §5.1 only RECOMMENDS it) a token is reused for this long. */
const DEFAULT_TOKEN_LIFETIME_MS = 60_000;
/** Tokens are renewed this long (at most) before they expire, so that none expires in flight. */
const REFRESH_MARGIN_MS = 30_000;

/** The variables each scheme type reads, with descriptions and example values; `unsupported` reads none. */
function variablesOf(scheme: UpstreamSchemeDefinition): { part: Part; description: string; example: string }[] {
  const name = `security scheme "${printable(scheme.name)}"`;
  switch (scheme.type) {
    case 'apiKey':
      return [{ part: 'API_KEY', example: 'your-api-key', description: `API key for ${name}, sent as the ${scheme.in === 'header' ? 'header' : scheme.in === 'query' ? 'query parameter' : 'cookie'} "${printable(scheme.parameterName)}".` }];
    case 'bearer':
      return [{ part: 'TOKEN', example: 'your-access-token', description: `Bearer token for ${name}, sent as "Authorization: Bearer".` }];
    case 'oauth2Token':
      return [{ part: 'TOKEN', example: 'your-access-token', description: `OAuth 2.0 access token for ${name}, sent as "Authorization: Bearer".` }];
    case 'basic':
      return [
        { part: 'USERNAME', example: 'your-username', description: `User name for HTTP Basic authentication (${name}).` },
        { part: 'PASSWORD', example: 'your-password', description: `Password for HTTP Basic authentication (${name}).` },
      ];
    case 'oauth2ClientCredentials':
      return [
        { part: 'CLIENT_ID', example: 'your-client-id', description: `OAuth 2.0 client ID for ${name}; access tokens come from ${printable(scheme.tokenUrl)} (client credentials grant).` },
        { part: 'CLIENT_SECRET', example: 'your-client-secret', description: `OAuth 2.0 client secret for ${name}.` },
      ];
    case 'unsupported':
      return [];
  }
}

/** Lists every upstream credential variable of the spec's schemes; pure, shared by the generator and the server. */
export function describeUpstreamVariables(schemes: Readonly<Record<string, UpstreamSchemeDefinition>>): UpstreamVariable[] {
  return Object.values(schemes).flatMap((scheme) => variablesOf(scheme).map(({ part, description, example }) => ({
    variable: `${scheme.envPrefix}_${part}`,
    scheme: scheme.name,
    description,
    example,
    secret: true as const,
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
  for (const [key, scheme] of Object.entries(schemes)) {
    const values = readScheme(scheme, env);
    if (values) appliers.set(key, applierFor(scheme, values, { fetch: fetchImpl, now: options.now ?? Date.now, tokenTimeoutMs: options.tokenTimeoutMs ?? 10_000 }));
  }

  return {
    configuredSchemes: [...appliers.keys()],
    async apply(tool, request) {
      // `[]`: the operation needs no credentials (an empty OpenAPI security array).
      if (tool.upstreamSecurity.length === 0) return;
      const alternative = tool.upstreamSecurity.find((names) => names.every((name) => appliers.has(name)));
      if (!alternative) throw missingCredentials(tool, schemes, appliers);
      // Applied in order after the arguments, so the server's values replace any same-named argument value.
      for (const name of alternative) await appliers.get(name)!(request);
    },
  };
}

/** The values of a scheme's variables, undefined when none is set; a partly set scheme is a SettingError. */
function readScheme(scheme: UpstreamSchemeDefinition, env: NodeJS.ProcessEnv): Map<Part, string> | undefined {
  const wanted = variablesOf(scheme);
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
  if (scheme.type === 'oauth2ClientCredentials' && !/^https?:\/\/[^/]/.test(scheme.tokenUrl)) {
    throw new SettingError(`${scheme.envPrefix}_CLIENT_ID`, `cannot be used: the token URL "${printable(scheme.tokenUrl)}" of the spec is not an absolute http(s) URL`, 'your-client-id');
  }
  return values;
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
  scheme: Extract<UpstreamSchemeDefinition, { type: 'oauth2ClientCredentials' }>,
  clientId: string,
  clientSecret: string,
  options: { fetch: typeof fetch | undefined; now: () => number; tokenTimeoutMs: number },
): () => Promise<string> {
  let cached: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  // RFC 6749 §2.3.1: client_secret_basic form-urlencodes both values before base64.
  const formEncode = (text: string) => new URLSearchParams([['', text]]).toString().slice(1);
  const authorization = `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;

  async function requestToken(): Promise<string> {
    const startedAt = options.now();
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scheme.scopes.length) body.set('scope', scheme.scopes.join(' '));
    const failure = (problem: string) => new UpstreamAuthenticationError(
      `could not obtain an access token from ${printable(scheme.tokenUrl)} for security scheme "${printable(scheme.name)}": ${problem}`);
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(scheme.tokenUrl, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        // A redirect would carry the client secret elsewhere.
        redirect: 'error',
        signal: AbortSignal.timeout(options.tokenTimeoutMs),
      });
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${options.tokenTimeoutMs} ms` : 'the request failed';
      throw failure(reason);
    }
    const text = await response.text().catch(() => '');
    let json: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) json = parsed as Record<string, unknown>;
    } catch { /* reported below */ }
    if (!response.ok) {
      // RFC 6749 §5.2 error responses name the problem; they carry no secrets.
      const detail = [json.error, json.error_description].filter((item) => typeof item === 'string').map((item) => printable(item as string)).join(': ');
      throw failure(`HTTP ${response.status}${detail ? ` (${detail})` : ''}`);
    }
    const token = json.access_token;
    if (typeof token !== 'string' || !token || /[^\x21-\x7e]/.test(token)) throw failure('the response has no usable access_token');
    if (typeof json.token_type === 'string' && json.token_type.toLowerCase() !== 'bearer') {
      throw failure(`token_type "${printable(json.token_type)}" is not Bearer`);
    }
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

/** The UpstreamCredentialsError (or, with no configurable alternative, UpstreamAuthenticationError) for a tool. */
function missingCredentials(
  tool: ToolDefinition,
  schemes: Readonly<Record<string, UpstreamSchemeDefinition>>,
  appliers: Map<string, Apply>,
): Error {
  // Own entries only: a scheme name such as `constructor` must not find Object's member.
  const scheme = (name: string) => (Object.hasOwn(schemes, name) ? schemes[name] : undefined);
  const configurable = tool.upstreamSecurity.find((names) => names.every((name) => scheme(name) !== undefined && scheme(name)!.type !== 'unsupported'));
  if (!configurable) {
    const names = tool.upstreamSecurity.flat().map((name) => `"${printable(name)}"`).join(', ');
    return new UpstreamAuthenticationError(`tool ${tool.name} needs upstream security schemes this server cannot provide: ${names}`);
  }
  const variables = configurable.filter((name) => !appliers.has(name))
    .flatMap((name) => variablesOf(scheme(name)!).map(({ part }) => `${scheme(name)!.envPrefix}_${part}`));
  return new UpstreamCredentialsError(variables);
}

/** Spec text made safe for one-line messages and generated files: no control characters, bounded length. */
function printable(text: string): string {
  const clean = text.replace(/[\x00-\x1f\x7f]+/g, ' ');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
