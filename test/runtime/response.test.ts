/**
 * toToolResult: JSON, text, binary and empty bodies, error statuses, and the hard byte cap.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { toToolResult } from '../../templates/runtime/response.js';

const CAP = { maxBytes: 1024 };

function respond(body: ConstructorParameters<typeof Response>[0], init: ResponseInit & { url?: string } = {}): Response {
  const response = new Response(body, init);
  if (init.url) Object.defineProperty(response, 'url', { value: init.url });
  return response;
}

function texts(result: CallToolResult): string[] {
  return result.content.filter((block) => block.type === 'text').map((block) => (block as { text: string }).text);
}

/** A body stream that never ends, counting what was pulled and whether it was cancelled. */
function endless(chunk: Uint8Array): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += 1;
      controller.enqueue(chunk);
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

describe('successful responses', () => {
  it('returns a JSON object as structured content plus its JSON text', async () => {
    const result = await toToolResult(respond('{ "id": 7, "name": "Rex" }', { headers: { 'content-type': 'application/json; charset=utf-8' } }), CAP);
    expect(result.structuredContent).toEqual({ id: 7, name: 'Rex' });
    expect(texts(result)).toEqual(['{"id":7,"name":"Rex"}']);
    expect(result.isError).toBeUndefined();
    expect(CallToolResultSchema.safeParse(result).success).toBe(true);
  });

  it.each([
    ['[1,2]', [1, 2]],
    ['"text"', 'text'],
    ['42', 42],
    ['null', null],
  ])('wraps the JSON value %s as { result }', async (body, value) => {
    const result = await toToolResult(respond(body, { headers: { 'content-type': 'application/json' } }), CAP);
    expect(result.structuredContent).toEqual({ result: value });
    expect(texts(result)).toEqual([JSON.stringify(value)]);
  });

  it('treats +json media types as JSON (RFC 6839)', async () => {
    const result = await toToolResult(respond('{"data":[]}', { headers: { 'content-type': 'application/vnd.api+json' } }), CAP);
    expect(result.structuredContent).toEqual({ data: [] });
  });

  it('passes invalid JSON on as text', async () => {
    const result = await toToolResult(respond('{oops', { headers: { 'content-type': 'application/json' } }), CAP);
    expect(result.structuredContent).toBeUndefined();
    expect(texts(result)).toEqual(['{oops']);
  });

  it.each(['text/plain', 'text/csv', 'application/xml', 'application/atom+xml', 'application/yaml'])('returns %s as text', async (type) => {
    const result = await toToolResult(respond('a,b\n<x/>', { headers: { 'content-type': type } }), CAP);
    expect(result.structuredContent).toBeUndefined();
    expect(result.content).toEqual([{ type: 'text', text: 'a,b\n<x/>' }]);
  });

  it('decodes the declared charset', async () => {
    const result = await toToolResult(respond(new Uint8Array([0x63, 0x61, 0x66, 0xe9]), { headers: { 'content-type': 'text/plain; charset=ISO-8859-1' } }), CAP);
    expect(texts(result)).toEqual(['café']);
  });

  it('returns binary as an embedded resource with base64 and a note, naming it without the query', async () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x10]);
    const result = await toToolResult(respond(bytes, { headers: { 'content-type': 'image/png' }, url: 'https://api.example.com/v1/photo?api_key=secret#x' }), CAP);
    expect(result.content).toHaveLength(2);
    expect(texts(result)[0]).toContain('7 bytes of image/png');
    expect(result.content[1]).toEqual({
      type: 'resource',
      resource: { uri: 'https://api.example.com/v1/photo', mimeType: 'image/png', blob: Buffer.from(bytes).toString('base64') },
    });
    expect(CallToolResultSchema.safeParse(result).success).toBe(true);
  });

  it('sniffs a body without Content-Type: UTF-8 is text, anything else binary', async () => {
    expect(texts(await toToolResult(respond('héllo'), CAP))).toEqual(['héllo']);
    const binary = await toToolResult(respond(new Uint8Array([0xff, 0xfe, 0x00])), CAP);
    expect(binary.content[1]).toMatchObject({ type: 'resource', resource: { mimeType: 'application/octet-stream', blob: '//4A' } });
  });

  it('reports an empty body by its status', async () => {
    expect(texts(await toToolResult(respond(null, { status: 204 }), CAP))).toEqual(['HTTP 204 No Content']);
    expect(texts(await toToolResult(respond('', { status: 201, statusText: 'Created' }), CAP))).toEqual(['HTTP 201 Created (empty body)']);
  });
});

