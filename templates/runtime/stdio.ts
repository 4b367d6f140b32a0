/**
 * The MCP server over stdio (2026-07-28 basic/transports/stdio, and 2025-11-25 basic/transports#stdio for clients that
 * open with `initialize`): the SDK's serveStdio answers `server/discover` and per-request `_meta` as well as the legacy
 * handshake, with a Server from the same factory as over HTTP.
 *
 * The spec allows nothing but MCP messages on stdout, so every log goes to stderr. Caller authorization does not apply
 * here (2025-11-25 basic/authorization: stdio implementations take credentials from the environment instead): the
 * caller is whoever started the process, and every tool is available.
 */

import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { ServerDefinition } from './definition.js';
import type { ServerHooks } from './hooks.js';
import { ConcurrencyLimiter } from './limits.js';
import { createMcpServer } from './mcp-server.js';
import type { Settings } from './settings.js';

export interface RunningStdioServer {
  /** Resolves when the client closes stdin or close() is called. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** Serves MCP on stdin/stdout until stdin ends. */
export async function startStdioServer(definition: ServerDefinition, settings: Settings, hooks?: ServerHooks): Promise<RunningStdioServer> {
  // Anything printed with console.log or console.info by this process would corrupt the protocol stream.
  console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);

  const context = {
    upstream: {
      baseUrl: settings.upstreamBaseUrl,
      credentials: settings.credentials,
      timeoutMs: settings.upstreamTimeoutMs,
      maxResponseBytes: settings.upstreamMaxResponseBytes,
      limiter: new ConcurrencyLimiter(settings.upstreamMaxConcurrency, settings.upstreamMaxQueue),
      retries: settings.upstreamRetries,
    },
    pageSize: settings.toolsPageSize,
    ...(hooks ? { hooks } : {}),
  };
  let ended: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const transport = new StdioServerTransport();
  const handle = serveStdio(() => createMcpServer(definition, context), { transport });
  const close = async () => {
    await handle.close();
    ended();
  };
  // The client closing stdin is how a stdio connection ends; the SDK's transport does not watch for it.
  process.stdin.once('end', () => void close());
  return { closed, close };
}
