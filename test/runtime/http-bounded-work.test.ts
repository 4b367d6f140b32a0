/**
 * #16 item 11: what one request can make the server build is bounded. MCP requests in flight are capped (a batch
 * counting each message; 503 with Retry-After before the body is read), a body's JSON is bounded in values and depth
 * before it is parsed, and a legacy batch of tools/list cannot multiply pages beyond the cap.
 */

import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../templates/runtime/audit.js';
import type { ServerDefinition } from '../../templates/runtime/definition.js';
import { startHttpServer } from '../../templates/runtime/http.js';
import { jsonShapeProblem, MAX_JSON_DEPTH, MAX_JSON_ITEMS } from '../../templates/runtime/json-shape.js';
import { readSettings } from '../../templates/runtime/settings.js';
import { MAX_PAGE_BYTES } from '../../templates/runtime/tool-pages.js';
import { startRecordingUpstream } from '../support/upstream.js';
import { fixtureDefinition } from './fixtures/definition.js';
import { MCP_HEADERS, rpc, toolsCall } from './fixtures/protected.js';

const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

const LEGACY = { 'MCP-Protocol-Version': '2025-03-26' };

async function openServer(env: Record<string, string> = {}, definition: ServerDefinition = fixtureDefinition()) {
  const upstream = await startRecordingUpstream();
  cleanup.push(() => upstream.close());
  // tools/list pages are direct mode's: TOOL_MODE=auto would offer the discovery meta-tools for 1,000 tools (#13).
  const settings = readSettings({ AUTH_MODE: 'none', PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api`, RATE_LIMIT_PER_MINUTE: '0', TOOL_MODE: 'direct', ...env }, definition);
  const audit: AuditRecord[] = [];
  const server = await startHttpServer(definition, settings, { audit: (record) => audit.push(record), log: () => undefined });
  cleanup.push(() => server.close());
  const audited = async (count: number) => {
    for (let i = 0; i < 100 && audit.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return audit;
  };
  return { upstream, server, url: server.url, audited };
}

/** Makes the upstream hold every request until `release()`; `arrived` resolves when `count` requests are held. */
function holdUpstream(upstream: Awaited<ReturnType<typeof openServer>>['upstream'], count = 1) {
  const held: (() => void)[] = [];
  let arrivedAll!: () => void;
  const arrived = new Promise<void>((resolve) => (arrivedAll = resolve));
  upstream.answer = (res) =>
    new Promise<void>((done) => {
      held.push(() => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        done();
      });
      if (held.length >= count) arrivedAll();
    });
  const release = () => {
    // From now on the upstream answers at once.
    upstream.answer = (res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    for (const answer of held.splice(0)) answer();
  };
  return { arrived, release };
}

describe('#16 MCP_MAX_CONCURRENT_REQUESTS', () => {
  it('#16 answers 503 with Retry-After beyond the cap, before reading the body; serves again once a slot is free', async () => {
    const { upstream, server, url, audited } = await openServer({ MCP_MAX_CONCURRENT_REQUESTS: '1' });
    const hold = holdUpstream(upstream);
    const first = rpc(url, undefined, toolsCall('get_pet', { petId: 1 }));
    await hold.arrived;
    expect(server.requestLimit.inFlight).toBe(1);

    const refused = await rpc(url, undefined, toolsCall('get_pet', { petId: 2 }));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32000, message: expect.stringMatching(/too many requests in flight/) }, id: null });
    expect((await audited(1)).map((line) => [line.decision, line.reason])).toEqual([['deny', 'overloaded']]);

    // The refusal comes before the body: an endless one is not read, its connection is closed.
    const url_ = new URL(url);
    const socket = connect(Number(url_.port), url_.hostname);
    cleanup.push(async () => socket.destroy());
    socket.on('error', () => undefined);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`POST /mcp HTTP/1.1\r\nHost: ${url_.host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const piece = `10000\r\n${' '.repeat(0x10000)}\r\n`;
    let isClosed = false;
    void closed.then(() => (isClosed = true));
    for (let i = 0; i < 1024 && !isClosed; i++) if (!socket.write(piece)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(socket.bytesWritten).toBeLessThan(8 * 1024 * 1024);

    hold.release();
    expect((await first).status).toBe(200);
    expect((await rpc(url, undefined, toolsCall('get_pet', { petId: 3 }))).status).toBe(200);
    expect(upstream.received).toHaveLength(2);
    expect(server.requestLimit.inFlight).toBe(0);
  });

  it('#16 a call whose client has gone keeps its slot until its work ends', async () => {
    const { upstream, server, url } = await openServer({ MCP_MAX_CONCURRENT_REQUESTS: '1' });
    const hold = holdUpstream(upstream);
    const abandon = new AbortController();
    const abandoned = fetch(url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(toolsCall('get_pet', { petId: 1 })), signal: abandon.signal }).catch(() => 'aborted');
    await hold.arrived;
    abandon.abort();
    expect(await abandoned).toBe('aborted');
    // The upstream call still runs: its slot is still taken.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requestLimit.inFlight).toBe(1);
    expect((await rpc(url, undefined, toolsCall('get_pet', { petId: 2 }))).status).toBe(503);

    hold.release();
    for (let i = 0; i < 100 && server.requestLimit.inFlight > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.requestLimit.inFlight).toBe(0);
    expect((await rpc(url, undefined, toolsCall('get_pet', { petId: 3 }))).status).toBe(200);
  });

  it('#16 a batch takes a slot per message: larger than the cap → 400, not fitting now → 503, nothing runs', async () => {
    const { upstream, server, url } = await openServer({ MCP_MAX_CONCURRENT_REQUESTS: '4' });
    const batch = (count: number, from: number) => Array.from({ length: count }, (_, index) => toolsCall('get_pet', { petId: from + index }, from + index));
    const tooLarge = await rpc(url, undefined, batch(5, 1), LEGACY);
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.body).toEqual({ jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request: a batch may hold at most 4 requests' }, id: null });
    expect(upstream.received).toHaveLength(0);

    const hold = holdUpstream(upstream);
    const single = rpc(url, undefined, toolsCall('get_pet', { petId: 10 }));
    await hold.arrived;
    expect((await rpc(url, undefined, batch(4, 20), LEGACY)).status).toBe(503);
    expect(upstream.received).toHaveLength(1);
    hold.release();
    expect((await single).status).toBe(200);
    const fits = await rpc(url, undefined, batch(4, 30), LEGACY);
    expect(fits.status).toBe(200);
    expect(upstream.received).toHaveLength(5);
    expect(server.requestLimit.inFlight).toBe(0);
  });

  it('#16 a legacy batch of 40 tools/list over 1,000 tools is refused; a batch within the cap builds at most one bounded page each', async () => {
    const base = fixtureDefinition();
    const definition = { ...base, tools: Array.from({ length: 1000 }, (_, index) => ({ ...base.tools[0]!, name: `tool_${index}` })) };
    const { url } = await openServer({}, definition);
    const lists = (count: number) => Array.from({ length: count }, (_, index) => ({ jsonrpc: '2.0', id: index + 1, method: 'tools/list' }));
    const refused = await rpc(url, undefined, lists(40), LEGACY);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe('Invalid Request: a batch may hold at most 16 requests');

    const response = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...LEGACY }, body: JSON.stringify(lists(16)) });
    const text = await response.text();
    const answers = JSON.parse(text) as { result: { tools: unknown[]; nextCursor?: string } }[];
    expect(answers).toHaveLength(16);
    for (const answer of answers) {
      expect(answer.result.tools).toHaveLength(100);
      expect(answer.result.nextCursor).toEqual(expect.any(String));
    }
    expect(Buffer.byteLength(text)).toBeLessThan(16 * MAX_PAGE_BYTES);
  });
});

