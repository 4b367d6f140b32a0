/**
 * Every setting of the emitted server, declared once: its variable, what it means, its default, an example, whether
 * its value is a secret, which transport reads it, and how its text is parsed. The readers (settings.ts,
 * auth-settings.ts), `--help`, `--print-config`, unknown-variable warnings, and the generator's README table,
 * .env.example, Kubernetes ConfigMap and Secret are all derived from this list; the upstream credential variables,
 * which depend on the spec's security schemes, are rows of the same shape (credentials.ts).
 *
 * Pure: the generator imports this module to document the settings, so nothing here may run at import.
 */

import { decodeConsentKey } from './consent-state.js';
import { SettingError } from './errors.js';
import { hostName, httpUrl, httpsUrl, integer, list, oneOf, ok, origin, scopeToken, text, fail } from './setting-parsers.js';
import type { Parser } from './setting-parsers.js';
import { redisKeyPrefix, redisUrl } from './redis-settings.js';

/** What every consumer of the settings list needs to know about one variable. */
export interface SettingRow {
  readonly variable: string;
  readonly description: string;
  /** The default as documentation text; undefined when the setting has none. */
  readonly default: string | undefined;
  /** A value the setting accepts, shown in refusals and documentation. */
  readonly example: string;
  /** The value is confidential: kept in the Kubernetes Secret, redacted by --print-config, left blank in .env.example. */
  readonly secret: boolean;
  /** `http`: only serving over HTTP uses it; `stdio`: only serving over stdio; `both`: either. */
  readonly transport: 'http' | 'stdio' | 'both';
}

/** A setting of the server itself: a row plus its typed default and its parser. */
export interface SettingDefinition<T, F = T> extends SettingRow {
  /** The value when the variable is unset or empty (undefined: none, or one computed from other settings). */
  readonly fallback: F;
  /** The value of the variable's trimmed, non-empty text; throws SettingError naming the variable with the example. */
  parse(text: string): T;
}

/** What the defaults and documentation of some settings depend on: the spec's server and scopes, the project's tool mode. */
export interface SettingContext {
  readonly baseUrl?: string | undefined;
  readonly scopes?: readonly string[] | undefined;
  /** TOOL_MODE's default chosen at generation (tools.json `toolMode`); absent: auto. */
  readonly toolMode?: ToolMode | undefined;
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How tools are offered (TOOL_MODE): one per operation, the three discovery meta-tools, or by the caller's tool count. */
export const TOOL_MODES = ['direct', 'discovery', 'auto'] as const;
export type ToolMode = (typeof TOOL_MODES)[number];

/**
 * TOOL_MODE's default: tools.json's `toolMode`, else auto. A value the generator never writes (a hand-edited
 * tools.json) stops the start rather than being read as some mode.
 */
function projectToolMode(toolMode: unknown): ToolMode {
  if (toolMode === undefined) return 'auto';
  if ((TOOL_MODES as readonly unknown[]).includes(toolMode)) return toolMode as ToolMode;
  throw new SettingError('TOOL_MODE', `its default in tools.json ("toolMode": ${JSON.stringify(toolMode)?.slice(0, 40)}) is not one of ${TOOL_MODES.join(', ')}; regenerate the project`, 'discovery');
}

/** Asymmetric JWS algorithms an access token may be signed with; HMAC and `none` are never accepted (RFC 9068 §4, RFC 8725 §3.1). */
export const SUPPORTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export const DEFAULT_ALGORITHMS: readonly string[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/** setTimeout silently turns larger delays into 1 ms, so a longer timeout would fire at once. */
const MAX_TIMEOUT_MS = 2_147_483_647;
/** A timeout in milliseconds that setTimeout honours. */
const timeoutMs = (min: number) => integer(min, MAX_TIMEOUT_MS);
/** A byte count. */
const bytes = () => integer(1, Number.MAX_SAFE_INTEGER);

/**
 * Memory arithmetic behind the defaults of MCP_MAX_BODY_BYTES and MCP_MAX_CONCURRENT_REQUESTS, against the 256 MiB
 * limit of the emitted Deployment. JSON.parse of a hostile body costs far more than its size (1 MiB of `[{},{},…]` is
 * about 21 MiB of objects), so http.ts refuses a body of more than MAX_JSON_ITEMS values and members before parsing
 * it (json-shape.ts): a 1 MiB body then costs at most ~6 MiB (its chunks and their concatenation, 1 MiB of text, ≤4 MiB
 * parsed at ≤80 bytes per item). One tools/call or tools/list page adds at most ~5 MiB (a 1 MiB upstream response held
 * as bytes, text and parsed value, or a 1 MiB page, plus the serialized answer). So one MCP request costs at most
 * ~11 MiB, and 16 of them ~176 MiB, which leaves ~80 MiB for Node itself, the SDK and the compiled schemas (~70 MiB
 * resident when idle, measured on Node 20) within 256 MiB. A batch takes one slot per message, so it cannot multiply this.
 */
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_MAX_CONCURRENT_REQUESTS = 16;

/** RFC 8725 §3.1: a shared-secret or unsigned algorithm next to public keys enables forgeries. */
const algorithm: Parser<string> = (value) => {
  if (/^HS/i.test(value) || value.toLowerCase() === 'none') return fail(`"${value}" is refused: only asymmetric algorithms verify tokens against a public JWKS`);
  if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(value)) return fail(`"${value}" is not one of ${SUPPORTED_ALGORITHMS.join(', ')}`);
  return ok(value);
};

/** A claim name or a dotted path into nested claims. */
const claimPath: Parser<string> = (value) => (/\s/.test(value) ? fail(`"${value}" is not a claim name or dotted path`) : ok(value));

/** A JSON object (claims given over stdio, MCP_STDIO_CLAIMS); its values are shown in no refusal. */
const jsonObject: Parser<Readonly<Record<string, unknown>>> = (value) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return fail('is not valid JSON');
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? ok(parsed as Record<string, unknown>) : fail('must be a JSON object of claims');
};

