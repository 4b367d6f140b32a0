/**
 * Maps an upstream HTTP response to an MCP tool result, reading at most a fixed number of bytes of its body.
 */
import { STATUS_CODES } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** Options of toToolResult. */
export interface ResponseOptions {
  /** Bytes of body read at most; the rest is never buffered. */
  readonly maxBytes: number;
}

/** Characters of an error body quoted in an error result. */
const ERROR_EXCERPT_CHARS = 2_000;

/** Maps `response` to a CallToolResult: JSON as structured content, text as text, binary as an embedded resource. */
export async function toToolResult(response: Response, options: ResponseOptions): Promise<CallToolResult> {
  const { bytes, truncated } = await readCapped(response.body, options.maxBytes);
  const status = statusLine(response);
  const media = mediaType(response.headers.get('content-type'));
  const kind = media.type ? kindOf(media.type) : sniff(bytes);
  const text = () => decode(bytes, media.charset);
  const cut = truncated ? `\n\n[Truncated: the upstream response is larger than ${options.maxBytes} bytes; only the first ${options.maxBytes} bytes are shown.]` : '';

  if (response.status < 200 || response.status > 299) {
    let message = `The upstream API answered ${status}.`;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      // Redirects are not followed: the request carries credentials, which must never reach another host.
      message += ` It redirects to ${location.slice(0, 500)}; redirects are not followed.`;
    }
    if (bytes.length > 0) {
      const body = kind === 'binary' ? `(${bytes.length}${truncated ? '+' : ''} bytes of ${media.type || 'binary data'})` : text();
      const excerpt = body.length > ERROR_EXCERPT_CHARS || truncated ? `${body.slice(0, ERROR_EXCERPT_CHARS)}…` : body;
      message += `\n\n${excerpt}`;
    }
    return { isError: true, content: [{ type: 'text', text: message }] };
  }

  if (bytes.length === 0) return { content: [{ type: 'text', text: response.status === 204 ? status : `${status} (empty body)` }] };

  if (kind === 'json' && !truncated) {
    try {
      const value: unknown = JSON.parse(text());
      const structured = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { result: value };
      return { structuredContent: structured, content: [{ type: 'text', text: JSON.stringify(value) }] };
    } catch {
      // Declared JSON but not JSON: pass the text on as it is.
    }
  }
  if (kind !== 'binary') return { content: [{ type: 'text', text: text() + cut }] };

  const type = media.type || 'application/octet-stream';
  if (truncated) {
    return { content: [{ type: 'text', text: `${status}: the ${type} response is larger than ${options.maxBytes} bytes, so it was not returned.` }] };
  }
  return {
    content: [
      { type: 'text', text: `${status}: ${bytes.length} bytes of ${type}, attached as an embedded resource (base64).` },
      { type: 'resource', resource: { uri: resourceUri(response.url), mimeType: type, blob: Buffer.from(bytes).toString('base64') } },
    ],
  };
}

/** Reads at most `maxBytes` of a body stream, cancelling it past the cap instead of buffering the rest. */
async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!body) return { bytes: new Uint8Array(0), truncated: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - size));
      size = maxBytes;
      truncated = true;
      // Not awaited: a stalled upstream must not hold the result back.
      reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { bytes: Buffer.concat(chunks, size), truncated };
}

/** `HTTP 404 Not Found`; HTTP/2 has no reason phrase, so the standard one is used when missing. */
function statusLine(response: Response): string {
  return `HTTP ${response.status} ${response.statusText || STATUS_CODES[response.status] || ''}`.trimEnd();
}

/** The media type (lower case, without parameters) and charset of a Content-Type header (RFC 9110 §8.3.1). */
function mediaType(header: string | null): { type: string; charset: string } {
  const [type = '', ...parameters] = (header ?? '').split(';');
  const charset = parameters.map((p) => p.trim().match(/^charset\s*=\s*"?([^"]*)"?$/i)?.[1]).find(Boolean);
  return { type: type.trim().toLowerCase(), charset: charset ?? 'utf-8' };
}

/** JSON (RFC 8259, and `+json` suffixes per RFC 6839), text-like, or binary. */
function kindOf(type: string): 'json' | 'text' | 'binary' {
  if (type === 'application/json' || type === 'text/json' || type.endsWith('+json')) return 'json';
  if (type.startsWith('text/') || type.endsWith('+xml') || type.endsWith('+yaml')) return 'text';
  const textual = ['application/xml', 'application/yaml', 'application/x-yaml', 'application/javascript', 'application/ecmascript',
    'application/x-www-form-urlencoded', 'application/graphql', 'application/sql', 'application/x-ndjson', 'application/jsonl', 'application/csv'];
  return textual.includes(type) ? 'text' : 'binary';
}

/** Without a Content-Type, valid UTF-8 is treated as text and anything else as binary (RFC 9110 §8.3 allows sniffing). */
function sniff(bytes: Uint8Array): 'text' | 'binary' {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return 'text';
  } catch {
    return 'binary';
  }
}

/** Decodes text in its declared charset (UTF-8 when unknown); `stream` drops a character cut in half by the cap. */
function decode(bytes: Uint8Array, charset: string): string {
  const decoder = (() => {
    try {
      return new TextDecoder(charset);
    } catch {
      return new TextDecoder('utf-8');
    }
  })();
  return decoder.decode(bytes, { stream: true });
}

/** The response URL without query (it may hold an API key), fragment or user info, to name an embedded resource. */
function resourceUri(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.search = '';
    parsed.hash = '';
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return 'upstream:response';
  }
}
