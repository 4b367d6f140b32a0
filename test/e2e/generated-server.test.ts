/**
 * End to end, with real parts only: a committed generated/ project built with tsc and started as `node
 * dist/index.js`, a real upstream HTTP server on loopback, and the SDK's own Client over Streamable HTTP.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGenerated, type RunningServer } from '../support/generated-server.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}

describe('generated/notes-apikey end to end', () => {
  let upstream: RecordingUpstream;
  let server: RunningServer;
  let client: Client;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    server = await startGenerated('notes-apikey', {
      AUTH_MODE: 'none', // caller authorization has its own suites (oauth-*.test.ts)
      UPSTREAM_BASE_URL: `${upstream.origin}/api`,
      UPSTREAM_API_KEY_AUTH_API_KEY: 'server-secret',
    });
    client = await connect(server.url);
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    expect(await server?.stop()).toBe(0);
    await upstream?.close();
  });

  const call = async (name: string, args: Record<string, unknown>) => {
    upstream.received.length = 0;
    return (await client.callTool({ name, arguments: args })) as CallToolResult;
  };

  it('lists one tool per selected operation, with names, hints and self-contained schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['notes_list_all', 'createNote', 'getNote', 'deleteNote', 'post_notes_noteId_share', 'uploadAttachment']);
    const create = tools.find((tool) => tool.name === 'createNote')!;
    expect(create.inputSchema).toMatchObject({
      type: 'object',
      required: ['body'],
      properties: { body: { $ref: '#/$defs/NewNote' } },
      $defs: { NewNote: { type: 'object', required: ['title'] } },
    });
    expect(tools.find((tool) => tool.name === 'deleteNote')!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: true });
  });

  it('serializes query styles, header and cookie parameters, and adds the server credential', async () => {
    const result = await call('notes_list_all', { tag: ['a b', 'c'], ids: [1, 2], words: ['x', 'y'], limit: 5, 'X-Request-Id': 'req-1', session: 's1' });
    expect(result.isError).toBeFalsy();
    expect(upstream.received).toHaveLength(1);
    const [request] = upstream.received;
    expect(request!.method).toBe('GET');
    expect(request!.url).toBe('/api/notes?tag=a%20b&tag=c&ids=1,2&words=x%20y&limit=5');
    expect(request!.headers['x-request-id']).toBe('req-1');
    expect(request!.headers.cookie).toBe('session=s1');
    expect(request!.headers['x-api-key']).toBe('server-secret');
    expect(result.structuredContent).toEqual({ ok: true });
  });

  it('sends a JSON body and returns the JSON answer as structured content', async () => {
    upstream.answer = (res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'n1', title: 'Hello' }));
    };
    const result = await call('createNote', { body: { title: 'Hello', body: null, tags: ['t'] } });
    upstream.answer = (res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    const [request] = upstream.received;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/api/notes');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body.toString())).toEqual({ title: 'Hello', body: null, tags: ['t'] });
    expect(result.structuredContent).toEqual({ id: 'n1', title: 'Hello' });
  });

  it('keeps clashing parameter names apart and encodes path values so they cannot change the path', async () => {
    await call('getNote', { noteId: '../admin?x=1', header_noteId: 'trace' });
    const [request] = upstream.received;
    expect(request!.url).toBe('/api/notes/..%2Fadmin%3Fx%3D1');
    expect(request!.headers.noteid).toBe('trace');
  });

  it('refuses "." and ".." as path values without calling upstream', async () => {
    for (const noteId of ['..', '.']) {
      const result = await call('deleteNote', { noteId });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('noteId');
      expect(upstream.received).toHaveLength(0);
    }
  });

  it('refuses invalid arguments, naming the field, before anything is sent upstream', async () => {
    const missing = await call('createNote', { body: { tags: ['t'] } });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain('title');
    const wrongType = await call('notes_list_all', { limit: 'many' });
    expect(wrongType.isError).toBe(true);
    expect(textOf(wrongType)).toContain('limit');
    const unknown = await call('notes_list_all', { api_key: 'x' });
    expect(unknown.isError).toBe(true);
    expect(upstream.received).toHaveLength(0);
  });

  it('sends form-urlencoded and multipart bodies as the spec declares', async () => {
    await call('post_notes_noteId_share', { noteId: 'n1', body: { email: 'a@example.com', message: 'hi & bye', notify: true } });
    let [request] = upstream.received;
    expect(request!.url).toBe('/api/notes/n1/share');
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(request!.body.toString()).getAll('message')).toEqual(['hi & bye']);
    expect(Object.fromEntries(new URLSearchParams(request!.body.toString()))).toEqual({ email: 'a@example.com', message: 'hi & bye', notify: 'true' });

    await call('uploadAttachment', { body: { file: 'file contents', description: 'notes', meta: { source: 'e2e' } } });
    [request] = upstream.received;
    expect(request!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(request!.body, { headers: { 'content-type': request!.headers['content-type']! } }).formData();
    expect(form.get('description')).toBe('notes');
    expect(await (form.get('file') as Blob).text()).toBe('file contents');
    const meta = form.get('meta') as Blob;
    expect(meta.type).toBe('application/json');
    expect(JSON.parse(await meta.text())).toEqual({ source: 'e2e' });
  });

  it('reports a non-2xx answer as a tool error with status and body excerpt', async () => {
    upstream.answer = (res) => void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such note"}');
    const result = await call('getNote', { noteId: 'missing' });
    upstream.answer = (res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('404');
    expect(textOf(result)).toContain('no such note');
  });
});

describe('generated/petstore end to end', () => {
  let upstream: RecordingUpstream;
  let server: RunningServer;
  let client: Client;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    server = await startGenerated('petstore', { AUTH_MODE: 'none', UPSTREAM_BASE_URL: `${upstream.origin}/v3`, UPSTREAM_API_KEY_API_KEY: 'key-1', UPSTREAM_PETSTORE_AUTH_TOKEN: 'oauth-1' });
    client = await connect(server.url);
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await upstream?.close();
  });

  it('lists every operation as a tool', async () => {
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(20);
    expect(tools.map((tool) => tool.name)).toContain('findPetsByStatus');
  });

  it('uses the first configured security alternative and never forwards a caller token', async () => {
    upstream.received.length = 0;
    await client.callTool({ name: 'findPetsByStatus', arguments: { status: ['available', 'sold'] } });
    await client.callTool({ name: 'getPetById', arguments: { petId: 7 } });
    const [find, get] = upstream.received;
    expect(find!.url).toBe('/v3/pet/findByStatus?status=available&status=sold');
    expect(find!.headers.authorization).toBe('Bearer oauth-1');
    expect(get!.url).toBe('/v3/pet/7');
    expect(get!.headers.api_key).toBe('key-1');
    expect(get!.headers.authorization).toBeUndefined();
  });

  it('sends the body of addPet as JSON', async () => {
    upstream.received.length = 0;
    const pet = { name: 'Rex', photoUrls: ['http://x/y.png'], status: 'available', category: { id: 1, name: 'dogs' } };
    const result = (await client.callTool({ name: 'addPet', arguments: { body: pet } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(JSON.parse(upstream.received[0]!.body.toString())).toEqual(pet);
    expect(upstream.received[0]!.headers['content-type']).toBe('application/json');
  });
});