describe('#16 JSON bounded before it is parsed', () => {
  it(`#16 answers 413 to a body of more than ${MAX_JSON_ITEMS} values, however small, audited, before parsing`, async () => {
    const { url, audited } = await openServer();
    // 1 MiB of empty objects would be ~21 MiB once parsed.
    const body = `[${Array.from({ length: 300_000 }, () => '{}').join(',')}]`;
    expect(body.length).toBeLessThan(1024 * 1024);
    const response = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...LEGACY }, body });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: `Request body holds more than ${MAX_JSON_ITEMS} JSON values and members` }, id: null });
    expect((await audited(1)).map((line) => [line.decision, line.reason])).toEqual([['deny', 'body_too_complex']]);
    // Members count as much as values: one object with many keys.
    const wide = `{${Array.from({ length: MAX_JSON_ITEMS }, (_, index) => `"k${index}":0`).join(',')}}`;
    expect((await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: wide })).status).toBe(413);
  });

  it(`#16 answers 400 to JSON nested deeper than ${MAX_JSON_DEPTH} levels; brackets inside strings do not count`, async () => {
    const { upstream, url } = await openServer();
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const deep = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_pet","arguments":{"petId":1,"x":${nested(MAX_JSON_DEPTH)}}}}`;
    const response = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: deep });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ jsonrpc: '2.0', error: { code: -32600, message: `Invalid Request: JSON nested deeper than ${MAX_JSON_DEPTH} levels` }, id: null });
    expect(upstream.received).toHaveLength(0);

    const quoted = JSON.stringify(toolsCall('get_pet', { petId: 1, note: `${'[{'.repeat(100_000)} \\" ${','.repeat(100_000)}` }));
    expect((await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: quoted })).status).toBe(200);
  });

  it('#16 jsonShapeProblem counts structure outside strings only', () => {
    expect(jsonShapeProblem('[1,2,3]', 2)).toBe('items');
    expect(jsonShapeProblem('[1,2]', 2)).toBeUndefined();
    expect(jsonShapeProblem('{"a":1}', 1)).toBe('items');
    expect(jsonShapeProblem('"[,:{\\"[,:{"', 0, 0)).toBeUndefined();
    expect(jsonShapeProblem('[[[]]]', 10, 2)).toBe('depth');
    expect(jsonShapeProblem('[[],[],[]]', 10, 2)).toBeUndefined();
  });
});
