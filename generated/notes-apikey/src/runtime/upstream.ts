/**
 * The upstream client: one tool call becomes one HTTP request to the API, and its response becomes the tool result.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { UpstreamAuthenticationError } from './credentials.js';
import type { UpstreamCredentials } from './credentials.js';
import type { ToolDefinition } from './definition.js';
import { SettingError, ToolInputError, UpstreamCredentialsError } from './errors.js';
import { buildRequest } from './request.js';
import type { UpstreamRequest } from './request.js';
import { toToolResult } from './response.js';

/** What callUpstream needs besides the call itself. */
export interface UpstreamContext {
  /** Base URL of the API (UPSTREAM_BASE_URL, or the spec's server as the caller decides). */
  baseUrl: string;
  credentials: UpstreamCredentials;
  /** Milliseconds for the whole exchange, response body included. */
  timeoutMs: number;
  maxResponseBytes: number;
  /** Substitute for the global fetch (tests). */
  fetch?: typeof fetch;
  /** Told the status of the upstream response as soon as it arrives (the audit records it). */
  onResponse?: (status: number) => void;
}

/** Sends the tool call upstream and maps the outcome, failures included, to a CallToolResult. */
export async function callUpstream(tool: ToolDefinition, args: Record<string, unknown>, context: UpstreamContext): Promise<CallToolResult> {
  let request: UpstreamRequest;
  try {
    request = buildRequest(tool, args, context.baseUrl);
    await context.credentials.apply(tool, request);
  } catch (error) {
    // Nothing has been sent: the call fails with a message the caller (or operator) can act on.
    if (error instanceof ToolInputError || error instanceof UpstreamCredentialsError || error instanceof UpstreamAuthenticationError || error instanceof SettingError) {
      return errorResult(error.message);
    }
    throw error;
  }

  const origin = request.url.origin;
  const signal = AbortSignal.timeout(context.timeoutMs);
  try {
    const response = await (context.fetch ?? fetch)(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body ?? null,
      // Following a redirect could hand the server's credentials to another host; the result names the target instead.
      redirect: 'manual',
      signal,
    });
    context.onResponse?.(response.status);
    return await toToolResult(response, { maxBytes: context.maxResponseBytes });
  } catch (error) {
    if (signal.aborted) return errorResult(`The upstream API at ${origin} did not answer within ${context.timeoutMs} ms.`);
    // Only the origin and an error code: the full URL may carry an API key in its query.
    const code = errorCode(error);
    return errorResult(`Could not reach the upstream API at ${origin}${code ? ` (${code})` : ''}.`);
  }
}

/** A tool error result with one text block. */
function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

/** The system error code behind a fetch failure (e.g. ECONNREFUSED), if there is one. */
function errorCode(error: unknown): string | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) return code;
  }
  return undefined;
}
