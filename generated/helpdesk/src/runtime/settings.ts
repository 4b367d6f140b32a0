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
export type Log = (level: LogLevel, message: string) => void;

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
/** setTimeout silently turns larger delays into 1 ms, so a longer timeout would fire at once. */
const MAX_TIMEOUT_MS = 2_147_483_647;

const EXAMPLES = {
  HOST: '0.0.0.0',
  PORT: '8080',
  UPSTREAM_BASE_URL: 'https://api.example.com/v1',
  UPSTREAM_TIMEOUT_MS: '10000',
  UPSTREAM_MAX_RESPONSE_BYTES: '4194304',
  LOG_LEVEL: 'debug',
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
    { variable: 'LOG_LEVEL', default: DEFAULT_LOG_LEVEL, description: `Log verbosity on stderr: ${LOG_LEVELS.join(', ')}.`, example: EXAMPLES.LOG_LEVEL },
    ...describeAuthSettings(definition),
  ];
}

/** A log writing `<level>: <message>` lines to stderr (stdout may carry the protocol) at `threshold` and above. */
export function stderrLog(threshold: LogLevel): Log {
  const limit = LOG_LEVELS.indexOf(threshold);
  return (level, message) => {
    if (LOG_LEVELS.indexOf(level) <= limit) process.stderr.write(`${level}: ${message}\n`);
  };
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
