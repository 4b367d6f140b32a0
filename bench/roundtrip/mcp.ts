/**
 * Raw MCP over Streamable HTTP with the global fetch (undici, keep-alive: what the SDK's client transport uses too):
 * one POST per JSON-RPC message, the answer read as JSON or as an SSE stream, whichever the server chose.
 */

export const PROTOCOL_VERSION = '2025-06-18';

export interface RpcAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** The JSON-RPC response with the request's id (undefined for a notification, or when there was none). */
  readonly message: Record<string, unknown> | undefined;
  readonly raw: string;
}

/** POSTs one JSON-RPC message to `url`; never throws on an HTTP error status (the caller checks). */
export async function rpc(url: string, headers: Record<string, string>, message: Record<string, unknown>): Promise<RpcAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(message),
  });
  const raw = await response.text();
  const type = response.headers.get('content-type') ?? '';
  let parsed: Record<string, unknown> | undefined;
  if (raw.length > 0) {
    if (type.includes('text/event-stream')) parsed = fromEventStream(raw, message.id);
    else if (type.includes('application/json')) {
      try {
        parsed = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        parsed = undefined;
      }
    }
  }
  return { status: response.status, headers: response.headers, message: parsed, raw };
}

/** The JSON-RPC message with `id` among the `data:` events of an SSE body. */
function fromEventStream(raw: string, id: unknown): Record<string, unknown> | undefined {
  for (const event of raw.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''))
      .join('\n');
    if (!data) continue;
    try {
      const message = JSON.parse(data) as Record<string, unknown>;
      if (message.id === id) return message;
    } catch {
      // Not JSON: not ours.
    }
  }
  return undefined;
}

/** The 2026-07-28 protocol revision: no initialize, the version in each request's `_meta` and headers. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** A 2026-07-28 tools/call: the request `_meta` envelope in the body and the standard headers mirroring it. */
export function modernToolCall(id: number, name: string, args: Record<string, unknown>): { body: Record<string, unknown>; headers: Record<string, string> } {
  const _meta = { 'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION, 'io.modelcontextprotocol/clientCapabilities': {} };
  return {
    body: { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta } },
    headers: { 'mcp-protocol-version': MODERN_PROTOCOL_VERSION, 'mcp-method': 'tools/call', 'mcp-name': name },
  };
}

/** The body of a tools/call request. */
export function toolCall(id: number, name: string, args: Record<string, unknown>): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

/** Throws unless `answer` is HTTP 200 with a tools/call result that is not an error and whose text matches `expect`. */
export function checkToolResult(answer: RpcAnswer, expect: RegExp): void {
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.raw.slice(0, 200)}`);
  const result = answer.message?.result as { isError?: unknown; content?: unknown } | undefined;
  if (!result) throw new Error(`no result: ${answer.raw.slice(0, 200)}`);
  if (result.isError === true) throw new Error(`isError: ${JSON.stringify(result).slice(0, 200)}`);
  checkContent(result, expect);
}

/** Throws unless some text content of `result` matches `expect` (the peer reports upstream failures as plain text). */
export function checkContent(result: { content?: unknown }, expect: RegExp): void {
  const texts = Array.isArray(result.content)
    ? result.content.map((item: unknown) => (typeof item === 'object' && item !== null && typeof (item as { text?: unknown }).text === 'string' ? (item as { text: string }).text : ''))
    : [];
  if (!texts.some((text) => expect.test(text))) throw new Error(`unexpected content: ${JSON.stringify(result).slice(0, 200)}`);
}
