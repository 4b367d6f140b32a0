/**
 * The emitted server's runtime end to end over HTTP: the SDK's own client against startHttpServer on loopback,
 * calling a real loopback upstream that records what it receives.
 */

import { request as httpRequest } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, LATEST_PROTOCOL_VERSION, McpError } from '@modelcontextprotocol/sdk/types.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../templates/runtime/http.js';
import type { RunningHttpServer } from '../../templates/runtime/http.js';
import type { ToolPolicy } from '../../templates/runtime/mcp-server.js';
import { readSettings } from '../../templates/runtime/settings.js';
import type { Settings } from '../../templates/runtime/settings.js';
import { fixtureDefinition } from './fixtures/definition.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';

const definition = fixtureDefinition();
let upstream: RecordingUpstream;
let settings: Settings;
let server: RunningHttpServer;
const clients: Client[] = [];

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  // These tests are about MCP over HTTP, not tokens (test/runtime/auth-*.test.ts): authorization is off, on loopback.
  settings = readSettings({ PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api`, LOG_LEVEL: 'error', AUTH_MODE: 'none', MCP_ALLOWED_ORIGINS: 'http://localhost:6274' }, definition);
  server = await startHttpServer(definition, settings, { audit: () => undefined });
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

beforeEach(() => {
  upstream.received.length = 0;
  upstream.answer = (res, request) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ ok: true, method: request.method, url: request.url }));
  };
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function connect(url = server.url): Promise<Client> {
  const client = new Client({ name: 'runtime-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  clients.push(client);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function text(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');
}

type JsonRpcError = { error: { code: number; message: string } };

const MCP_HEADERS = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
  'MCP-Protocol-Version': LATEST_PROTOCOL_VERSION,
};

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** Sends `declaredLength` in Content-Length (or chunked when undefined) and `bytes` of body; resolves with the status. */
function postRaw(url: string, bytes: number, declaredLength?: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(url, { method: 'POST', headers: { ...MCP_HEADERS, ...(declaredLength === undefined ? {} : { 'Content-Length': declaredLength }) } }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may close the connection while the body is still being sent: only a missing answer is a failure.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, ' ');
    let sent = 0;
    const writeMore = () => {
      while (sent < bytes && !answered && !req.destroyed) {
        const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', writeMore);
      }
      if (!answered && declaredLength === undefined) req.end();
    };
    writeMore();
  });
}

describe('tools/list', () => {
  it('lists every tool with its schema, $defs limited to what it reaches', async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['get_pet', 'create_pet', 'list_owners']);

    const [getPet, createPet, listOwners] = tools;
    expect(getPet).toEqual({
      name: 'get_pet',
      title: 'Get a pet',
      description: 'Returns one pet.',
      inputSchema: definition.tools[0]!.inputSchema,
      annotations: { readOnlyHint: true, openWorldHint: true },
    });
    expect(getPet!.inputSchema).not.toHaveProperty('$defs');
    expect(createPet!.inputSchema).toEqual({
      ...definition.tools[1]!.inputSchema,
      $defs: { Owner: definition.definitions.Owner, Pet: definition.definitions.Pet },
    });
    expect(listOwners).not.toHaveProperty('title');
  });

  it('answers statelessly: no session id, and any request may come first', async () => {
    const initialize = await fetch(server.url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE) });
    expect(initialize.status).toBe(200);
    expect(initialize.headers.get('mcp-session-id')).toBeNull();
    expect(initialize.headers.get('content-type')).toContain('application/json');
    expect(((await initialize.json()) as { result: { serverInfo: unknown } }).result.serverInfo).toMatchObject({ name: 'petstore-test', version: '1.0.0' });

    // A fresh server per request: tools/list with no initialize before it on this "connection".
    const list = await fetch(server.url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { result: { tools: unknown[] } }).result.tools).toHaveLength(3);
  });
});

describe('tools/call', () => {
  it('sends a path parameter and a query array upstream and returns the response', async () => {
    const client = await connect();
    const result = await call(client, 'get_pet', { petId: 7, tags: ['a', 'b c'] });
    expect(result.isError).toBeFalsy();
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]).toMatchObject({ method: 'GET', url: '/api/pets/7?tags=a&tags=b%20c' });
    expect(upstream.received[0]!.body.length).toBe(0);
    expect(result.structuredContent).toEqual({ ok: true, method: 'GET', url: '/api/pets/7?tags=a&tags=b%20c' });
  });

  it('sends a JSON body with recursive definitions', async () => {
    upstream.answer = (res, request) => {
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: 42, ...JSON.parse(request.body.toString()) }));
    };
    const client = await connect();
    const body = { name: 'Rex', owner: { email: 'ann@example.com' }, children: [{ name: 'Pup', children: [] }] };
    const result = await call(client, 'create_pet', { dryRun: true, body });
    expect(result.isError).toBeFalsy();
    expect(upstream.received).toHaveLength(1);
    const [received] = upstream.received;
    expect(received).toMatchObject({ method: 'POST', url: '/api/pets?dryRun=true' });
    expect(received!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(received!.body.toString())).toEqual(body);
    expect(result.structuredContent).toEqual({ id: 42, ...body });
  });

  it('refuses invalid arguments naming the field, sending nothing upstream', async () => {
    const client = await connect();
    const wrongType = await call(client, 'get_pet', { petId: 'seven' });
    expect(wrongType.isError).toBe(true);
    expect(text(wrongType)).toContain('/petId');
    expect(text(wrongType)).toContain('must be integer');

    const missingDeep = await call(client, 'create_pet', { body: { children: [{}] } });
    expect(missingDeep.isError).toBe(true);
    // Validation stops at the first problem (#16: bounded work per request).
    expect(text(missingDeep)).toContain('/body/name: is required');
    expect(text(missingDeep)).not.toContain('/body/children/0/name');

    const missingArguments = await client.callTool({ name: 'get_pet' });
    expect(missingArguments.isError).toBe(true);
    expect(text(missingArguments as CallToolResult)).toContain('/petId: is required');

    expect(upstream.received).toHaveLength(0);
  });

  it('answers an unknown tool with a JSON-RPC invalid-params error', async () => {
    const client = await connect();
    const error = await client.callTool({ name: 'delete_everything', arguments: {} }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(ErrorCode.InvalidParams);
    expect((error as McpError).message).toContain('delete_everything');
    expect(upstream.received).toHaveLength(0);
  });

  it('serves concurrent callers independently', async () => {
    const [first, second] = await Promise.all([connect(), connect()]);
    const results = await Promise.all([
      call(first!, 'get_pet', { petId: 1 }),
      call(second!, 'get_pet', { petId: 2 }),
      call(first!, 'list_owners', { limit: 5 }),
    ]);
    expect(results.map((result) => result.structuredContent)).toEqual([
      { ok: true, method: 'GET', url: '/api/pets/1' },
      { ok: true, method: 'GET', url: '/api/pets/2' },
      { ok: true, method: 'GET', url: '/api/owners?limit=5' },
    ]);
  });
});

describe('upstream credentials', () => {
  const secured = {
    ...definition,
    securitySchemes: { token: { name: 'token', envPrefix: 'UPSTREAM_TOKEN', type: 'bearer' as const } },
    tools: definition.tools.map((tool) => (tool.name === 'list_owners' ? { ...tool, upstreamSecurity: [['token']] } : tool)),
  };

  it('are read from the settings and sent with the upstream request', async () => {
    const withToken = readSettings({ PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api`, UPSTREAM_TOKEN_TOKEN: 's3cret', AUTH_MODE: 'none' }, secured);
    const running = await startHttpServer(secured, withToken);
    try {
      const result = await call(await connect(running.url), 'list_owners', {});
      expect(result.isError).toBeFalsy();
      expect(upstream.received[0]!.headers.authorization).toBe('Bearer s3cret');
    } finally {
      await Promise.all(clients.splice(0).map((client) => client.close()));
      await running.close();
    }
  });

  it('#8 when missing, the call is sent without credentials and the upstream decides', async () => {
    const running = await startHttpServer(secured, readSettings({ PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api`, AUTH_MODE: 'none' }, secured));
    try {
      const result = await call(await connect(running.url), 'list_owners', {});
      expect(result.isError).toBeFalsy();
      expect(upstream.received).toHaveLength(1);
      expect(upstream.received[0]!.headers.authorization).toBeUndefined();
    } finally {
      await Promise.all(clients.splice(0).map((client) => client.close()));
      await running.close();
    }
  });
});

describe('the caller-authorization seam', () => {
  it('lists only what the policy lets the caller see, and refuses what it does not allow', async () => {
    const seen: string[] = [];
    const policy: ToolPolicy = {
      canSee: (caller, tool) => {
        seen.push(`${caller.scopes.length}:${tool.name}`);
        return tool.name !== 'list_owners';
      },
      check: (_caller, tool) => (tool.name === 'create_pet' ? { allowed: false, reason: 'Not for you.' } : { allowed: true }),
    };
    const guarded = await startHttpServer(definition, settings, { policy });
    try {
      const client = await connect(guarded.url);
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['get_pet', 'create_pet']);
      // AUTH_MODE=none: the anonymous caller, with no scopes.
      expect(seen).toContain('0:list_owners');

      const refused = await call(client, 'create_pet', { body: { name: 'Rex' } });
      expect(refused.isError).toBe(true);
      // The policy's reason is the whole message: nothing is added about the tool or the policy.
      expect(text(refused)).toBe('Not for you.');
      expect(upstream.received).toHaveLength(0);

      expect((await call(client, 'get_pet', { petId: 3 })).isError).toBeFalsy();
      expect(upstream.received).toHaveLength(1);
    } finally {
      await Promise.all(clients.splice(0).map((client) => client.close()));
      await guarded.close();
    }
  });
});

describe('the HTTP endpoint', () => {
  it.each(['GET', 'DELETE'])('answers %s /mcp with 405 and Allow: POST (stateless, no SSE stream)', async (method) => {
    const response = await fetch(server.url, { method, headers: { Accept: 'text/event-stream' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(((await response.json()) as JsonRpcError).error.message).toMatch(/method not allowed/i);
  });

  it.each(['/', '/mcp/extra', '/other'])('answers %s with a JSON 404', async (path) => {
    const response = await fetch(new URL(path, server.url), { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE) });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toMatchObject({ error: 'not_found' });
  });

  it('logs one info line per request: request id, method, path without query, status, duration', async () => {
    const lines: unknown[] = [];
    const logged = await startHttpServer(definition, settings, { log: (level, message, fields) => lines.push({ level, message, ...fields }) });
    try {
      await fetch(`${logged.url}?secret=x`, { method: 'GET', headers: { 'X-Request-Id': 'req-42' } });
      expect(lines).toEqual([{ level: 'info', message: 'request', requestId: 'req-42', method: 'GET', path: '/mcp', status: 405, durationMs: expect.any(Number) }]);
    } finally {
      await logged.close();
    }
  });

  it('accepts a query string on /mcp', async () => {
    const response = await fetch(`${server.url}?client=x`, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE) });
    expect(response.status).toBe(200);
  });

  it('answers 413 to a body declared larger than 1 MiB (the default), before reading it', async () => {
    const response = await postRaw(server.url, 1024, 1024 * 1024 + 1);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).error.message).toContain('1048576');
  });

  it('answers 413 to a streamed body that grows past 1 MiB', async () => {
    const response = await postRaw(server.url, 2 * 1024 * 1024);
    expect(response.status).toBe(413);
  });

  it('accepts a body of exactly 1 MiB', async () => {
    const json = JSON.stringify(INITIALIZE);
    const padded = json + ' '.repeat(1024 * 1024 - json.length);
    const response = await fetch(server.url, { method: 'POST', headers: MCP_HEADERS, body: padded });
    expect(response.status).toBe(200);
  });

  it('answers 400 with a JSON-RPC parse error to a body that is not JSON', async () => {
    const response = await fetch(server.url, { method: 'POST', headers: MCP_HEADERS, body: '{"jsonrpc":' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as JsonRpcError).error.code).toBe(-32700);
  });

  it('refuses foreign Host headers (DNS rebinding) and Origins other than its own and MCP_ALLOWED_ORIGINS', async () => {
    const foreignHost = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(server.url, { method: 'POST', headers: { ...MCP_HEADERS, Host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify(INITIALIZE));
    });
    expect(foreignHost).toBe(403);

    const foreignOrigin = await fetch(server.url, { method: 'POST', headers: { ...MCP_HEADERS, Origin: 'http://evil.example' }, body: JSON.stringify(INITIALIZE) });
    expect(foreignOrigin.status).toBe(403);

    // Loopback is not enough: only configured origins (contract §8).
    const otherLocal = await fetch(server.url, { method: 'POST', headers: { ...MCP_HEADERS, Origin: 'http://localhost:9999' }, body: JSON.stringify(INITIALIZE) });
    expect(otherLocal.status).toBe(403);

    const allowed = await fetch(server.url, { method: 'POST', headers: { ...MCP_HEADERS, Origin: 'http://localhost:6274' }, body: JSON.stringify(INITIALIZE) });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');

    const own = await fetch(server.url, { method: 'POST', headers: { ...MCP_HEADERS, Origin: new URL(server.url).origin }, body: JSON.stringify(INITIALIZE) });
    expect(own.status).toBe(200);
  });
});

describe('Streamable HTTP rules of the JSON transport (2025-11-25 basic/transports)', () => {
  const post = (body: unknown, headers: Record<string, string> = MCP_HEADERS) => fetch(server.url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  /** Batching exists only up to protocol revision 2025-03-26. */
  const BATCH_HEADERS = { ...MCP_HEADERS, 'MCP-Protocol-Version': '2025-03-26' };
  const TOOLS_LIST = { jsonrpc: '2.0', id: 7, method: 'tools/list' };

  it.each([
    ['application/json only', 'application/json'],
    ['text/event-stream only', 'text/event-stream'],
    ['*/*', '*/*'],
  ])('answers 406 when Accept is %s', async (_name, accept) => {
    const response = await post(TOOLS_LIST, { ...MCP_HEADERS, Accept: accept });
    expect(response.status).toBe(406);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000, message: expect.stringMatching(/not acceptable/i) }, id: null });
  });

  it('answers 415 when the Content-Type is not application/json', async () => {
    const response = await post(TOOLS_LIST, { ...MCP_HEADERS, 'Content-Type': 'text/plain' });
    expect(response.status).toBe(415);
    expect(((await response.json()) as JsonRpcError).error.code).toBe(-32000);
    // Parameters are allowed.
    expect((await post(TOOLS_LIST, { ...MCP_HEADERS, 'Content-Type': 'application/json; charset=utf-8' })).status).toBe(200);
  });

  it('#10 answers 400 to an unsupported MCP-Protocol-Version with UnsupportedProtocolVersion (-32022) and the versions to retry with, and accepts every supported one or none', async () => {
    const response = await post(TOOLS_LIST, { ...MCP_HEADERS, 'MCP-Protocol-Version': '1999-01-01' });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: number; message: string; data: { supported: string[]; requested: string } } };
    expect(error.code).toBe(-32022);
    expect(error.data.requested).toBe('1999-01-01');
    expect(error.data.supported).toEqual(['2026-07-28', ...SUPPORTED_PROTOCOL_VERSIONS]);
    for (const version of SUPPORTED_PROTOCOL_VERSIONS) expect((await post(TOOLS_LIST, { ...MCP_HEADERS, 'MCP-Protocol-Version': version })).status).toBe(200);
    const { 'MCP-Protocol-Version': _omitted, ...withoutVersion } = MCP_HEADERS;
    expect((await post(TOOLS_LIST, withoutVersion)).status).toBe(200);
    // initialize negotiates the version: the header is not checked on it.
    expect((await post(INITIALIZE, { ...MCP_HEADERS, 'MCP-Protocol-Version': '1999-01-01' })).status).toBe(200);
  });

  it.each([
    ['a JSON-RPC 1.0 message', { id: 1, method: 'tools/list' }],
    ['a string', '"hello"'],
    ['null', 'null'],
    ['an empty batch', []],
    ['a batch with one invalid entry', [TOOLS_LIST, { jsonrpc: '2.0', id: 2 }]],
  ])('answers 400 with -32600 to %s', async (_name, body) => {
    const response = await post(body, BATCH_HEADERS);
    expect(response.status).toBe(400);
    expect(((await response.json()) as JsonRpcError).error.code).toBe(-32600);
  });

  it('answers 400 to an initialize request that does not come alone', async () => {
    const response = await post([INITIALIZE, TOOLS_LIST], BATCH_HEADERS);
    expect(response.status).toBe(400);
    expect(((await response.json()) as JsonRpcError).error.message).toMatch(/only one initialization/i);
  });

  it('answers 202 with an empty body to notifications and responses only', async () => {
    const notification = await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect(notification.status).toBe(202);
    expect(await notification.text()).toBe('');
    const batch = await post([{ jsonrpc: '2.0', method: 'notifications/initialized' }, { jsonrpc: '2.0', id: 'srv-1', result: {} }], BATCH_HEADERS);
    expect(batch.status).toBe(202);
    expect(await batch.text()).toBe('');
  });

  it('answers a single request with one object, and a batch with an array in request order (notifications get nothing)', async () => {
    const single = await post(TOOLS_LIST);
    expect(single.status).toBe(200);
    expect(single.headers.get('content-type')).toBe('application/json');
    expect(single.headers.get('mcp-session-id')).toBeNull();
    expect(await single.json()).toMatchObject({ jsonrpc: '2.0', id: 7, result: { tools: expect.any(Array) } });

    const batch = await post([
      { jsonrpc: '2.0', id: 'b', method: 'tools/call', params: { name: 'get_pet', arguments: { petId: 5 } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } },
      { jsonrpc: '2.0', id: 3, method: 'ping' },
    ], BATCH_HEADERS);
    expect(batch.status).toBe(200);
    const answers = (await batch.json()) as { id: unknown; result?: any; error?: { code: number } }[];
    expect(answers.map((answer) => answer.id)).toEqual(['b', 'a', 3]);
    expect(answers[0]!.result.isError).toBeFalsy();
    expect(answers[1]!.error?.code).toBe(ErrorCode.InvalidParams);
    expect(answers[2]!.result).toEqual({});
  });
});

describe('close', () => {
  it('lets an in-flight call finish, then stops accepting connections', async () => {
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => {
      upstream.answer = async (res) => {
        resolve();
        await new Promise<void>((done) => (release = done));
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"slow":true}');
      };
    });
    const closing = await startHttpServer(definition, settings);
    const client = await connect(closing.url);
    const inFlight = call(client, 'get_pet', { petId: 1 });
    await arrived;

    let closed = false;
    const done = closing.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);

    release();
    expect((await inFlight).structuredContent).toEqual({ slow: true });
    await done;
    await expect(fetch(closing.url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE) })).rejects.toThrow();
  });

  it('cuts requests that outlast the close timeout', async () => {
    upstream.answer = () => {
      // Never answers.
    };
    const closing = await startHttpServer(definition, { ...settings, upstreamTimeoutMs: 60_000 }, { closeTimeoutMs: 200 });
    const client = await connect(closing.url);
    const inFlight = call(client, 'get_pet', { petId: 1 }).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await closing.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await inFlight).toBe('failed');
  });
});
