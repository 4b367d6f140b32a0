/**
 * The MCP server over stdio (2026-07-28 basic/transports/stdio, and 2025-11-25 basic/transports#stdio for clients that
 * open with `initialize`): the SDK's serveStdio answers `server/discover` and per-request `_meta` as well as the legacy
 * handshake, with a Server from the same factory as over HTTP.
 *
 * The spec allows nothing but MCP messages on stdout, so every log goes to stderr. Caller authorization does not apply
 * here (2025-11-25 basic/authorization: stdio implementations take credentials from the environment instead): the
 * caller is whoever started the process, and every tool is available. Arguments bound to claims are filled from the
 * claims in MCP_STDIO_CLAIMS, from the environment too.
 */

import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { ServerDefinition } from './definition.js';
import type { ServerHooks } from './hooks.js';
import type { PolicyEngine } from './policies.js';
import { NO_CLAIMS_OVER_STDIO } from './bindings.js';
import { ANONYMOUS_CALLER } from './caller.js';
import type { Caller } from './caller.js';
import { frozenClaims } from './claims.js';
import { consentContext } from './consent-setup.js';
import { ConcurrencyLimiter } from './limits.js';
import { createMcpServer } from './mcp-server.js';
import { readSetting, settingDefinitions } from './setting-definitions.js';
import type { Settings } from './settings.js';
import type { ToolSearch } from './tool-search.js';

export interface RunningStdioServer {
  /** Resolves when the client closes stdin or close() is called. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * The caller over stdio: nobody in particular, carrying the claims of MCP_STDIO_CLAIMS (deep-frozen) when it is set, for
 * arguments bound to claims. Throws SettingError, before anything is served, when the variable is not a JSON object.
 */
export function stdioCaller(env: NodeJS.ProcessEnv = process.env): Caller {
  const claims = readSetting(env, settingDefinitions().stdioClaims);
  return claims === undefined ? ANONYMOUS_CALLER : Object.freeze({ ...ANONYMOUS_CALLER, claims: frozenClaims(claims) });
}

/** Serves MCP on stdin/stdout until stdin ends. */
export async function startStdioServer(
  definition: ServerDefinition,
  settings: Settings,
  hooks?: ServerHooks,
  env: NodeJS.ProcessEnv = process.env,
  policies?: PolicyEngine,
  search?: ToolSearch,
): Promise<RunningStdioServer> {
  const caller = stdioCaller(env);
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
    toolMode: { mode: settings.toolMode, threshold: settings.toolModeThreshold },
    caller,
    noClaims: NO_CLAIMS_OVER_STDIO,
    consent: consentContext(settings),
    ...(hooks ? { hooks } : {}),
    ...(policies ? { policies } : {}),
    ...(search ? { search } : {}),
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
