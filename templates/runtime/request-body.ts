/**
 * The body of a POST to the MCP endpoint: read up to MCP_MAX_BODY_BYTES, its JSON bounded before it is parsed
 * (RFC 8259 §9 lets a parser limit size and nesting), and the JSON-RPC batches of revisions that removed them refused
 * (MCP 2025-06-18 changelog; 2025-11-25 basic/transports#sending-messages-to-the-server: one message per POST).
 */

import type { IncomingMessage } from 'node:http';
import { jsonShapeProblem, MAX_JSON_DEPTH, MAX_JSON_ITEMS } from './json-shape.js';
import type { Refusal } from './refusal.js';

/** The first protocol revision without JSON-RPC batching (2025-06-18 changelog). */
const FIRST_VERSION_WITHOUT_BATCHING = '2025-06-18';

export const TOO_LARGE = Symbol('too large');
export const CLIENT_GONE = Symbol('client gone');

/** A body read and parsed, a refusal (413, 400), or a client gone before it sent the whole body (nobody to answer). */
export type JsonBody = { readonly json: unknown } | { readonly refusal: Refusal } | { readonly gone: true };

/** Reads and parses the JSON body of `req`, refusing one larger than `maxBytes`, too complex, too deep or not JSON. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<JsonBody> {
  const text = await readBody(req, maxBytes);
  // Gone mid-body (or cut by MCP_REQUEST_TIMEOUT_MS, which Node answers 408 itself): there is no one to answer.
  if (text === CLIENT_GONE) return { gone: true };
  // The rest of the body is not read: the connection is closed once the answer is sent (connection-limits.ts).
  if (text === TOO_LARGE) return { refusal: { status: 413, reason: 'body_too_large', message: `Request body larger than ${maxBytes} bytes` } };
  // Parsing is bounded before it starts, so a small body cannot become a huge object graph.
  const shape = jsonShapeProblem(text);
  if (shape === 'items') return { refusal: { status: 413, reason: 'body_too_complex', message: `Request body holds more than ${MAX_JSON_ITEMS} JSON values and members` } };
  if (shape === 'depth') return { refusal: { status: 400, reason: 'body_too_deep', message: `Invalid Request: JSON nested deeper than ${MAX_JSON_DEPTH} levels`, code: -32600 } };
  try {
    return { json: JSON.parse(text) as unknown };
  } catch {
    return { refusal: { status: 400, reason: 'parse_error', message: 'Parse error: the body is not JSON', code: -32700 } };
  }
}

/**
 * The body as text; TOO_LARGE as soon as it is known to exceed `maxBytes` (declared or as received); CLIENT_GONE when
 * the connection ends or fails before the whole body has arrived.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string | typeof TOO_LARGE | typeof CLIENT_GONE> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // Stop reading without destroying the socket, which would lose the 413 answer.
      req.off('data', onData).pause();
      resolve(TOO_LARGE);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // A client that goes away mid-body settles the promise (a no-op when it already has), so nothing waits for ever.
    req.once('error', () => resolve(CLIENT_GONE));
    req.once('close', () => resolve(CLIENT_GONE));
  });
}

/**
 * The 400 refusal of a JSON-RPC batch from a client naming revision 2025-06-18 or later in MCP-Protocol-Version
 * (2025-11-25 basic/transports#protocol-version-header), which removed batching; undefined when the body may proceed.
 */
export function batchingRefusal(protocolVersion: string | string[] | undefined, body: unknown): Refusal | undefined {
  if (!Array.isArray(body) || typeof protocolVersion !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(protocolVersion)) return undefined;
  // Revisions are dates, so their text order is their order.
  if (protocolVersion < FIRST_VERSION_WITHOUT_BATCHING) return undefined;
  return { status: 400, reason: 'batching_unsupported', message: `Invalid Request: batching is not supported in protocol version ${protocolVersion}`, code: -32600 };
}
