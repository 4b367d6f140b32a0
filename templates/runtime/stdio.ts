/**
 * The MCP server over stdio (2025-11-25 basic/transports#stdio): one Server for the life of the process.
 *
 * The spec allows nothing but MCP messages on stdout, so every log goes to stderr. Caller authorization does not apply
 * here (2025-11-25 basic/authorization: stdio implementations take credentials from the environment instead): the
 * caller is whoever started the process, and every tool is available.
 */

import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
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

  const server = createMcpServer(definition, {
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
  });
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
  });
  await server.connect(new StdioServerTransport());
  // The SDK's transport does not watch for end of input; the client closing stdin is how a stdio session ends.
  process.stdin.once('end', () => void server.close());
  return { closed, close: () => server.close() };
}
