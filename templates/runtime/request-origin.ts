/**
 * Where a request to the MCP endpoint comes from: the Host check against DNS rebinding, the Origin check against
 * cross-site browser requests (MCP 2025-11-25 basic/transports#security-warning, 2026-07-28
 * basic/transports/streamable-http#security-warning), and the CORS answers (Fetch Standard §3.2 "CORS protocol") that
 * let an allowed browser-based client read the answers.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopbackHost } from './auth-settings.js';
import type { Refusal } from './refusal.js';

/**
 * Request headers a browser client may send (CORS preflight of the MCP endpoint), besides the `Mcp-Param-{Name}`
 * headers of 2026-07-28 basic/transports/streamable-http#custom-headers-from-tool-parameters, allowed as asked for.
 */
export const ALLOWED_HEADERS: readonly string[] = ['authorization', 'content-type', 'mcp-protocol-version', 'mcp-session-id', 'last-event-id', 'mcp-method', 'mcp-name', 'traceparent', 'tracestate'];
/** Response headers a browser client must be able to read: the challenge (RFC 6750 §3, RFC 9728 §5.1) and the session id. */
export const EXPOSED_HEADERS = 'WWW-Authenticate, Mcp-Session-Id';
/** A header name (RFC 9110 §5.1 token) of the `Mcp-Param-` family, lowercased as a preflight lists it. */
const MCP_PARAM_HEADER = /^mcp-param-[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** Who may reach the endpoint: known once the server listens, since the default public URL carries the bound port. */
export interface OriginPolicy {
  /** The interface the server listens on (HOST). */
  readonly listenHost: string;
  /** The canonical URL of the endpoint (MCP_PUBLIC_URL). */
  readonly publicUrl: string;
  /** Serialized origins (RFC 6454 §6.2) allowed to call from a browser: the public URL's and MCP_ALLOWED_ORIGINS. */
  readonly allowedOrigins: ReadonlySet<string>;
}

/** The OriginPolicy of a server listening on `listenHost` at `publicUrl`, allowing `extraOrigins` besides its own. */
export function originPolicy(listenHost: string, publicUrl: string, extraOrigins: readonly string[]): OriginPolicy {
  return { listenHost, publicUrl, allowedOrigins: new Set([new URL(publicUrl).origin, ...extraOrigins]) };
}

/** The 403 refusal of a request from a Host or Origin the policy does not allow, or undefined when it may proceed. */
export function originRefusal(req: IncomingMessage, policy: OriginPolicy): Refusal | undefined {
  if (!hostAllowed(req.headers.host, policy)) return { status: 403, reason: 'host', message: 'Forbidden: Host header not allowed' };
  const origin = req.headers.origin;
  if (origin !== undefined && !policy.allowedOrigins.has(originOf(origin))) return { status: 403, reason: 'origin', message: originRefusalMessage(origin) };
  return undefined;
}

/**
 * Whether a request naming `host` in its Host header may reach a server under `policy`. Bound to loopback, the server
 * answers only loopback names and the public URL's host (a DNS rebinding attack names the attacker's domain).
 */
export function hostAllowed(host: string | undefined, policy: Pick<OriginPolicy, 'listenHost' | 'publicUrl'>): boolean {
  // Bound to another interface, the server is meant to be reached by other names; the token check guards it.
  if (!isLoopbackHost(policy.listenHost)) return true;
  if (host === undefined) return false;
  const name = hostnameOf(`http://${host}`);
  // Behind a reverse proxy on the same machine the Host is the public one.
  return isLoopbackHost(name) || name === hostnameOf(policy.publicUrl);
}

/** The serialized origin (RFC 6454 §6.2) of an Origin header, or '' (never allowed) when it is not an http(s) one (e.g. `null`). */
export function originOf(value: string): string {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : '';
  } catch {
    return '';
  }
}

/**
 * The 403 message for a browser Origin not in MCP_ALLOWED_ORIGINS, saying how to allow it. The origin is named only
 * when it parses as an http(s) origin (RFC 6454 §7: scheme, host, port), so no other text from the request is echoed.
 */
export function originRefusalMessage(origin: string): string {
  const parsed = originOf(origin);
  const named = parsed === '' ? 'this origin' : parsed;
  return `Forbidden: Origin not allowed; to allow a browser-based client from it, set MCP_ALLOWED_ORIGINS=${named}`;
}

/** Sets the CORS response headers of an allowed request: the readable headers and, for a browser, its origin. */
export function allowCors(res: ServerResponse, origin: string | undefined): void {
  res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  if (origin === undefined) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
}

/** Answers a CORS preflight (OPTIONS) of the endpoint: 204 with the methods and request headers allowed. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  const headers = allowedHeaders(req.headers['access-control-request-headers']);
  res.writeHead(204, { Allow: 'POST, OPTIONS', 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': headers, 'Access-Control-Max-Age': '600' });
  res.end();
}

/** The preflight's allowed request headers: ours, and the `Mcp-Param-*` headers in `asked` (Access-Control-Request-Headers). */
export function allowedHeaders(asked: string | undefined): string {
  const names = String(asked ?? '').split(',').map((name) => name.trim().toLowerCase());
  const params = names.filter((name) => MCP_PARAM_HEADER.test(name));
  return [...ALLOWED_HEADERS, ...new Set(params)].join(', ');
}

/** The host name of `url` without IPv6 brackets, or '' when it does not parse. */
function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return '';
  }
}