/**
 * CONSENT_KEY's documented example: base64 of the words "replace-with-openssl-rand-32byte". It is accepted like any key
 * of its size, and a server started with it warns (consent-setup.ts), since everybody can read it.
 */
export const CONSENT_KEY_EXAMPLE = 'cmVwbGFjZS13aXRoLW9wZW5zc2wtcmFuZC0zMmJ5dGU=';

/** CONSENT_KEY, REDIS_CACHE_KEY: hex, base64 or base64url of at least 32 bytes; the problem never shows the value (a secret). */
const sealingKey: Parser<Buffer> = (value) => {
  const decoded = decodeConsentKey(value);
  return 'problem' in decoded ? fail(decoded.problem) : ok(decoded.key);
};

interface DefinitionSpec<T, F> {
  readonly variable: string;
  readonly description: string;
  readonly example: string;
  readonly parse: Parser<T>;
  readonly fallback: F;
  /** Documentation of a default that is not `fallback` itself (computed, or taken from elsewhere). */
  readonly defaultText?: string | undefined;
  readonly secret?: boolean;
  readonly transport?: 'http' | 'stdio' | 'both';
}

/** One setting definition; its documented default is `fallback` as text unless `defaultText` says otherwise. */
function define<T, F>(spec: DefinitionSpec<T, F>): SettingDefinition<T, F> {
  const { variable, example, parse } = spec;
  return Object.freeze({
    variable,
    description: spec.description,
    default: spec.defaultText ?? asText(spec.fallback),
    example,
    secret: spec.secret ?? false,
    transport: spec.transport ?? 'both',
    fallback: spec.fallback,
    parse(value: string): T {
      const parsed = parse(value);
      if ('problem' in parsed) throw new SettingError(variable, parsed.problem, example);
      return parsed.value;
    },
  });
}

/** A typed default as documentation text: lists comma-separated, nothing for undefined or an empty list. */
function asText(value: unknown): string | undefined {
  const shown = Array.isArray(value) ? value.join(',') : value === undefined ? '' : String(value);
  return shown === '' ? undefined : shown;
}

