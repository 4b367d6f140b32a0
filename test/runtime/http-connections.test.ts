/**
 * #16 item 10: what one connection may cost. An answer given before the body is read closes the connection instead
 * of draining the body; slow headers and slow bodies are cut by the configured timeouts; the number of open
 * connections is capped. Measured with raw `net` sockets: how much a client manages to write before the server
 * closes, and whether (not when) the server closes.
 */

import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../templates/runtime/http.js';
import type { HttpServerOptions } from '../../templates/runtime/http.js';
import { readSettings } from '../../templates/runtime/settings.js';
import { startRecordingUpstream } from '../support/upstream.js';
import { startScriptedIssuer } from '../support/scripted-issuer.js';
import { fixtureDefinition } from './fixtures/definition.js';
import { startProtected } from './fixtures/protected.js';

const cleanup: (() => Promise<unknown>)[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** The client gives up (and the test fails) after writing this much: before the fix the server read without end. */
const WRITE_LIMIT = 64 * 1024 * 1024;
/** What the server may read of a body it has answered before reading: kernel buffers on loopback, with room to spare. */
const READ_BOUND = 8 * 1024 * 1024;

/** An AUTH_MODE=none server on loopback. */
async function openServer(env: Record<string, string> = {}, options: HttpServerOptions = {}) {
  const upstream = await startRecordingUpstream();
  cleanup.push(() => upstream.close());
  const definition = fixtureDefinition();
  const settings = readSettings({ AUTH_MODE: 'none', PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api`, ...env }, definition);
  const server = await startHttpServer(definition, settings, { audit: () => undefined, log: () => undefined, rateLimitClock: () => 0, ...options });
  cleanup.push(() => server.close());
  return { url: new URL(server.url), upstream, server };
}

/** A protected server whose 401 comes before any body is read. */
async function protectedServer() {
  const as = await startScriptedIssuer();
  cleanup.push(() => as.close());
  const upstream = await startRecordingUpstream();
  cleanup.push(() => upstream.close());
  const mcp = await startProtected(as, `${upstream.origin}/api`);
  cleanup.push(() => mcp.close());
  return new URL(mcp.url);
}

interface Connection {
  readonly socket: Socket;
  /** Everything the server sent so far, as latin1 text. */
  received(): string;
  /** Resolves once the connection is closed (by either side, or reset). */
  readonly closed: Promise<void>;
}

async function open(url: URL): Promise<Connection> {
  const socket = connect(Number(url.port), url.hostname);
  sockets.push(socket);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  // A reset while writing is how a closed connection shows up to a writer.
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => text, closed };
}

/** Request head of a POST to `path` with `headers`, as raw bytes. */
function head(url: URL, headers: Record<string, string>): string {
  const lines = Object.entries({ Host: url.host, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `POST ${url.pathname} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** Writes 64 KiB pieces (chunked when `chunked`) until the connection closes or WRITE_LIMIT; resolves with the bytes written. */
async function stream(connection: Connection, chunked: boolean): Promise<number> {
  const { socket } = connection;
  const piece = Buffer.alloc(64 * 1024, ' ');
  const framed = chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
  let done = false;
  void connection.closed.then(() => (done = true));
  let written = 0;
  while (!done && written < WRITE_LIMIT) {
    written += framed.length;
    if (!socket.write(framed)) {
      await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), connection.closed]);
    }
  }
  await Promise.race([connection.closed, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  return socket.bytesWritten;
}

/** The status line and headers of the first answer, lower-cased. */
function answerHead(text: string): string {
  return text.slice(0, text.indexOf('\r\n\r\n')).toLowerCase();
}

describe('#16 answers given before the body is read close the connection', () => {
  it('#16 a chunked body without a token: 401, Connection: close, and the server stops reading', async () => {
    const url = await protectedServer();
    const connection = await open(url);
    connection.socket.write(head(url, { 'Transfer-Encoding': 'chunked' }));
    const written = await stream(connection, true);
    expect(answerHead(connection.received())).toMatch(/^http\/1\.1 401 /);
    expect(answerHead(connection.received())).toContain('connection: close');
    expect(written).toBeLessThan(READ_BOUND);
  });

  it.each([
    ['a wrong path (404)', '/other', {}, 404],
    ['a foreign Origin (403)', '/mcp', { Origin: 'http://evil.example' }, 403],
    ['a GET with a body (405)', '/mcp', {}, 405],
  ] as const)('#16 %s with an endless chunked body is closed, not drained', async (_name, path, headers, status) => {
    const { url } = await openServer();
    const connection = await open(url);
    const target = new URL(path, url);
    const request = head(target, { 'Transfer-Encoding': 'chunked', ...headers });
    connection.socket.write(status === 405 ? request.replace(/^POST/, 'GET') : request);
    const written = await stream(connection, true);
    expect(answerHead(connection.received())).toMatch(new RegExp(`^http/1\\.1 ${status} `));
    expect(answerHead(connection.received())).toContain('connection: close');
    expect(written).toBeLessThan(READ_BOUND);
  });

  it('#16 a rate-limited caller (429) with an endless body is closed, not drained', async () => {
    const { url } = await openServer({ RATE_LIMIT_BURST: '1' });
    // The one token goes to a first request.
    expect((await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' })).status).toBe(200);
    const connection = await open(url);
    connection.socket.write(head(url, { 'Transfer-Encoding': 'chunked' }));
    const written = await stream(connection, true);
    expect(answerHead(connection.received())).toMatch(/^http\/1\.1 429 /);
    expect(written).toBeLessThan(READ_BOUND);
  });

  it.each([
    ['declared by Content-Length', false],
    ['streamed chunked', true],
  ])('#16 an oversized body %s: 413, and the server stops reading', async (_name, chunked) => {
    const { url } = await openServer({ MCP_MAX_BODY_BYTES: '65536' });
    const connection = await open(url);
    connection.socket.write(head(url, chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(1024 * 1024 * 1024) }));
    const written = await stream(connection, chunked);
    expect(answerHead(connection.received())).toMatch(/^http\/1\.1 413 /);
    expect(answerHead(connection.received())).toContain('connection: close');
    expect(written).toBeLessThan(READ_BOUND);
  });

  it('#16 keeps the connection alive once the body has been read', async () => {
    const { url } = await openServer();
    const connection = await open(url);
    const body = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
    const request = head(url, { 'Content-Length': String(body.length) }) + body;
    connection.socket.write(request + request);
    for (let i = 0; i < 200 && (connection.received().match(/HTTP\/1\.1 200 /g) ?? []).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(connection.received().match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(connection.received().toLowerCase()).not.toContain('connection: close');
  });
});

describe('#16 timeouts and the connection cap', () => {
  it('#16 closes a slowloris connection (headers sent byte by byte, never finished) after MCP_HEADERS_TIMEOUT_MS', async () => {
    const { url } = await openServer({ MCP_HEADERS_TIMEOUT_MS: '300', MCP_REQUEST_TIMEOUT_MS: '600' });
    const connection = await open(url);
    let closed = false;
    void connection.closed.then(() => (closed = true));
    const trickle = `POST /mcp HTTP/1.1\r\nHost: ${url.host}\r\nX-Padding: ${'a'.repeat(10_000)}`;
    // One byte every 20 ms would take over 3 minutes: the server must cut it long before the test's own timeout.
    for (let index = 0; index < trickle.length && !closed; index++) {
      connection.socket.write(trickle[index]!);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(closed).toBe(true);
  });

  it('#16 closes a connection that never sends anything', async () => {
    const { url } = await openServer({ MCP_HEADERS_TIMEOUT_MS: '300', MCP_REQUEST_TIMEOUT_MS: '600' });
    const connection = await open(url);
    await connection.closed;
    expect(connection.received()).not.toMatch(/ 200 /);
  });

  it('#16 answers 408 and closes a request whose body trickles past MCP_REQUEST_TIMEOUT_MS', async () => {
    const errors: string[] = [];
    const { url, upstream } = await openServer({ MCP_HEADERS_TIMEOUT_MS: '300', MCP_REQUEST_TIMEOUT_MS: '600' }, { log: (level, message) => void (level === 'error' && errors.push(message)) });
    const connection = await open(url);
    connection.socket.write(head(url, { 'Content-Length': '100000' }));
    let closed = false;
    void connection.closed.then(() => (closed = true));
    for (let i = 0; i < 10_000 && !closed; i++) {
      connection.socket.write(' ');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(closed).toBe(true);
    expect(answerHead(connection.received())).toMatch(/^http\/1\.1 408 /);
    expect(upstream.received).toHaveLength(0);
    // A client cut off mid-body is not a server error.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors).toEqual([]);
  });

  it('#16 with MCP_MAX_CONNECTIONS=2 a third concurrent connection is closed at once, and served again once one ends', async () => {
    const { url } = await openServer({ MCP_MAX_CONNECTIONS: '2' });
    const first = await open(url);
    const second = await open(url);
    // Both are being served: a request on each gets its answer, and both stay open (keep-alive).
    for (const connection of [first, second]) connection.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
    for (let i = 0; i < 200 && !(first.received().includes(' 200 ') && second.received().includes(' 200 ')); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect([first.received(), second.received()].every((text) => text.startsWith('HTTP/1.1 200 '))).toBe(true);

    const third = await open(url);
    third.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
    await third.closed;
    expect(third.received()).toBe('');

    first.socket.destroy();
    await first.closed;
    // The server notices the closed connection asynchronously: a fourth is served once it has.
    let served = '';
    for (let i = 0; i < 50 && !served.startsWith('HTTP/1.1 200 '); i++) {
      const fourth = await open(url);
      fourth.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
      await fourth.closed;
      served = fourth.received();
    }
    expect(served).toMatch(/^HTTP\/1\.1 200 /);
  });
});
