/**
 * One stateless MCP endpoint for both protocol eras (2026-07-28 basic/versioning#backward-compatibility-with-initialization-based-versions):
 *
 * - modern (2026-07-28): every request carries its protocol version in `_meta` and the `MCP-Protocol-Version`,
 *   `Mcp-Method` and `Mcp-Name` headers; served by the SDK's createMcpHandler, which answers `server/discover`, checks
 *   the headers against the body (HTTP 400, HeaderMismatch -32020), refuses unsupported versions (-32022) and adds
 *   `resultType` and the caching hints to results;
 * - legacy (2025-11-25, 2025-06-18, 2025-03-26, opening with `initialize`): served by json-transport.ts, stateless, with
 *   one JSON answer per POST — or an SSE stream when a call asks the user for consent with `elicitation/create`, whose
 *   answer, POSTed separately, reaches the waiting call through this endpoint's elicitation relay.
 *
 * Which era a request belongs to is the SDK's own classification of its headers and body. Either way the request is
 * answered by a fresh Server (mcp-server.ts) for its caller, so both eras list and call tools through the same
 * decision function. Token checks, limits and the step-up gate run before this module (http.ts).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { classifyInboundRequest, createMcpHandler } from '@modelcontextprotocol/server';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { ServerDefinition } from './definition.js';
import { createElicitationRelay, isElicitationSessionId, relayOwner } from './elicitation-relay.js';
import { JsonResponseTransport } from './json-transport.js';
import { createMcpServer } from './mcp-server.js';
import type { McpServerContext } from './mcp-server.js';

/** How a request was answered, for the audit: its HTTP status and, for a refused request, its JSON-RPC error code. */
export interface EndpointOutcome {
  readonly era: 'modern' | 'legacy';
  readonly status: number;
  readonly errorCode?: number | undefined;
}

export interface McpEndpoint {
  /** Answers one POST whose JSON body has been read and parsed, for the caller described by `context`. */
  serve(req: IncomingMessage, res: ServerResponse, body: unknown, authInfo: AuthInfo | undefined, context: McpServerContext): Promise<EndpointOutcome>;
  /** Aborts the modern requests still in flight (shutdown). */
  close(): Promise<void>;
}

/**
 * Request headers the SDK reads on the modern path (2026-07-28 basic/transports/streamable-http#request-metadata). The
 * Web Request handed to it carries only these: never the Authorization header or cookies, which it does not need.
 */
const FORWARDED_HEADER = /^(?:content-type|accept|mcp-protocol-version|mcp-method|mcp-name|mcp-param-.+)$/;

/** Creates the endpoint serving the tools of `definition`. */
export function createMcpEndpoint(definition: ServerDefinition): McpEndpoint {
  // The SDK calls the factory with the Web Request it was handed, which is how a request finds its caller's context.
  const contexts = new WeakMap<Request, McpServerContext>();
  // Consent questions sent to legacy clients, waiting for the answer they POST separately (one per process).
  const relay = createElicitationRelay();
  const asksConsent = definition.tools.some((tool) => tool.consent !== undefined);
  const modern = createMcpHandler(
    ({ requestInfo }) => {
      const context = requestInfo === undefined ? undefined : contexts.get(requestInfo);
      if (!context) throw new Error('an MCP request reached the server without its caller');
      return createMcpServer(definition, context);
    },
    // Legacy requests never reach this handler; 'reject' keeps it from building the SDK's SSE-answering fallback.
    { legacy: 'reject' },
  );

  async function serveModern(req: IncomingMessage, res: ServerResponse, body: unknown, authInfo: AuthInfo | undefined, context: McpServerContext): Promise<EndpointOutcome> {
    // 2026-07-28 basic/transports/streamable-http#cancellation: a client that goes away cancels its request.
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const request = new Request(`http://mcp.invalid${req.url ?? '/'}`, { method: 'POST', headers: forwardedHeaders(req), signal: abort.signal });
    // The SDK hands handlers the body as it parsed it; the arguments as sent come from here (mcp-server.ts).
    contexts.set(request, { ...context, sentBody: body });
    const response = await modern.fetch(request, { parsedBody: body, ...(authInfo ? { authInfo } : {}) });
    const text = await response.text();
    if (!res.writableEnded && !res.destroyed) {
      res.writeHead(response.status, Object.fromEntries(response.headers)).end(text);
    }
    return { era: 'modern', status: response.status, errorCode: response.status >= 400 ? errorCodeOf(text) : undefined };
  }

  async function serveLegacy(req: IncomingMessage, res: ServerResponse, body: unknown, authInfo: AuthInfo | undefined, context: McpServerContext): Promise<EndpointOutcome> {
    const relayed = asksConsent && context.consent?.mode === 'on';
    const transport = new JsonResponseTransport(relayed ? { elicitation: { relay, owner: relayOwner(context.caller) } } : {});
    // The marker session id says the client declared form elicitation at initialize (json-transport.ts).
    const elicits = relayed && isElicitationSessionId(headerOf(req, 'mcp-session-id'));
    const server = createMcpServer(definition, { ...context, sentBody: body, ...(elicits ? { elicit: (params, timeoutMs) => transport.elicit(params, timeoutMs) } : {}) });
    res.once('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handle(req, res, body, authInfo);
    return { era: 'legacy', status: res.statusCode, errorCode: transport.refusalCode };
  }

  return {
    serve(req, res, body, authInfo, context) {
      const outcome = classifyInboundRequest({
        httpMethod: 'POST',
        protocolVersionHeader: headerOf(req, 'mcp-protocol-version'),
        mcpMethodHeader: headerOf(req, 'mcp-method'),
        mcpNameHeader: headerOf(req, 'mcp-name'),
        body,
      });
      // A request the SDK refuses outright is a modern one that broke a rule: the modern path answers it.
      return outcome.kind === 'legacy' ? serveLegacy(req, res, body, authInfo, context) : serveModern(req, res, body, authInfo, context);
    },
    close: () => modern.close(),
  };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function forwardedHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (let index = 0; index < req.rawHeaders.length; index += 2) {
    const name = req.rawHeaders[index]!.toLowerCase();
    if (FORWARDED_HEADER.test(name)) headers.append(name, req.rawHeaders[index + 1]!);
  }
  return headers;
}

/** The JSON-RPC error code of a refusal's body, if it has one. */
function errorCodeOf(text: string): number | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'number' ? code : undefined;
  } catch {
    return undefined;
  }
}
