/**
 * The MCP endpoint over HTTP: stateless Streamable HTTP (2025-11-25 basic/transports#streamable-http) at `/mcp`.
 *
 * Stateless: every POST gets a fresh transport and a fresh Server, closed when its response ends, so nothing is shared
 * between requests or callers and any instance behind a load balancer can answer any request. A request passes through
 * `authenticate` (where caller authorization will establish who is calling) before its body is even read.
 */

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { ServerDefinition } from './definition.js';
import { ANONYMOUS_CALLER, createMcpServer } from './mcp-server.js';
import type { CallerContext, ToolPolicy } from './mcp-server.js';
import { stderrLog } from './settings.js';
import type { Log, Settings } from './settings.js';
import type { UpstreamContext } from './upstream.js';

export const MCP_PATH = '/mcp';
const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

export interface HttpServerOptions {
  /** Largest accepted request body; a larger one is answered 413. Default 4 MiB. */
  readonly maxBodyBytes?: number;
  /** How long close() lets in-flight requests finish before cutting their connections. Default 10 s. */
  readonly closeTimeoutMs?: number;
  /** The fetch used to reach the upstream API (tests substitute their own). */
  readonly fetch?: typeof fetch;
  /** Which tools callers may see and use; defaults to all of them. */
  readonly policy?: ToolPolicy;
  /** Receives unexpected errors, and one debug line per request; defaults to stderr at settings.logLevel. */
  readonly log?: Log;
}

export interface RunningHttpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3000/mcp` (with the actual port when PORT=0). */
  readonly url: string;
  /** Stops accepting connections, lets in-flight requests finish (bounded), then resolves. */
  close(): Promise<void>;
}

/** Who is calling: `undefined` means `authenticate` has already answered the request (e.g. 401). */
type Authenticate = (req: IncomingMessage, res: ServerResponse) => Promise<CallerContext | undefined>;

/** Starts the HTTP server on settings.host:settings.port; resolves once it listens. */
export async function startHttpServer(definition: ServerDefinition, settings: Settings, options: HttpServerOptions = {}): Promise<RunningHttpServer> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log ?? stderrLog(settings.logLevel);
  const upstream: UpstreamContext = {
    baseUrl: settings.upstreamBaseUrl,
    credentials: settings.credentials,
    timeoutMs: settings.upstreamTimeoutMs,
    maxResponseBytes: settings.upstreamMaxResponseBytes,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  // No caller authorization yet: everyone is the anonymous caller. This is the step it replaces.
  const authenticate: Authenticate = async () => ANONYMOUS_CALLER;
  let closing = false;

  /** Serves one MCP POST whose body has been read: a fresh transport and Server, both closed with the response. */
  async function handleMcp(req: IncomingMessage, res: ServerResponse, caller: CallerContext, body: unknown): Promise<void> {
    const server = createMcpServer(definition, { upstream, caller, ...(options.policy ? { policy: options.policy } : {}) });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // While closing, answered connections are not kept alive, so they do not hold close() up.
    if (closing) res.setHeader('Connection', 'close');
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== MCP_PATH) return sendJson(res, 404, { error: 'not_found', message: `Not found; the MCP endpoint is ${MCP_PATH}` });
    if (!hostAllowed(settings.host, req)) return sendJsonRpcError(res, 403, 'Forbidden: Host or Origin header not allowed');
    if (req.method !== 'POST') {
      // 2025-11-25 basic/transports#listening-for-messages-from-the-server: a server offering no SSE stream answers GET
      // with 405; #session-management: DELETE may be answered 405 too (stateless: there is no session to end).
      res.setHeader('Allow', 'POST');
      return sendJsonRpcError(res, 405, 'Method not allowed: this stateless server accepts only POST');
    }
    const caller = await authenticate(req, res);
    if (!caller) return;
    const body = await readJsonBody(req, res, maxBodyBytes);
    if (body === NO_BODY) return;
    await handleMcp(req, res, caller, body);
  }

  const server = createServer((req, res) => {
    const started = Date.now();
    res.once('finish', () => log('debug', `${req.method} ${req.url} ${res.statusCode} ${Date.now() - started} ms`));
    handle(req, res).catch((error: unknown) => {
      log('error', `${req.method} ${req.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!res.headersSent) sendJsonRpcError(res, 500, 'Internal error');
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const host = isIP(settings.host) === 6 ? `[${settings.host}]` : settings.host;

  return {
    url: `http://${host}:${port}${MCP_PATH}`,
    close() {
      closing = true;
      return new Promise<void>((resolve) => {
        const deadline = setTimeout(() => server.closeAllConnections(), options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
        deadline.unref();
        server.close(() => {
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}

const NO_BODY = Symbol('no body');

/** Reads and parses the JSON body, or answers 413 / 400 itself and returns NO_BODY. */
async function readJsonBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<unknown> {
  const text = await readBody(req, maxBytes);
  if (text === undefined) {
    // The rest of the body is not drained: the connection is closed once the answer is sent.
    res.setHeader('Connection', 'close');
    sendJsonRpcError(res, 413, `Request body larger than ${maxBytes} bytes`);
    return NO_BODY;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    sendJsonRpcError(res, 400, 'Parse error: the body is not JSON', -32700);
    return NO_BODY;
  }
}

/** The body as text, or undefined as soon as it is known to exceed `maxBytes` (declared or as received). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // Stop reading without destroying the socket, which would lose the 413 answer.
      req.off('data', onData).pause();
      resolve(undefined);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    // A client that goes away mid-body: settles the promise (a no-op when it already has) so nothing waits forever.
    req.once('close', () => reject(new Error('the client closed the connection before sending the whole body')));
  });
}

/** DNS rebinding guard (2025-11-25 basic/transports#security-warning) for a server bound to loopback. */
function hostAllowed(boundHost: string, req: IncomingMessage): boolean {
  // Bound to another interface, the server is meant to be reached by other names; caller authorization guards it.
  if (!isLoopback(boundHost)) return true;
  const host = req.headers.host;
  if (host === undefined || !isLoopback(hostnameOf(`http://${host}`))) return false;
  const origin = req.headers.origin;
  return origin === undefined || isLoopback(hostnameOf(origin));
}

function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return '';
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** Errors on the MCP endpoint carry a JSON-RPC error body, as the SDK's own transport answers. */
function sendJsonRpcError(res: ServerResponse, status: number, message: string, code = -32000): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });
}
