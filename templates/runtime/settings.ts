/**
 * The emitted server's settings, read once from the environment at start-up.
 *
 * Every malformed value is refused before the server listens (SettingError names the variable and shows an example),
 * so a typo is reported at deploy time rather than on the first tool call. Pure: the generator imports this module to
 * document the settings, so nothing here may run at import.
 */

import { isIP } from 'node:net';
import { describeAuthSettings, readAuthSettings } from './auth-settings.js';
import type { AuthSettings } from './auth-settings.js';
import { loadUpstreamCredentials } from './credentials.js';
import type { UpstreamCredentials } from './credentials.js';
import type { ServerDefinition } from './definition.js';
import { SettingError } from './errors.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** A structured log: `fields` become properties of the JSON line (never tokens, secrets or headers). */
export type Log = (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => void;

export interface Settings {
  /** Interface the HTTP server binds to. */
  readonly host: string;
  /** TCP port of the HTTP server; 0 picks a free one. */
  readonly port: number;
  /** Absolute http(s) URL the tools' paths are resolved against. */
  readonly upstreamBaseUrl: string;
  readonly upstreamTimeoutMs: number;
  readonly upstreamMaxResponseBytes: number;
  readonly logLevel: LogLevel;
  /** Largest accepted MCP request body in bytes; a larger one is answered 413. */
  readonly maxBodyBytes: number;
  /** MCP requests (each message of a batch counts) a caller may make per minute on average; 0 turns rate limiting off. */
  readonly rateLimitPerMinute: number;
  /** How many MCP requests a caller may make at once before the per-minute rate applies (token bucket size). */
  readonly rateLimitBurst: number;
  /** Upstream requests in flight at once; further calls wait in a queue. */
  readonly upstreamMaxConcurrency: number;
  /** Calls allowed to wait for an upstream slot; beyond it a call fails at once. */
  readonly upstreamMaxQueue: number;
  /** Retries of an idempotent upstream request after a network error, 502, 503, 504 or 429. */
  readonly upstreamRetries: number;
  /** How long a shutdown lets in-flight requests finish before cutting them. */
  readonly shutdownTimeoutMs: number;
  /** How long a client may take to send a request's headers before its connection is closed. */
  readonly headersTimeoutMs: number;
  /** How long a client may take to send a whole request (headers and body) before it is answered 408 and closed. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  readonly keepAliveTimeoutMs: number;
  /** TCP connections open at once; further ones are closed as soon as they are accepted. */
  readonly maxConnections: number;
  /** MCP (JSON-RPC) requests in flight at once, a batch counting each; beyond it requests are answered 503. */
  readonly maxConcurrentRequests: number;
  /** Tools per tools/list page (2025-11-25 server/utilities/pagination). */
  readonly toolsPageSize: number;
  readonly credentials: UpstreamCredentials;
  /** Caller authorization over HTTP; undefined when read for stdio, which checks no tokens. */
  readonly auth: AuthSettings | undefined;
}

export interface ReadSettingsOptions {
  /** `stdio` skips the HTTP-only authorization settings (2025-11-25 basic/authorization: stdio uses the environment). */
  readonly transport?: 'http' | 'stdio';
}

export interface SettingDescription {
  readonly variable: string;
  /** Default value as text; undefined when the setting has none. */
  readonly default: string | undefined;
  readonly description: string;
  readonly example: string;
}

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 3000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;
const DEFAULT_LOG_LEVEL: LogLevel = 'info';
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
/** A client on a slow link sends its headers (at most 16 KiB) in far less; a slowloris connection is cut after it. */
const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Enough for a 1 MiB body at ~35 KB/s; a client trickling a body is cut after it. */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Node's own default: long enough for a client's next request, short enough that idle connections free their slot. */
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** An idle connection costs a few tens of KiB (socket, parser, ≤16 KiB of headers): 1000 of them fit in ~30 MiB. */
const DEFAULT_MAX_CONNECTIONS = 1000;
const DEFAULT_TOOLS_PAGE_SIZE = 100;
const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;
const DEFAULT_RATE_LIMIT_BURST = 100;
const DEFAULT_UPSTREAM_MAX_CONCURRENCY = 64;
const DEFAULT_UPSTREAM_MAX_QUEUE = 1000;
const DEFAULT_UPSTREAM_RETRIES = 2;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** setTimeout silently turns larger delays into 1 ms, so a longer timeout would fire at once. */
const MAX_TIMEOUT_MS = 2_147_483_647;

const EXAMPLES = {
  HOST: '0.0.0.0',
  PORT: '8080',
  UPSTREAM_BASE_URL: 'https://api.example.com/v1',
  UPSTREAM_TIMEOUT_MS: '10000',
  UPSTREAM_MAX_RESPONSE_BYTES: '4194304',
  LOG_LEVEL: 'debug',
  MCP_MAX_BODY_BYTES: '1048576',
  RATE_LIMIT_PER_MINUTE: '120',
  RATE_LIMIT_BURST: '20',
  UPSTREAM_MAX_CONCURRENCY: '16',
  UPSTREAM_MAX_QUEUE: '200',
  UPSTREAM_RETRIES: '0',
  SHUTDOWN_TIMEOUT_MS: '25000',
  MCP_HEADERS_TIMEOUT_MS: '5000',
  MCP_REQUEST_TIMEOUT_MS: '60000',
  MCP_KEEP_ALIVE_TIMEOUT_MS: '65000',
  MCP_MAX_CONNECTIONS: '200',
  MCP_MAX_CONCURRENT_REQUESTS: '8',
  MCP_TOOLS_PAGE_SIZE: '50',
} as const;

/** Lists the server's own settings (not the upstream credentials) for the emitted README and .env.example. */
export function describeSettings(definition?: Pick<ServerDefinition, 'baseUrl'> & Partial<Pick<ServerDefinition, 'scopes'>>): readonly SettingDescription[] {
  return [
    { variable: 'HOST', default: DEFAULT_HOST, description: 'Interface the HTTP server listens on.', example: EXAMPLES.HOST },
    { variable: 'PORT', default: String(DEFAULT_PORT), description: 'TCP port of the HTTP server (0 to 65535).', example: EXAMPLES.PORT },
    {
      variable: 'UPSTREAM_BASE_URL',
      default: definition?.baseUrl,
      description: "Absolute http(s) URL of the upstream API; defaults to the spec's first server.",
      example: EXAMPLES.UPSTREAM_BASE_URL,
    },
    {
      variable: 'UPSTREAM_TIMEOUT_MS',
      default: String(DEFAULT_TIMEOUT_MS),
      description: 'Milliseconds to wait for an upstream response before the tool call fails.',
      example: EXAMPLES.UPSTREAM_TIMEOUT_MS,
    },
    {
      variable: 'UPSTREAM_MAX_RESPONSE_BYTES',
      default: String(DEFAULT_MAX_RESPONSE_BYTES),
      description: 'Largest upstream response body, in bytes, passed back to the client.',
      example: EXAMPLES.UPSTREAM_MAX_RESPONSE_BYTES,
    },
    {
      variable: 'UPSTREAM_MAX_CONCURRENCY',
      default: String(DEFAULT_UPSTREAM_MAX_CONCURRENCY),
      description: 'Upstream requests in flight at once; further tool calls wait (within UPSTREAM_TIMEOUT_MS) for a free slot.',
      example: EXAMPLES.UPSTREAM_MAX_CONCURRENCY,
    },
    {
      variable: 'UPSTREAM_MAX_QUEUE',
      default: String(DEFAULT_UPSTREAM_MAX_QUEUE),
      description: 'Tool calls allowed to wait for an upstream slot; beyond it a call fails at once with "busy".',
      example: EXAMPLES.UPSTREAM_MAX_QUEUE,
    },
    {
      variable: 'UPSTREAM_RETRIES',
      default: String(DEFAULT_UPSTREAM_RETRIES),
      description: 'Retries of an idempotent upstream request (GET, HEAD, PUT, DELETE, OPTIONS) after a network error or a 502, 503, 504 or 429, with exponential backoff and jitter (0 to 10). POST and PATCH are never retried.',
      example: EXAMPLES.UPSTREAM_RETRIES,
    },
    {
      variable: 'MCP_MAX_BODY_BYTES',
      default: String(DEFAULT_MAX_BODY_BYTES),
      description: 'Largest MCP request body, in bytes; a larger one is answered 413 and its connection closed. Raising it costs memory: see MCP_MAX_CONCURRENT_REQUESTS.',
      example: EXAMPLES.MCP_MAX_BODY_BYTES,
    },
    {
      variable: 'MCP_MAX_CONCURRENT_REQUESTS',
      default: String(DEFAULT_MAX_CONCURRENT_REQUESTS),
      description: 'MCP requests in flight at once (each message of a batch counts); beyond it requests are answered 503 with Retry-After before their body is read. Sized so that the worst case (~11 MiB each) fits a 256 MiB memory limit; raise it with the memory limit.',
      example: EXAMPLES.MCP_MAX_CONCURRENT_REQUESTS,
    },
    {
      variable: 'MCP_TOOLS_PAGE_SIZE',
      default: String(DEFAULT_TOOLS_PAGE_SIZE),
      description: 'Tools per tools/list page (1 to 1000); a page is also cut at 1 MiB, and clients follow nextCursor for the rest.',
      example: EXAMPLES.MCP_TOOLS_PAGE_SIZE,
    },
    {
      variable: 'MCP_HEADERS_TIMEOUT_MS',
      default: String(DEFAULT_HEADERS_TIMEOUT_MS),
      description: 'Milliseconds a client may take to send the headers of a request before its connection is closed (at most MCP_REQUEST_TIMEOUT_MS).',
      example: EXAMPLES.MCP_HEADERS_TIMEOUT_MS,
    },
    {
      variable: 'MCP_REQUEST_TIMEOUT_MS',
      default: String(DEFAULT_REQUEST_TIMEOUT_MS),
      description: 'Milliseconds a client may take to send a whole request, body included, before it is answered 408 and its connection closed.',
      example: EXAMPLES.MCP_REQUEST_TIMEOUT_MS,
    },
    {
      variable: 'MCP_KEEP_ALIVE_TIMEOUT_MS',
      default: String(DEFAULT_KEEP_ALIVE_TIMEOUT_MS),
      description: "Milliseconds an idle keep-alive connection stays open. Behind a proxy that reuses connections, set it above the proxy's idle timeout.",
      example: EXAMPLES.MCP_KEEP_ALIVE_TIMEOUT_MS,
    },
    {
      variable: 'MCP_MAX_CONNECTIONS',
      default: String(DEFAULT_MAX_CONNECTIONS),
      description: 'TCP connections open at once; further ones are closed as soon as they are accepted.',
      example: EXAMPLES.MCP_MAX_CONNECTIONS,
    },
    {
      variable: 'RATE_LIMIT_PER_MINUTE',
      default: String(DEFAULT_RATE_LIMIT_PER_MINUTE),
      description: 'MCP requests per minute each caller (token subject, else client id) may make on average, each message of a batch counting as one; more are answered 429 with Retry-After. 0 turns the limit off.',
      example: EXAMPLES.RATE_LIMIT_PER_MINUTE,
    },
    {
      variable: 'RATE_LIMIT_BURST',
      default: String(DEFAULT_RATE_LIMIT_BURST),
      description: 'MCP requests a caller may make in a burst before RATE_LIMIT_PER_MINUTE applies (the token bucket size); a batch larger than it is always refused.',
      example: EXAMPLES.RATE_LIMIT_BURST,
    },
    {
      variable: 'SHUTDOWN_TIMEOUT_MS',
      default: String(DEFAULT_SHUTDOWN_TIMEOUT_MS),
      description: 'On SIGTERM, milliseconds in-flight requests may take to finish before their connections are cut.',
      example: EXAMPLES.SHUTDOWN_TIMEOUT_MS,
    },
    { variable: 'LOG_LEVEL', default: DEFAULT_LOG_LEVEL, description: `Log verbosity of the JSON log lines on stderr: ${LOG_LEVELS.join(', ')}.`, example: EXAMPLES.LOG_LEVEL },
    ...describeAuthSettings(definition),
  ];
}

/** Reads and checks every setting; throws SettingError naming the first malformed variable. */
export function readSettings(env: NodeJS.ProcessEnv, definition: ServerDefinition, options: ReadSettingsOptions = {}): Settings {
  const host = readHost(env);
  return Object.freeze({
    host,
    port: readInteger(env, 'PORT', DEFAULT_PORT, 0, 65_535),
    upstreamBaseUrl: readBaseUrl(env, definition),
    upstreamTimeoutMs: readInteger(env, 'UPSTREAM_TIMEOUT_MS', DEFAULT_TIMEOUT_MS, 1, MAX_TIMEOUT_MS),
    upstreamMaxResponseBytes: readInteger(env, 'UPSTREAM_MAX_RESPONSE_BYTES', DEFAULT_MAX_RESPONSE_BYTES, 1, Number.MAX_SAFE_INTEGER),
    logLevel: readLogLevel(env),
    maxBodyBytes: readInteger(env, 'MCP_MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, 1, Number.MAX_SAFE_INTEGER),
    rateLimitPerMinute: readInteger(env, 'RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMIT_PER_MINUTE, 0, 1_000_000),
    rateLimitBurst: readInteger(env, 'RATE_LIMIT_BURST', DEFAULT_RATE_LIMIT_BURST, 1, 1_000_000),
    upstreamMaxConcurrency: readInteger(env, 'UPSTREAM_MAX_CONCURRENCY', DEFAULT_UPSTREAM_MAX_CONCURRENCY, 1, 100_000),
    upstreamMaxQueue: readInteger(env, 'UPSTREAM_MAX_QUEUE', DEFAULT_UPSTREAM_MAX_QUEUE, 0, 1_000_000),
    upstreamRetries: readInteger(env, 'UPSTREAM_RETRIES', DEFAULT_UPSTREAM_RETRIES, 0, 10),
    shutdownTimeoutMs: readInteger(env, 'SHUTDOWN_TIMEOUT_MS', DEFAULT_SHUTDOWN_TIMEOUT_MS, 0, MAX_TIMEOUT_MS),
    ...readConnectionTimeouts(env),
    maxConnections: readInteger(env, 'MCP_MAX_CONNECTIONS', DEFAULT_MAX_CONNECTIONS, 1, 1_000_000),
    maxConcurrentRequests: readInteger(env, 'MCP_MAX_CONCURRENT_REQUESTS', DEFAULT_MAX_CONCURRENT_REQUESTS, 1, 100_000),
    toolsPageSize: readInteger(env, 'MCP_TOOLS_PAGE_SIZE', DEFAULT_TOOLS_PAGE_SIZE, 1, 1000),
    credentials: loadUpstreamCredentials(definition.securitySchemes, env),
    auth: options.transport === 'stdio' ? undefined : readAuthSettings(env, host),
  });
}

/** An empty value counts as unset, so `PORT=` in a .env file means "use the default". */
function valueOf(env: NodeJS.ProcessEnv, variable: keyof typeof EXAMPLES): string | undefined {
  const value = env[variable]?.trim();
  return value ? value : undefined;
}

function readHost(env: NodeJS.ProcessEnv): string {
  const value = valueOf(env, 'HOST');
  if (value === undefined) return DEFAULT_HOST;
  // A bracketed IPv6 literal is how it appears in URLs; listen() wants it bare.
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  const hostname = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
  if (isIP(bare) === 0 && !hostname.test(bare)) {
    throw new SettingError('HOST', `"${value}" is not a host name or IP address`, EXAMPLES.HOST);
  }
  return bare;
}

function readInteger(env: NodeJS.ProcessEnv, variable: keyof typeof EXAMPLES, fallback: number, min: number, max: number): number {
  const value = valueOf(env, variable);
  if (value === undefined) return fallback;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new SettingError(variable, `"${value}" is not an integer from ${min} to ${max}`, EXAMPLES[variable]);
  }
  return number;
}

/** The three connection timeouts; Node refuses a headers timeout longer than the request timeout, so this does too. */
function readConnectionTimeouts(env: NodeJS.ProcessEnv): Pick<Settings, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs'> {
  const headersTimeoutMs = readInteger(env, 'MCP_HEADERS_TIMEOUT_MS', DEFAULT_HEADERS_TIMEOUT_MS, 1, MAX_TIMEOUT_MS);
  const requestTimeoutMs = readInteger(env, 'MCP_REQUEST_TIMEOUT_MS', DEFAULT_REQUEST_TIMEOUT_MS, 1, MAX_TIMEOUT_MS);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new SettingError('MCP_HEADERS_TIMEOUT_MS', `${headersTimeoutMs} is longer than MCP_REQUEST_TIMEOUT_MS (${requestTimeoutMs}), which covers the headers too`, EXAMPLES.MCP_HEADERS_TIMEOUT_MS);
  }
  const keepAliveTimeoutMs = readInteger(env, 'MCP_KEEP_ALIVE_TIMEOUT_MS', DEFAULT_KEEP_ALIVE_TIMEOUT_MS, 1, MAX_TIMEOUT_MS);
  return { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs };
}

