/**
 * The emitted server's settings, read once from the environment at start-up. Each variable is read through its
 * definition in setting-definitions.ts (its parser and default); the rules between variables are the small functions
 * below and in auth-settings.ts.
 *
 * Every malformed value is refused before the server listens (SettingError names the variable and shows an example),
 * so a typo is reported at deploy time rather than on the first tool call. Pure: the generator imports this module to
 * document the settings, so nothing here may run at import.
 */

import { readAuthSettings } from './auth-settings.js';
import type { AuthSettings } from './auth-settings.js';
import { describeUpstreamVariables, loadUpstreamCredentials } from './credentials.js';
import type { UpstreamCredentials, UpstreamVariable } from './credentials.js';
import type { ServerDefinition } from './definition.js';
import { SettingError } from './errors.js';
import { LOG_LEVELS, readSetting, settingDefinitions, settingRows, settingText } from './setting-definitions.js';
import type { LogLevel, SettingContext, SettingDefinitions, SettingRow, ToolMode } from './setting-definitions.js';
import { httpUrlProblem } from './setting-parsers.js';
import { readRedisSettings } from './redis-settings.js';
import type { RedisSettings } from './redis-settings.js';
import { readObservabilitySettings } from './observability-settings.js';
import type { ObservabilitySettings } from './observability-settings.js';

export { LOG_LEVELS };
export type { LogLevel, SettingRow };
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
  /** How tools are offered: direct, discovery meta-tools, or auto by the caller's tool count (discovery.ts). */
  readonly toolMode: ToolMode;
  /** With toolMode auto: a caller who may use more tools than this is served the discovery meta-tools. */
  readonly toolModeThreshold: number;
  readonly credentials: UpstreamCredentials;
  /** Shared state of the replicas (REDIS_URL); undefined when it is unset, or read for stdio. */
  readonly redis: RedisSettings | undefined;
  /** Consent before risky actions (consent.ts): `off` only on purpose (CONSENT). */
  readonly consent: 'on' | 'off';
  /** The decoded CONSENT_KEY that seals consent states; undefined when unset (a random key per process). */
  readonly consentKey: Buffer | undefined;
  /** Seconds the user has to answer a consent question (CONSENT_TTL_SECONDS). */
  readonly consentTtlSeconds: number;
  /** Caller authorization over HTTP; undefined when read for stdio, which checks no tokens. */
  readonly auth: AuthSettings | undefined;
  /** Metrics and tracing over HTTP (observability-settings.ts); undefined when read for stdio. */
  readonly observability?: ObservabilitySettings | undefined;
}

/** The consent settings, as consent-setup.ts reads them. */
export type ConsentSettings = Pick<Settings, 'consent' | 'consentKey' | 'consentTtlSeconds'>;

export interface ReadSettingsOptions {
  /** `stdio` skips the HTTP-only authorization settings (2025-11-25 basic/authorization: stdio uses the environment). */
  readonly transport?: 'http' | 'stdio';
}

/** Lists the server's own settings (not the upstream credentials), in documentation order. */
export function describeSettings(context?: SettingContext): readonly SettingRow[] {
  return settingRows(context);
}

/**
 * Every variable the server reads: its own settings, then the upstream credential variables of the spec's security
 * schemes. The one list --help, --print-config, unknown-variable warnings and the generated documentation and
 * Kubernetes objects are derived from.
 */
export function describeAllSettings(definition: SettingContext & Pick<ServerDefinition, 'securitySchemes'>): readonly (SettingRow | UpstreamVariable)[] {
  return [...settingRows(definition), ...describeUpstreamVariables(definition.securitySchemes)];
}

/** Reads and checks every setting; throws SettingError naming the first malformed variable. */
export function readSettings(env: NodeJS.ProcessEnv, definition: ServerDefinition, options: ReadSettingsOptions = {}): Settings {
  const settings = settingDefinitions(definition);
  const host = readSetting(env, settings.host);
  // Throws at the first malformed variable, in this order.
  return Object.freeze({
    host,
    port: readSetting(env, settings.port),
    upstreamBaseUrl: readBaseUrl(env, settings.upstreamBaseUrl),
    upstreamTimeoutMs: readSetting(env, settings.upstreamTimeoutMs),
    upstreamMaxResponseBytes: readSetting(env, settings.upstreamMaxResponseBytes),
    logLevel: readSetting(env, settings.logLevel),
    maxBodyBytes: readSetting(env, settings.maxBodyBytes),
    rateLimitPerMinute: readSetting(env, settings.rateLimitPerMinute),
    rateLimitBurst: readSetting(env, settings.rateLimitBurst),
    upstreamMaxConcurrency: readSetting(env, settings.upstreamMaxConcurrency),
    upstreamMaxQueue: readSetting(env, settings.upstreamMaxQueue),
    upstreamRetries: readSetting(env, settings.upstreamRetries),
    shutdownTimeoutMs: readSetting(env, settings.shutdownTimeoutMs),
    ...readConnectionTimeouts(env, settings),
    maxConnections: readSetting(env, settings.maxConnections),
    maxConcurrentRequests: readSetting(env, settings.maxConcurrentRequests),
    toolsPageSize: readSetting(env, settings.toolsPageSize),
    toolMode: readSetting(env, settings.toolMode),
    toolModeThreshold: readSetting(env, settings.toolModeThreshold),
    credentials: loadUpstreamCredentials(definition.securitySchemes, env),
    redis: options.transport === 'stdio' ? undefined : readRedisSettings(env, settings, definition.name),
    consent: readSetting(env, settings.consent),
    consentKey: readSetting(env, settings.consentKey),
    consentTtlSeconds: readSetting(env, settings.consentTtlSeconds),
    auth: options.transport === 'stdio' ? undefined : readAuthSettings(env, host, settings),
    observability: options.transport === 'stdio' ? undefined : readObservabilitySettings(env, settings, host),
  });
}

/** The three connection timeouts; Node refuses a headers timeout longer than the request timeout, so this does too. */
function readConnectionTimeouts(env: NodeJS.ProcessEnv, settings: SettingDefinitions): Pick<Settings, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs'> {
  const headersTimeoutMs = readSetting(env, settings.headersTimeoutMs);
  const requestTimeoutMs = readSetting(env, settings.requestTimeoutMs);
  if (headersTimeoutMs > requestTimeoutMs) {
    const { variable, example } = settings.headersTimeoutMs;
    throw new SettingError(variable, `${headersTimeoutMs} is longer than ${settings.requestTimeoutMs.variable} (${requestTimeoutMs}), which covers the headers too`, example);
  }
  const keepAliveTimeoutMs = readSetting(env, settings.keepAliveTimeoutMs);
  return { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs };
}

/** UPSTREAM_BASE_URL when set, else the spec's server (its fallback), which must be an absolute http(s) URL too. */
function readBaseUrl(env: NodeJS.ProcessEnv, setting: SettingDefinitions['upstreamBaseUrl']): string {
  const { variable, example, fallback: specServer } = setting;
  const given = settingText(env, variable);
  if (given !== undefined) return setting.parse(given);
  if (specServer === undefined) throw new SettingError(variable, 'is not set and the spec names no server', example);
  const problem = httpUrlProblem(specServer);
  if (problem) throw new SettingError(variable, `is not set and the spec's server "${specServer}" ${problem}`, example);
  return specServer;
}