/**
 * The server's own settings (the upstream credentials of the spec's schemes are listed by credentials.ts), in the
 * order they are documented. `context` supplies the spec's server (UPSTREAM_BASE_URL's default), its scopes, and the
 * project's tool mode (TOOL_MODE's default).
 */
export function settingDefinitions(context: SettingContext = {}) {
  const scopes = context.scopes?.length ? context.scopes : undefined;
  return {
    host: define({ variable: 'HOST', parse: hostName(), fallback: '127.0.0.1', example: '0.0.0.0', transport: 'http', description: 'Interface the HTTP server listens on.' }),
    port: define({ variable: 'PORT', parse: integer(0, 65_535), fallback: 3000, example: '8080', transport: 'http', description: 'TCP port of the HTTP server (0 to 65535).' }),
    upstreamBaseUrl: define({
      variable: 'UPSTREAM_BASE_URL',
      parse: httpUrl(),
      // Checked by readSettings, which says when the spec's server is the problem.
      fallback: context.baseUrl,
      example: 'https://api.example.com/v1',
      description: "Absolute http(s) URL of the upstream API; defaults to the spec's first server.",
    }),
    upstreamTimeoutMs: define({
      variable: 'UPSTREAM_TIMEOUT_MS',
      parse: timeoutMs(1),
      fallback: 30_000,
      example: '10000',
      description: 'Milliseconds to wait for an upstream response before the tool call fails.',
    }),
    upstreamMaxResponseBytes: define({
      variable: 'UPSTREAM_MAX_RESPONSE_BYTES',
      parse: bytes(),
      fallback: 1_048_576,
      example: '4194304',
      description: 'Largest upstream response body, in bytes, passed back to the client.',
    }),
    upstreamMaxConcurrency: define({
      variable: 'UPSTREAM_MAX_CONCURRENCY',
      parse: integer(1, 100_000),
      fallback: 64,
      example: '16',
      description: 'Upstream requests in flight at once; further tool calls wait (within UPSTREAM_TIMEOUT_MS) for a free slot.',
    }),
    upstreamMaxQueue: define({
      variable: 'UPSTREAM_MAX_QUEUE',
      parse: integer(0, 1_000_000),
      fallback: 1000,
      example: '200',
      description: 'Tool calls allowed to wait for an upstream slot; beyond it a call fails at once with "busy".',
    }),
    upstreamRetries: define({
      variable: 'UPSTREAM_RETRIES',
      parse: integer(0, 10),
      fallback: 2,
      example: '0',
      description:
        'Retries of an idempotent upstream request (GET, HEAD, PUT, DELETE, OPTIONS) after a network error or a 502, 503, 504 or 429, with exponential backoff and jitter (0 to 10). POST and PATCH are never retried.',
    }),
    maxBodyBytes: define({
      variable: 'MCP_MAX_BODY_BYTES',
      parse: bytes(),
      fallback: DEFAULT_MAX_BODY_BYTES,
      example: '1048576',
      transport: 'http',
      description: 'Largest MCP request body, in bytes; a larger one is answered 413 and its connection closed. Raising it costs memory: see MCP_MAX_CONCURRENT_REQUESTS.',
    }),
    maxConcurrentRequests: define({
      variable: 'MCP_MAX_CONCURRENT_REQUESTS',
      parse: integer(1, 100_000),
      fallback: DEFAULT_MAX_CONCURRENT_REQUESTS,
      example: '8',
      transport: 'http',
      description:
        'MCP requests in flight at once (each message of a batch counts); beyond it requests are answered 503 with Retry-After before their body is read. Sized so that the worst case (~11 MiB each) fits a 256 MiB memory limit; raise it with the memory limit.',
    }),
    toolsPageSize: define({
      variable: 'MCP_TOOLS_PAGE_SIZE',
      parse: integer(1, 1000),
      fallback: 100,
      example: '50',
      description: 'Tools per tools/list page (1 to 1000); a page is also cut at 1 MiB, and clients follow nextCursor for the rest.',
    }),
    toolMode: define({
      variable: 'TOOL_MODE',
      parse: oneOf(...TOOL_MODES),
      // The project's choice (portcullis config `toolMode`, written to tools.json), else auto.
      fallback: projectToolMode(context.toolMode),
      example: 'discovery',
      description:
        'How tools are offered: direct (one MCP tool per operation, tools/list paginated), discovery (three meta-tools: search_tools, describe_tool, call_tool), or auto (discovery for a caller who may use more than TOOL_MODE_THRESHOLD tools, direct otherwise).',
    }),
    toolModeThreshold: define({
      variable: 'TOOL_MODE_THRESHOLD',
      parse: integer(0, 1_000_000),
      fallback: 64,
      example: '40',
      description: 'With TOOL_MODE=auto: a caller who may use more tools than this is offered the discovery meta-tools instead of the tools themselves.',
    }),
    stdioClaims: define({
      variable: 'MCP_STDIO_CLAIMS',
      parse: jsonObject,
      fallback: undefined,
      example: '{"tenant":"acme","sub":"alice"}',
      transport: 'stdio',
      description:
        'Over stdio only: a JSON object of claims that arguments bound to claims (x-mcp-bind, the config\'s bind) are filled from; without it, tools with bound arguments refuse every call. Over HTTP the verified access token supplies them.',
    }),
    headersTimeoutMs: define({
      variable: 'MCP_HEADERS_TIMEOUT_MS',
      parse: timeoutMs(1),
      // A client on a slow link sends its headers (at most 16 KiB) in far less; a slowloris connection is cut after it.
      fallback: 10_000,
      example: '5000',
      transport: 'http',
      description: 'Milliseconds a client may take to send the headers of a request before its connection is closed (at most MCP_REQUEST_TIMEOUT_MS).',
    }),
    requestTimeoutMs: define({
      variable: 'MCP_REQUEST_TIMEOUT_MS',
      parse: timeoutMs(1),
      // Enough for a 1 MiB body at ~35 KB/s; a client trickling a body is cut after it.
      fallback: 30_000,
      example: '60000',
      transport: 'http',
      description: 'Milliseconds a client may take to send a whole request, body included, before it is answered 408 and its connection closed.',
    }),
    keepAliveTimeoutMs: define({
      variable: 'MCP_KEEP_ALIVE_TIMEOUT_MS',
      parse: timeoutMs(1),
      // Node's own default: long enough for a client's next request, short enough that idle connections free their slot.
      fallback: 5_000,
      example: '65000',
      transport: 'http',
      description: "Milliseconds an idle keep-alive connection stays open. Behind a proxy that reuses connections, set it above the proxy's idle timeout.",
    }),
    maxConnections: define({
      variable: 'MCP_MAX_CONNECTIONS',
      parse: integer(1, 1_000_000),
      // An idle connection costs a few tens of KiB (socket, parser, ≤16 KiB of headers): 1000 of them fit in ~30 MiB.
      fallback: 1000,
      example: '200',
      transport: 'http',
      description: 'TCP connections open at once; further ones are closed as soon as they are accepted.',
    }),
    rateLimitPerMinute: define({
      variable: 'RATE_LIMIT_PER_MINUTE',
      parse: integer(0, 1_000_000),
      fallback: 600,
      example: '120',
      transport: 'http',
      description:
        'MCP requests per minute each caller (token subject, else client id) may make on average, each message of a batch counting as one; more are answered 429 with Retry-After. 0 turns the limit off.',
    }),
    rateLimitBurst: define({
      variable: 'RATE_LIMIT_BURST',
      parse: integer(1, 1_000_000),
      fallback: 100,
      example: '20',
      transport: 'http',
      description: 'MCP requests a caller may make in a burst before RATE_LIMIT_PER_MINUTE applies (the token bucket size); a batch larger than it is always refused.',
    }),
    redisUrl: define({
      variable: 'REDIS_URL',
      parse: redisUrl,
      fallback: undefined,
      example: 'rediss://:password@redis.example.internal:6380/0',
      secret: true,
      transport: 'http',
      description:
        'Redis shared by every replica (redis://, or rediss:// for TLS): the per-caller rate limit and the single-use record of consent approvals live there, so N replicas allow one bucket per caller. Unset: each process keeps its own.',
    }),
    redisKeyPrefix: define({
      variable: 'REDIS_KEY_PREFIX',
      parse: redisKeyPrefix,
      fallback: undefined,
      defaultText: "the server's name",
      example: 'mcp-prod',
      transport: 'http',
      description: 'Prefix of every Redis key this server writes (letters, digits, . _ - :), so several servers can share one Redis.',
    }),
    redisCacheKey: define({
      variable: 'REDIS_CACHE_KEY',
      parse: sealingKey,
      fallback: undefined,
      example: 'cmVwbGFjZS13aXRoLW9wZW5zc2wtcmFuZC0zMi1rZXk=',
      secret: true,
      transport: 'http',
      description:
        'With REDIS_URL: hex, base64 or base64url of at least 32 bytes, the same on every replica, that encrypts the tokens exchanged for users (UPSTREAM_<SCHEME>_EXCHANGE) so the replicas share them through Redis (never a raw token there). Unset: each process keeps its own.',
    }),
    shutdownTimeoutMs: define({
      variable: 'SHUTDOWN_TIMEOUT_MS',
      parse: timeoutMs(0),
      fallback: 10_000,
      example: '25000',
      description: 'On SIGTERM, milliseconds in-flight requests may take to finish before their connections are cut.',
    }),
    logLevel: define({
      variable: 'LOG_LEVEL',
      parse: oneOf(...LOG_LEVELS),
      fallback: 'info' as LogLevel,
      example: 'debug',
      description: `Log verbosity of the JSON log lines on stderr: ${LOG_LEVELS.join(', ')}.`,
    }),
    consent: define({
      variable: 'CONSENT',
      parse: oneOf('on', 'off'),
      fallback: 'on' as 'on' | 'off',
      example: 'off',
      description:
        "on: tools that need consent run only once the user has approved the call (asked through the client); off turns consent off, for hosts that ask the user themselves (a warning is logged at start).",
    }),
    consentKey: define({
      variable: 'CONSENT_KEY',
      parse: sealingKey,
      fallback: undefined,
      defaultText: 'a random key per process',
      example: CONSENT_KEY_EXAMPLE,
      secret: true,
      description:
        'Key (hex, base64 or base64url, at least 32 bytes) sealing the consent state that 2026-07-28 clients carry between the question and the approved call. Give every replica the same key so that any of them accepts an approval; without it each process makes its own.',
    }),
    consentTtlSeconds: define({
      variable: 'CONSENT_TTL_SECONDS',
      parse: integer(10, 3600, 'a whole number of seconds'),
      fallback: 300,
      example: '120',
      description: 'Seconds the user has to answer a consent question (10 to 3600); an approval is accepted within this time and once only.',
    }),
    // Caller authorization (the server as an OAuth 2.1 resource server): over stdio no token is checked
    // (MCP 2025-11-25 basic/authorization), so these are read only when serving HTTP.
    publicUrl: define({
      variable: 'MCP_PUBLIC_URL',
      parse: httpsUrl(),
      fallback: undefined,
      defaultText: 'http://HOST:PORT/mcp',
      example: 'https://mcp.example.com/mcp',
      transport: 'http',
      description:
        'Canonical URL of the MCP endpoint: the resource in the metadata and the audience tokens must carry; its path is where MCP is served. Required when HOST is not a loopback address.',
    }),
    authMode: define({
      variable: 'AUTH_MODE',
      parse: oneOf('oauth', 'none'),
      fallback: 'oauth' as 'oauth' | 'none',
      example: 'none',
      transport: 'http',
      description: 'oauth (every HTTP request needs an access token), or none to turn authorization off for local development (loopback HOST only).',
    }),
    issuer: define({
      variable: 'OAUTH_ISSUER',
      parse: httpsUrl({ keepAsGiven: true }),
      fallback: undefined,
      example: 'https://auth.example.com',
      transport: 'http',
      description: 'Issuer URL of the authorization server. Required unless AUTH_MODE=none.',
    }),
    jwksUrl: define({
      variable: 'OAUTH_JWKS_URL',
      parse: httpsUrl({ query: true }),
      fallback: undefined,
      defaultText: 'jwks_uri from the issuer metadata',
      example: 'https://auth.example.com/.well-known/jwks.json',
      transport: 'http',
      description: "URL of the authorization server's JSON Web Key Set.",
    }),
    audience: define({
      variable: 'OAUTH_AUDIENCE',
      parse: text(),
      // undefined: the public URL (MCP 2025-11-25 basic/authorization#token-audience-binding-and-validation, RFC 8707 §2).
      fallback: undefined,
      defaultText: 'MCP_PUBLIC_URL',
      example: 'https://mcp.example.com/mcp',
      transport: 'http',
      description: 'Audience every access token must contain.',
    }),
    rolesClaim: define({
      variable: 'OAUTH_ROLES_CLAIM',
      parse: claimPath,
      fallback: 'roles',
      example: 'realm_access.roles',
      transport: 'http',
      description: 'Token claim holding the roles: a claim name, or a dotted path into nested claims.',
    }),
    algorithms: define({
      variable: 'OAUTH_ALGORITHMS',
      parse: list(algorithm, { separator: /[\s,]+/, required: 'algorithm', unique: true }),
      fallback: DEFAULT_ALGORITHMS,
      example: 'RS256,ES256',
      transport: 'http',
      description: `Comma-separated JWS algorithms accepted for access tokens, of ${SUPPORTED_ALGORITHMS.join(', ')}.`,
    }),
    clockToleranceSeconds: define({
      variable: 'OAUTH_CLOCK_TOLERANCE',
      parse: integer(0, 300, 'a whole number of seconds'),
      fallback: 30,
      example: '60',
      transport: 'http',
      description: 'Seconds of clock skew tolerated when checking exp, nbf and iat (0 to 300).',
    }),
    introspectionUrl: define({
      variable: 'OAUTH_INTROSPECTION_URL',
      parse: httpsUrl(),
      fallback: undefined,
      example: 'https://auth.example.com/oauth2/introspect',
      transport: 'http',
      description: 'RFC 7662 introspection endpoint for opaque (non-JWT) access tokens; without it they are refused.',
    }),
    introspectionClientId: define({
      variable: 'OAUTH_INTROSPECTION_CLIENT_ID',
      parse: text(),
      fallback: undefined,
      example: 'mcp-server',
      transport: 'http',
      description: 'Client id the server authenticates to the introspection endpoint with.',
    }),
    introspectionClientSecret: define({
      variable: 'OAUTH_INTROSPECTION_CLIENT_SECRET',
      parse: text(),
      fallback: undefined,
      example: 'change-me',
      secret: true,
      transport: 'http',
      description: 'Client secret for the introspection endpoint.',
    }),
    challengeScopes: define({
      variable: 'OAUTH_CHALLENGE_SCOPES',
      parse: list(scopeToken(), { separator: /\s+/ }),
      // undefined: the server's scopes_supported.
      fallback: undefined,
      defaultText: scopes ? scopes.join(' ') : 'every scope the tools use',
      example: scopes?.[0] ?? 'read',
      transport: 'http',
      description: 'Space-separated scopes offered in 401 challenges.',
    }),
    allowedOrigins: define({
      variable: 'MCP_ALLOWED_ORIGINS',
      parse: list(origin(), { separator: ',' }),
      fallback: [] as readonly string[],
      example: 'https://app.example.com,http://localhost:6274',
      transport: 'http',
      description: 'Comma-separated browser origins allowed to call the endpoint besides the origin of MCP_PUBLIC_URL.',
    }),
    auditLog: define({
      variable: 'AUDIT_LOG',
      parse: text(),
      // undefined: stderr.
      fallback: undefined,
      defaultText: 'stderr',
      example: '/var/log/mcp-audit.log',
      transport: 'http',
      description: 'File the audit lines (one JSON object per decision) are appended to.',
    }),
    // Observability (metrics.ts, tracing.ts): Prometheus metrics and OpenTelemetry traces of the HTTP server.
    metricsPort: define({
      variable: 'METRICS_PORT',
      parse: integer(0, 65_535),
      fallback: undefined,
      defaultText: 'none: no separate listener',
      example: '9464',
      transport: 'http',
      description:
        'TCP port of a separate listener that serves only GET /metrics (Prometheus text format) without authentication; keep it reachable by the scraper alone (the Kubernetes NetworkPolicy does). Unset, /metrics is not served on a separate port.',
    }),
    metricsHost: define({
      variable: 'METRICS_HOST',
      parse: hostName(),
      fallback: undefined,
      defaultText: 'HOST',
      example: '0.0.0.0',
      transport: 'http',
      description: 'Interface the METRICS_PORT listener binds to.',
    }),
    metricsAllowUnauthenticated: define({
      variable: 'METRICS_ALLOW_UNAUTHENTICATED',
      parse: oneOf('true', 'false'),
      fallback: 'false' as 'true' | 'false',
      example: 'true',
      transport: 'http',
      description:
        'true: GET /metrics is also served on the main port, to anyone who can reach it (no token). Otherwise /metrics on the main port answers 404; prefer METRICS_PORT.',
    }),
    otlpEndpoint: define({
      variable: 'OTEL_EXPORTER_OTLP_ENDPOINT',
      parse: httpUrl(),
      fallback: undefined,
      example: 'http://otel-collector.observability:4318',
      transport: 'http',
      description:
        'Base URL of an OpenTelemetry collector speaking OTLP/HTTP (the standard OpenTelemetry variable): when set, a trace of every MCP request is exported to <url>/v1/traces. Unset (and OTEL_EXPORTER_OTLP_TRACES_ENDPOINT unset), tracing is off and costs nothing. The other standard OTEL_* variables (OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG, OTEL_BSP_*) are read by the OpenTelemetry SDK itself.',
    }),
    otlpTracesEndpoint: define({
      variable: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      parse: httpUrl(),
      fallback: undefined,
      defaultText: 'OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces',
      example: 'http://otel-collector.observability:4318/v1/traces',
      transport: 'http',
      description: 'Full URL traces are exported to over OTLP/HTTP, used as given; takes precedence over OTEL_EXPORTER_OTLP_ENDPOINT.',
    }),
    otelServiceName: define({
      variable: 'OTEL_SERVICE_NAME',
      parse: text(),
      fallback: undefined,
      defaultText: "the server's name",
      example: 'petstore-mcp',
      transport: 'http',
      description: 'service.name of the exported spans.',
    }),
    otlpHeaders: define({
      variable: 'OTEL_EXPORTER_OTLP_HEADERS',
      parse: text(),
      fallback: undefined,
      example: 'api-key=change-me',
      secret: true,
      transport: 'http',
      description: 'Headers sent with every export, as key=value pairs separated by commas (e.g. the API key of a hosted collector).',
    }),
  } as const;
}

/** The settings of one server, by name. */
export type SettingDefinitions = ReturnType<typeof settingDefinitions>;

/** The server's own settings as rows, in documentation order. */
export function settingRows(context: SettingContext = {}): readonly SettingRow[] {
  return Object.values(settingDefinitions(context)).map(({ variable, description, default: fallback, example, secret, transport }) => ({
    variable,
    description,
    default: fallback,
    example,
    secret,
    transport,
  }));
}

/** The trimmed text of `variable`; an empty value counts as unset, so `PORT=` in a .env file means "use the default". */
export function settingText(env: NodeJS.ProcessEnv, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value ? value : undefined;
}

/** The value of one setting: its parsed text when set, else its fallback. Throws SettingError when malformed. */
export function readSetting<T, F>(env: NodeJS.ProcessEnv, definition: SettingDefinition<T, F>): T | F {
  const value = settingText(env, definition.variable);
  return value === undefined ? definition.fallback : definition.parse(value);
}