function readBaseUrl(env: NodeJS.ProcessEnv, definition: ServerDefinition): string {
  const value = valueOf(env, 'UPSTREAM_BASE_URL');
  if (value !== undefined) {
    const problem = baseUrlProblem(value);
    if (problem) throw new SettingError('UPSTREAM_BASE_URL', `"${value}" ${problem}`, EXAMPLES.UPSTREAM_BASE_URL);
    return value;
  }
  if (definition.baseUrl === undefined) {
    throw new SettingError('UPSTREAM_BASE_URL', 'is not set and the spec names no server', EXAMPLES.UPSTREAM_BASE_URL);
  }
  const problem = baseUrlProblem(definition.baseUrl);
  if (problem) {
    throw new SettingError('UPSTREAM_BASE_URL', `is not set and the spec's server "${definition.baseUrl}" ${problem}`, EXAMPLES.UPSTREAM_BASE_URL);
  }
  return definition.baseUrl;
}

/** Why `value` cannot be the upstream base URL, or undefined when it can. */
function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'is not an http(s) URL';
  // fetch() refuses URLs with credentials; they belong in the UPSTREAM_* credential variables.
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.hash) return 'must not contain a fragment';
  return undefined;
}

function readLogLevel(env: NodeJS.ProcessEnv): LogLevel {
  const value = valueOf(env, 'LOG_LEVEL');
  if (value === undefined) return DEFAULT_LOG_LEVEL;
  const level = LOG_LEVELS.find((candidate) => candidate === value.toLowerCase());
  if (!level) throw new SettingError('LOG_LEVEL', `"${value}" is not one of ${LOG_LEVELS.join(', ')}`, EXAMPLES.LOG_LEVEL);
  return level;
}
