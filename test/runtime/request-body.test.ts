/** The body of a POST to the endpoint (request-body.ts): size and JSON-shape limits, parse errors, batching by revision. */

import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { batchingRefusal, readJsonBody } from '../../templates/runtime/request-body.js';

/** A request whose body arrives as `chunks`, then ends (or, with `gone`, closes mid-body). */
function request(chunks: string[], headers: Record<string, string> = {}, gone = false): IncomingMessage {
  const stream = new PassThrough();
  Object.assign(stream, { headers });
  setImmediate(() => {
    for (const chunk of chunks) stream.write(chunk);
    if (gone) stream.destroy();
    else stream.end();
  });
  return stream as unknown as IncomingMessage;
}

describe('request-body', () => {
  it('#10 parses a JSON body within the limits', async () => {
    expect(await readJsonBody(request(['{"jsonrpc":"2.0",', '"id":1,"method":"tools/list"}']), 100)).toEqual({ json: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
  });

  it('#10 refuses 413 a body larger than the limit, declared or as received', async () => {
    const refusal = { refusal: { status: 413, reason: 'body_too_large', message: 'Request body larger than 10 bytes' } };
    expect(await readJsonBody(request([], { 'content-length': '11' }), 10)).toEqual(refusal);
    expect(await readJsonBody(request(['[1,2,3,', '4,5,6]']), 10)).toEqual(refusal);
  });

  it('#10 refuses JSON too complex (413) or too deep (400) before parsing it, and text that is not JSON (400)', async () => {
    expect(await readJsonBody(request([`[${'0,'.repeat(50_000)}0]`]), 1_000_000)).toEqual({
      refusal: { status: 413, reason: 'body_too_complex', message: 'Request body holds more than 50000 JSON values and members' },
    });
    expect(await readJsonBody(request(['['.repeat(65) + ']'.repeat(65)]), 1_000)).toEqual({
      refusal: { status: 400, reason: 'body_too_deep', message: 'Invalid Request: JSON nested deeper than 64 levels', code: -32600 },
    });
    expect(await readJsonBody(request(['{"jsonrpc":']), 1_000)).toEqual({ refusal: { status: 400, reason: 'parse_error', message: 'Parse error: the body is not JSON', code: -32700 } });
  });

  it('#10 reports a client gone mid-body, with nobody to answer', async () => {
    expect(await readJsonBody(request(['{"jsonrpc":'], {}, true), 1_000)).toEqual({ gone: true });
  });

  it('#10 refuses a batch under revisions from 2025-06-18, which removed batching', () => {
    const refusal = (version: string) => ({ status: 400, reason: 'batching_unsupported', message: `Invalid Request: batching is not supported in protocol version ${version}`, code: -32600 });
    expect(batchingRefusal('2025-06-18', [])).toEqual(refusal('2025-06-18'));
    expect(batchingRefusal('2025-11-25', [{}])).toEqual(refusal('2025-11-25'));
    expect(batchingRefusal('2026-07-28', [{}])).toEqual(refusal('2026-07-28'));
    expect(batchingRefusal('2025-03-26', [{}])).toBeUndefined();
    expect(batchingRefusal(undefined, [{}])).toBeUndefined();
    expect(batchingRefusal('latest', [{}])).toBeUndefined();
    expect(batchingRefusal(['2025-11-25', '2025-11-25'], [{}])).toBeUndefined();
    expect(batchingRefusal('2025-11-25', {})).toBeUndefined();
  });
});
