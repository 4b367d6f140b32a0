/**
 * The upstream HTTP exchange on node:http / node:https with one shared keep-alive Agent per protocol: cheaper per call
 * than the global fetch (no Web streams, AbortSignal or Headers round trips), with the same contract as the fetch call
 * it replaces: no redirect following, `accept-encoding: gzip, deflate, br` decoded transparently, one deadline for
 * connect, headers and body.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { constants as zlib, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { UpstreamRequest } from './request.js';
import { PortcullisError } from './errors.js';
import type { UpstreamResponse } from './response.js';
import { observerOf } from './upstream-observer.js';
import type { UpstreamFailure } from './metrics.js';

/** Sockets per upstream host at most (the limiter usually bounds calls well below this). */
const MAX_SOCKETS = 256;
/** An idle keep-alive socket is closed after this long (undici's default keep-alive timeout). */
const IDLE_SOCKET_MS = 4_000;

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' });

/** Raised (as the request's error) when the deadline passes first. */
export class UpstreamTimeoutError extends PortcullisError {
  constructor() {
    super('ERR_UPSTREAM_TIMEOUT', 'upstream deadline exceeded');
  }
}

/** One exchange in progress: the response, plus the means to end it. */
export interface UpstreamExchange extends UpstreamResponse {
  /** Whether the deadline passed (and so destroyed the exchange). */
  readonly timedOut: boolean;
  /** Stops reading and closes the connection (the body is not wanted). */
  cancel(): void;
  /** The body was read (or abandoned): the deadline no longer applies. */
  finish(): void;
}

/** The body as it goes on the wire, with the Content-Type a FormData body needs (boundary). */
async function serializeBody(body: UpstreamRequest['body']): Promise<{ bytes?: string | Uint8Array; contentType?: string }> {
  if (body === undefined) return {};
  if (typeof body === 'string' || body instanceof Uint8Array) return { bytes: body };
  // FormData: the fetch Response serializes it with a boundary of its own and names it in the Content-Type.
  const encoded = new Response(body);
  return { bytes: new Uint8Array(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') ?? undefined };
}

/** Methods for which fetch sends `content-length: 0` when there is no body. */
const PAYLOAD_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Sends `request`; resolves once the response headers arrive. `timeoutMs` covers everything until finish(). */
export async function send(request: UpstreamRequest, timeoutMs: number): Promise<UpstreamExchange> {
  const { url } = request;
  const secure = url.protocol === 'https:';
  const { bytes, contentType } = await serializeBody(request.body);
  // fetch's defaults (some APIs refuse a request without User-Agent), less its browser-only sec-fetch-mode.
  // Null prototype: a header parameter named `__proto__` (a valid field name) must become a header, not a prototype.
  const headers: OutgoingHttpHeaders = Object.assign(Object.create(null) as OutgoingHttpHeaders, { accept: '*/*', 'accept-language': '*', 'user-agent': 'node', 'accept-encoding': 'gzip, deflate, br' });
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (contentType !== undefined) headers['content-type'] = contentType;
  if (bytes !== undefined) headers['content-length'] = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  else if (PAYLOAD_METHODS.has(request.method.toUpperCase())) headers['content-length'] = 0;
  if (typeof headers['content-type'] !== 'string' && typeof bytes === 'string') headers['content-type'] = 'text/plain;charset=UTF-8';
  const report = observe(request, headers);

  return new Promise<UpstreamExchange>((resolve, reject) => {
    let timedOut = false;
    const req = (secure ? httpsRequest : httpRequest)({
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port || undefined,
      path: url.pathname + url.search,
      method: request.method,
      headers,
      agent: secure ? httpsAgent : httpAgent,
    });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new UpstreamTimeoutError());
    }, timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      report?.(timedOut ? 'timeout' : 'error');
      reject(timedOut ? new UpstreamTimeoutError() : error);
    };
    req.once('error', fail);
    req.once('response', (res: IncomingMessage) => {
      req.off('error', fail);
      // Later errors surface through the body stream; this keeps them from becoming uncaught.
      req.on('error', () => undefined);
      const status = res.statusCode ?? 0;
      report?.(status);
      const raw = res.headers;
      const body = decoded(res, status, request.method);
      resolve({
        status,
        statusText: res.statusMessage ?? '',
        url: url.href,
        headers: {
          get(name: string): string | null {
            const value = raw[name.toLowerCase()];
            return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
          },
        },
        body,
        get timedOut() {
          return timedOut;
        },
        cancel() {
          clearTimeout(timer);
          body.destroy();
          res.destroy();
        },
        finish() {
          clearTimeout(timer);
        },
      });
    });
    if (bytes !== undefined) req.end(bytes);
    else req.end();
  });
}

/**
 * Starts observing one exchange of a tagged request (upstream-observer.ts): its CLIENT span, whose traceparent replaces
 * the one propagated from the MCP request (W3C Trace Context §3.1: each hop sends its own parent id) but never a tool's
 * own traceparent header of another trace. Returns the function that reports the outcome, or undefined when unobserved.
 */
function observe(request: UpstreamRequest, headers: OutgoingHttpHeaders): ((outcome: number | UpstreamFailure) => void) | undefined {
  const observed = observerOf(request);
  if (!observed) return undefined;
  const { tool, observer } = observed;
  const trace = observer.tracing?.upstream(request.method.toUpperCase(), request.url, tool.path, tool.name);
  if (trace) {
    const sent = headers.traceparent;
    if (typeof sent !== 'string' || sent.slice(3, 35) === trace.traceId) headers.traceparent = trace.traceparent;
  }
  const started = performance.now();
  let reported = false;
  return (outcome) => {
    if (reported) return;
    reported = true;
    trace?.end(outcome);
    observer.metrics?.upstream(tool.name, outcome, (performance.now() - started) / 1000);
  };
}

/** The body stream, decoded per Content-Encoding as fetch does (gzip, deflate, br; unknown codings pass through). */
function decoded(res: IncomingMessage, status: number, method: string): Readable {
  const header = res.headers['content-encoding'];
  if (!header || method.toUpperCase() === 'HEAD' || status === 204 || status === 304) return res;
  const codings = header.toLowerCase().split(',').map((coding) => coding.trim()).filter(Boolean).reverse();
  const decoders: Readable[] = [];
  for (const coding of codings) {
    if (coding === 'gzip' || coding === 'x-gzip') decoders.push(createGunzip({ flush: zlib.Z_SYNC_FLUSH, finishFlush: zlib.Z_SYNC_FLUSH }));
    else if (coding === 'deflate') decoders.push(createInflate({ flush: zlib.Z_SYNC_FLUSH, finishFlush: zlib.Z_SYNC_FLUSH }));
    else if (coding === 'br') decoders.push(createBrotliDecompress({ flush: zlib.BROTLI_OPERATION_FLUSH, finishFlush: zlib.BROTLI_OPERATION_FLUSH }));
    else return res; // An unknown coding: the bytes are passed on as they came, like fetch does.
  }
  if (decoders.length === 0) return res;
  // pipeline destroys every stage (and so the connection) when one fails or the last one is destroyed.
  return (pipeline as (...streams: unknown[]) => Readable)(res, ...decoders, () => undefined);
}