describe('error responses', () => {
  it('marks non-2xx as errors with the status line and the body, never structured content', async () => {
    const result = await toToolResult(respond('{"error":"not found"}', { status: 404, statusText: 'Not Found', headers: { 'content-type': 'application/json' } }), CAP);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(texts(result)).toEqual(['The upstream API answered HTTP 404 Not Found.\n\n{"error":"not found"}']);
  });

  it('uses the standard reason phrase when the response has none', async () => {
    const result = await toToolResult(respond('', { status: 503 }), CAP);
    expect(texts(result)).toEqual(['The upstream API answered HTTP 503 Service Unavailable.']);
  });

  it('quotes at most 2,000 characters of the body', async () => {
    const result = await toToolResult(respond('x'.repeat(5000), { status: 500, headers: { 'content-type': 'text/plain' } }), { maxBytes: 100_000 });
    const [text] = texts(result);
    expect(text).toBe(`The upstream API answered HTTP 500 Internal Server Error.\n\n${'x'.repeat(2000)}…`);
  });

  it('describes a binary error body instead of quoting it', async () => {
    const result = await toToolResult(respond(new Uint8Array([1, 2, 3]), { status: 400, headers: { 'content-type': 'application/octet-stream' } }), CAP);
    expect(texts(result)[0]).toContain('(3 bytes of application/octet-stream)');
  });

  it('names the target of a redirect without following it', async () => {
    const result = await toToolResult(respond(null, { status: 302, headers: { location: 'https://elsewhere.example/x' } }), CAP);
    expect(result.isError).toBe(true);
    expect(texts(result)[0]).toBe('The upstream API answered HTTP 302 Found. It redirects to https://elsewhere.example/x; redirects are not followed.');
  });
});

describe('the byte cap', () => {
  it('stops reading an endless body at the cap, cancels it and says so', async () => {
    const source = endless(new TextEncoder().encode('abcdefghij'));
    const result = await toToolResult(respond(source.stream, { headers: { 'content-type': 'text/plain' } }), { maxBytes: 25 });
    const [text] = texts(result);
    expect(text!.startsWith('abcdefghijabcdefghijabcde\n\n[Truncated')).toBe(true);
    expect(text).toContain('larger than 25 bytes');
    expect(source.pulled()).toBeLessThan(10);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(source.cancelled()).toBe(true);
  });

  it('does not call a body of exactly maxBytes truncated', async () => {
    const result = await toToolResult(respond('0123456789', { headers: { 'content-type': 'text/plain' } }), { maxBytes: 10 });
    expect(texts(result)).toEqual(['0123456789']);
  });

  it('returns truncated JSON as text only', async () => {
    const result = await toToolResult(respond(JSON.stringify({ items: Array(100).fill('abc') }), { headers: { 'content-type': 'application/json' } }), { maxBytes: 50 });
    expect(result.structuredContent).toBeUndefined();
    expect(texts(result)[0]).toContain('[Truncated');
    expect(texts(result)[0]!.startsWith('{"items":["abc"')).toBe(true);
  });

  it('drops a multi-byte character cut in half by the cap', async () => {
    const result = await toToolResult(respond('aé', { headers: { 'content-type': 'text/plain' } }), { maxBytes: 2 });
    expect(texts(result)[0]!.startsWith('a\n\n[Truncated')).toBe(true);
  });

  it('does not return binary larger than the cap', async () => {
    const source = endless(new Uint8Array(64).fill(0xff));
    const result = await toToolResult(respond(source.stream, { headers: { 'content-type': 'application/pdf' } }), { maxBytes: 100 });
    expect(result.content).toHaveLength(1);
    expect(texts(result)[0]).toBe('HTTP 200 OK: the application/pdf response is larger than 100 bytes, so it was not returned.');
  });

  it('caps error bodies too', async () => {
    const source = endless(new TextEncoder().encode('e'.repeat(1000)));
    const result = await toToolResult(respond(source.stream, { status: 500, headers: { 'content-type': 'text/plain' } }), { maxBytes: 3000 });
    expect(result.isError).toBe(true);
    expect(texts(result)[0]).toBe(`The upstream API answered HTTP 500 Internal Server Error.\n\n${'e'.repeat(2000)}…`);
  });

  it('reads a Node stream body the same way, destroying it past the cap', async () => {
    let pulled = 0;
    const stream = new Readable({
      read() {
        pulled += 1;
        this.push(Buffer.from('abcdefghij'));
      },
    });
    const response = { status: 200, url: 'http://api.example/x', headers: new Headers({ 'content-type': 'text/plain' }), body: stream };
    const [text] = texts(await toToolResult(response, { maxBytes: 25 }));
    expect(text!.startsWith('abcdefghijabcdefghijabcde\n\n[Truncated')).toBe(true);
    expect(pulled).toBeLessThan(10);
    expect(stream.destroyed).toBe(true);
  });

  it('reads a whole Node stream body and any async iterable of bytes', async () => {
    const headers = new Headers({ 'content-type': 'application/json' });
    const node = { status: 200, statusText: 'OK', url: 'http://api.example/x', headers, body: Readable.from([Buffer.from('{"a":'), Buffer.from('1}')]) };
    expect((await toToolResult(node, CAP)).structuredContent).toEqual({ a: 1 });
    let returned = false;
    async function* chunks() {
      try {
        for (;;) yield new TextEncoder().encode('{"b":2}');
      } finally {
        returned = true;
      }
    }
    const once = { status: 200, url: 'http://api.example/x', headers, body: (async function* () { yield new TextEncoder().encode('{"b":2}'); })() };
    expect((await toToolResult(once, CAP)).structuredContent).toEqual({ b: 2 });
    const endlessIterable = { status: 200, url: 'http://api.example/x', headers, body: chunks() };
    expect(texts(await toToolResult(endlessIterable, { maxBytes: 10 }))[0]).toContain('[Truncated');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(returned).toBe(true);
  });

  it('rejects a Node stream body that fails midway', async () => {
    const stream = new Readable({ read() {} });
    stream.push(Buffer.from('part'));
    setTimeout(() => stream.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })), 5);
    const response = { status: 200, url: 'http://api.example/x', headers: new Headers(), body: stream };
    await expect(toToolResult(response, CAP)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});
