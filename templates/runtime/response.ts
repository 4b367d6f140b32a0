/**
 * Maps an upstream HTTP response to an MCP tool result, reading at most a fixed number of bytes of its body.
 */
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import type { CallToolResult } from '@modelcontextprotocol/server';

/** Options of toToolResult. */
export interface ResponseOptions {
  /** Bytes of body read at most; the rest is never buffered. */
  readonly maxBytes: number;
  /** Said after the status of a 401 or 403 (RFC 9110 §15.5.2, §15.5.4): which server credentials to set or fix. */
  readonly refusalAdvice?: string;
}

/**
 * What toToolResult reads: a fetch `Response` fits, and so does the runtime's node:http exchange, whose body is a
 * Node stream (any other async iterable of bytes works too).
 */
export interface UpstreamResponse {
  readonly status: number;
  /** The reason phrase; empty (HTTP/2) or absent means the standard one. */
  readonly statusText?: string;
  readonly headers: { get(name: string): string | null };
  /** The URL the response came from; only names an embedded resource (without its query). */
  readonly url: string;
  readonly body: ReadableStream<Uint8Array> | Readable | AsyncIterable<Uint8Array> | null;
}

/** Characters of an error body quoted in an error result. */
const ERROR_EXCERPT_CHARS = 2_000;

/** Maps `response` to a CallToolResult: JSON as structured content, text as text, binary as an embedded resource. */
export async function toToolResult(response: UpstreamResponse, options: ResponseOptions): Promise<CallToolResult> {
  const { bytes, truncated } = await readCapped(response.body, options.maxBytes);
  const status = statusLine(response);
  const media = mediaType(response.headers.get('content-type'));
  const kind = media.type ? kindOf(media.type) : sniff(bytes);
  const text = () => decode(bytes, media.charset);
  const cut = truncated ? `\n\n[Truncated: the upstream response is larger than ${options.maxBytes} bytes; only the first ${options.maxBytes} bytes are shown.]` : '';

  if (response.status < 200 || response.status > 299) {
    const refused = (response.status === 401 || response.status === 403) && options.refusalAdvice;
    let message = refused ? `The upstream API answered ${status}: ${options.refusalAdvice}` : `The upstream API answered ${status}.`;
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

type Capped = { bytes: Uint8Array; truncated: boolean };

/** Reads at most `maxBytes` of a body, cancelling (destroying) it past the cap instead of buffering the rest. */
function readCapped(body: UpstreamResponse['body'], maxBytes: number): Promise<Capped> {
  if (!body) return Promise.resolve({ bytes: new Uint8Array(0), truncated: false });
  if ('getReader' in body) return readWebStream(body, maxBytes);
  if ('on' in body && typeof body.on === 'function') return readNodeStream(body, maxBytes);
  return readIterable(body, maxBytes);
}

/** Collects chunks up to the cap; `add` answers true once the cap is passed (the last chunk is cut to fit). */
function collector(maxBytes: number) {
  const chunks: Uint8Array[] = [];
  let size = 0;
  return {
    add(value: Uint8Array): boolean {
      if (size + value.byteLength > maxBytes) {
        chunks.push(value.subarray(0, maxBytes - size));
        size = maxBytes;
        return true;
      }
      chunks.push(value);
      size += value.byteLength;
      return false;
    },
    result(truncated: boolean): Capped {
      return { bytes: chunks.length === 1 && !truncated ? chunks[0]! : Buffer.concat(chunks, size), truncated };
    },
  };
}

async function readWebStream(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Capped> {
  const reader = body.getReader();
  const collected = collector(maxBytes);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return collected.result(false);
    if (collected.add(value)) {
      // Not awaited: a stalled upstream must not hold the result back.
      reader.cancel().catch(() => undefined);
      return collected.result(true);
    }
  }
}

/** A Node stream, read by events (cheaper than its async iterator); destroyed past the cap. */
function readNodeStream(body: Readable, maxBytes: number): Promise<Capped> {
  return new Promise((resolve, reject) => {
    if (body.destroyed) {
      reject(body.errored ?? Object.assign(new Error('the response body was closed'), { code: 'ECONNRESET' }));
      return;
    }
    const collected = collector(maxBytes);
    const cleanup = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    const onData = (chunk: Uint8Array) => {
      if (!collected.add(chunk)) return;
      cleanup();
      // A listener stays, so an error raised while tearing down is not uncaught.
      body.on('error', () => undefined);
      body.destroy();
      resolve(collected.result(true));
    };
    const onEnd = () => {
      cleanup();
      resolve(collected.result(false));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    // Closed without 'end' or 'error': the body was cut short.
    const onClose = () => {
      cleanup();
      reject(body.errored ?? Object.assign(new Error('the response body was closed'), { code: 'ECONNRESET' }));
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}

async function readIterable(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Capped> {
  const iterator = body[Symbol.asyncIterator]();
  const collected = collector(maxBytes);
  for (;;) {
    const { done, value } = await iterator.next();
    if (done) return collected.result(false);
    if (collected.add(value)) {
      // Not awaited, as for a web stream.
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
      return collected.result(true);
    }
  }
}

/** `HTTP 404 Not Found`; HTTP/2 has no reason phrase, so the standard one is used when missing. */
function statusLine(response: UpstreamResponse): string {
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
