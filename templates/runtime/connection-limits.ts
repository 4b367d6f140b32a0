/**
 * What one TCP connection may cost the server: explicit timeouts for headers, whole requests and idle keep-alive
 * connections, bounded headers, a cap on open connections, and no reading of a body the server has already answered.
 *
 * Node's defaults are not relied on: they changed between versions and let a slowloris connection live for over a
 * minute. When the server answers before it has read a request's body (401, 403, 404, 405, 413, 429, 503…), it says
 * `Connection: close` (RFC 9112 §9.6) and closes the connection once the answer is flushed, rather than reading and
 * discarding the rest of the body to keep the connection alive (RFC 9112 §9.3 lets either side close it).
 */

import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Settings } from './settings.js';

/** Largest request header section in bytes (Node's default; a JWT of a few KiB fits many times); larger: 431. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Header lines parsed per request; more are ignored. An MCP request needs fewer than 20. */
export const MAX_HEADERS_COUNT = 100;

type ConnectionSettings = Pick<Settings, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'maxConnections'>;

/** Options for http.createServer: the header and request timeouts, checked often enough to be honoured. */
export function httpServerOptions(settings: ConnectionSettings): ServerOptions {
  return {
    headersTimeout: settings.headersTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    maxHeaderSize: MAX_HEADER_BYTES,
    // Node checks both timeouts on this interval (default 30 s, longer than the timeouts themselves).
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(settings.headersTimeoutMs / 2))),
  };
}

/** Sets what http.createServer takes only as properties: the header count, keep-alive timeout and connection cap. */
export function limitConnections(server: Server, settings: ConnectionSettings): void {
  server.maxHeadersCount = MAX_HEADERS_COUNT;
  server.keepAliveTimeout = settings.keepAliveTimeoutMs;
  // Beyond it, Node closes a new connection as soon as it is accepted.
  server.maxConnections = settings.maxConnections;
}

/**
 * Marks the response `Connection: close` while `req` has a body not yet read, and destroys the connection once an
 * answer given before the body was read is flushed. Returns the function to call once the whole body has been read,
 * which lets the connection be kept alive again (unless `keepAlive` says otherwise, e.g. during shutdown).
 */
export function closeUnlessBodyRead(req: IncomingMessage, res: ServerResponse, keepAlive: () => boolean): () => void {
  if (!hasBody(req)) return () => undefined;
  res.setHeader('Connection', 'close');
  res.once('finish', () => {
    // Node would otherwise resume the request to drain its body: an endless chunked body would be read for ever.
    if (!req.complete) req.socket.destroy();
  });
  return () => {
    if (keepAlive() && !res.headersSent) res.removeHeader('Connection');
  };
}

/** Whether the request announces a body (RFC 9112 §6.3: Transfer-Encoding, or a non-zero Content-Length). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
