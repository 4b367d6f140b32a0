/** `portcullis dev-auth` flags → the options of the development authorization server: pure, so it can be tested without a process. */
import { isIP } from 'node:net';
import { scopeNameProblem } from '../normalize/names.js';

/** What the development authorization server issues tokens for and to whom. */
export interface DevAuthOptions {
  /** Interface to listen on: a loopback address only (127.0.0.0/8 or ::1). */
  readonly host: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** The RFC 8707 resource indicator (the MCP server's `MCP_PUBLIC_URL`): the `aud` of every access token. */
  readonly resource: string;
  /** Every scope the authorization server grants for the resource. */
  readonly scopes: readonly string[];
  /** Every role known; the dev user holds all of them. */
  readonly roles: readonly string[];
  /** Scopes of the access token printed at start (default: all of `scopes`). */
  readonly tokenScopes?: readonly string[];
  /** Access token lifetime in seconds (default 3600). */
  readonly accessTokenTTL?: number;
}

export interface DevAuthFlags {
  readonly host?: string;
  readonly port?: string;
  readonly resource?: string;
  readonly scopes?: string;
  readonly roles?: string;
  readonly tokenScopes?: string;
  readonly tools?: string;
}

export const DEFAULT_DEV_AUTH_PORT = 4000;
export const DEFAULT_DEV_AUTH_HOST = '127.0.0.1';
export const DEFAULT_RESOURCE = 'http://127.0.0.1:3000/mcp';
export const DEFAULT_ACCESS_TOKEN_TTL = 3600;

/** Scopes and roles read from a generated server's tools.json (see tools-file.ts). */
export interface KnownGrants {
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
}

/** True for a literal loopback address (127.0.0.0/8, ::1) or `localhost`: the only hosts dev-auth may bind. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) === 4) return bare.split('.')[0] === '127';
  if (isIP(bare) === 6) return /^(0{0,4}:){7}0{0,3}1$|^::1$/i.test(bare) || /^::ffff:127\./i.test(bare);
  return false;
}

/** Space- or comma-separated words, deduplicated, order kept. */
export function splitWords(value: string | undefined): string[] {
  return [...new Set((value ?? '').split(/[\s,]+/).filter(Boolean))];
}

/**
 * Validates flags (and the scopes and roles of a tools.json, when `--tools` was given) into options, or a usage
 * message. Scopes and roles from --scopes/--roles are added to those of the tools file.
 */
export function toDevAuthOptions(flags: DevAuthFlags, known: KnownGrants = { scopes: [], roles: [] }): DevAuthOptions | { readonly usage: string } {
  const host = flags.host ?? DEFAULT_DEV_AUTH_HOST;
  if (!isLoopbackHost(host)) {
    return { usage: `--host ${JSON.stringify(host)} is not a loopback address: dev-auth is for development on this machine only and listens on 127.0.0.1 or ::1, e.g. --host 127.0.0.1` };
  }
  const port = flags.port === undefined ? DEFAULT_DEV_AUTH_PORT : Number(flags.port);
  if (!/^\d+$/.test(flags.port ?? '0') || !Number.isSafeInteger(port) || port > 65_535) {
    return { usage: `--port ${JSON.stringify(flags.port)} is not a TCP port from 0 to 65535, e.g. --port 4000` };
  }
  const resource = flags.resource ?? DEFAULT_RESOURCE;
  const resourceProblem = checkResource(resource);
  if (resourceProblem) return { usage: `--resource ${JSON.stringify(resource)} ${resourceProblem}, e.g. --resource ${DEFAULT_RESOURCE}` };
  const scopes = [...new Set([...known.scopes, ...splitWords(flags.scopes)])];
  const roles = [...new Set([...known.roles, ...splitWords(flags.roles)])];
  const badScope = scopes.find((scope) => scopeNameProblem(scope) !== undefined);
  if (badScope !== undefined) return { usage: `scope ${JSON.stringify(badScope)} is not a valid OAuth scope token (RFC 6749 §3.3: printable ASCII without space, " or \\)` };
  const badRole = roles.find((role) => !/^[\x21-\x7e]+$/.test(role));
  if (badRole !== undefined) return { usage: `role ${JSON.stringify(badRole)} must be printable ASCII without spaces` };
  const tokenScopes = flags.tokenScopes === undefined ? undefined : splitWords(flags.tokenScopes);
  const unknown = tokenScopes?.filter((scope) => !scopes.includes(scope)) ?? [];
  if (unknown.length > 0) {
    return { usage: `--token-scopes: ${unknown.map((scope) => JSON.stringify(scope)).join(', ')} not among the scopes (${scopes.join(' ') || 'none'}); add them with --scopes or --tools` };
  }
  return { host, port, resource, scopes, roles, ...(tokenScopes ? { tokenScopes } : {}) };
}

/** Why a resource indicator is unusable (RFC 8707 §2: an absolute URI without a fragment), or undefined. */
function checkResource(resource: string): string | undefined {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL (the MCP server\'s MCP_PUBLIC_URL)';
  if (url.hash !== '' || resource.includes('#')) return 'must not have a fragment (RFC 8707 §2)';
  if (url.username || url.password) return 'must not carry credentials';
  return undefined;
}
