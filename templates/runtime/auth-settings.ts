/**
 * Settings of caller authorization over HTTP (the emitted server as an OAuth 2.1 resource server): each variable is
 * declared, with its parser and default, in setting-definitions.ts; the rules between them are here.
 *
 * Read once at start-up like the other settings: every missing or malformed value is a SettingError naming the
 * variable with an example, before anything listens. Pure: nothing here runs at import.
 */

import { isIP } from 'node:net';
import { SettingError } from './errors.js';
import { readSetting, settingDefinitions, settingText } from './setting-definitions.js';
import type { SettingDefinitions } from './setting-definitions.js';
import { isLoopbackHost } from './setting-parsers.js';

export { isLoopbackHost, urlProblem } from './setting-parsers.js';
export { DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS } from './setting-definitions.js';

/** The MCP endpoint's path when MCP_PUBLIC_URL is not set. */
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

/**
 * Reads the authorization settings for a server bound to `host`; throws SettingError naming the first bad variable.
 * Each variable is parsed by its definition; the rules between variables follow here.
 */
export function readAuthSettings(env: NodeJS.ProcessEnv, host: string, settings: SettingDefinitions = settingDefinitions()): AuthSettings {
  const mode = readMode(env, host, settings);
  const publicUrl = readSetting(env, settings.publicUrl);
  if (publicUrl === undefined && mode === 'oauth' && !isLoopbackHost(host)) {
    // The default http://HOST:PORT/mcp is only right for a loopback server; anything else is reached by another name.
    throw new SettingError(settings.publicUrl.variable, `is required when HOST (${host}) is not a loopback address`, settings.publicUrl.example);
  }
  const endpoint: EndpointSettings = {
    publicUrl,
    path: publicUrl === undefined ? DEFAULT_MCP_PATH : new URL(publicUrl).pathname,
    allowedOrigins: readSetting(env, settings.allowedOrigins),
    auditLog: readSetting(env, settings.auditLog),
  };
  if (mode === 'none') return Object.freeze({ mode, ...endpoint });

  const issuer = readSetting(env, settings.issuer);
  if (issuer === undefined) throw new SettingError(settings.issuer.variable, 'is required (or set AUTH_MODE=none for local development)', settings.issuer.example);
  return Object.freeze({
    mode,
    ...endpoint,
    issuer,
    jwksUrl: readSetting(env, settings.jwksUrl),
    audience: readSetting(env, settings.audience),
    rolesClaim: readSetting(env, settings.rolesClaim),
    algorithms: readSetting(env, settings.algorithms),
    clockToleranceSeconds: readSetting(env, settings.clockToleranceSeconds),
    introspection: readIntrospection(env, settings),
    challengeScopes: readSetting(env, settings.challengeScopes),
  });
}

/** The canonical URL of the MCP endpoint once the server listens on `port` (MCP_PUBLIC_URL, else the bound address). */
export function publicUrlFor(auth: AuthSettings, host: string, port: number): string {
  if (auth.publicUrl !== undefined) return auth.publicUrl;
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}${DEFAULT_MCP_PATH}`;
}

function readMode(env: NodeJS.ProcessEnv, host: string, settings: SettingDefinitions): 'oauth' | 'none' {
  const mode = readSetting(env, settings.authMode);
  if (mode === 'none' && !isLoopbackHost(host)) {
    // MCP 2025-11-25 basic/transports#security-warning: an unauthenticated server must not be reachable from other machines.
    throw new SettingError(settings.authMode.variable, `"none" is allowed only when HOST is a loopback address, not ${host}`, 'oauth');
  }
  return mode;
}

/** The introspection client, all three variables or none (RFC 7662 §2.1: the resource server must authenticate). */
function readIntrospection(env: NodeJS.ProcessEnv, settings: SettingDefinitions): IntrospectionSettings | undefined {
  const { introspectionUrl, introspectionClientId, introspectionClientSecret } = settings;
  const url = readSetting(env, introspectionUrl);
  const clientId = readSetting(env, introspectionClientId);
  const clientSecret = readSetting(env, introspectionClientSecret);
  if (url === undefined) {
    const stray = [introspectionClientId, introspectionClientSecret].find(({ variable }) => settingText(env, variable) !== undefined);
    if (stray) throw new SettingError(introspectionUrl.variable, `is required when ${stray.variable} is set`, introspectionUrl.example);
    return undefined;
  }
  if (clientId === undefined) throw new SettingError(introspectionClientId.variable, `is required with ${introspectionUrl.variable}`, introspectionClientId.example);
  if (clientSecret === undefined) throw new SettingError(introspectionClientSecret.variable, `is required with ${introspectionUrl.variable}`, introspectionClientSecret.example);
  return Object.freeze({ url, clientId, clientSecret });
}
