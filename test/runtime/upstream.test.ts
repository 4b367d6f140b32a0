/**
 * callUpstream against real loopback servers: what the upstream receives on the wire (raw URL, headers, body),
 * what it never receives (refused calls, redirects), credentials, timeouts, network failures and the response cap.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadUpstreamCredentials } from '../../templates/runtime/credentials.js';
import type { UpstreamCredentials } from '../../templates/runtime/credentials.js';
import type { ParameterDefinition, ToolDefinition, UpstreamSchemeDefinition } from '../../templates/runtime/definition.js';
import { callUpstream } from '../../templates/runtime/upstream.js';
import type { UpstreamContext } from '../../templates/runtime/upstream.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';

/** A real upstream on loopback that records every request. */
const record = startRecordingUpstream;
type Recorder = RecordingUpstream;

const SCHEMES = {
  key: { name: 'key', envPrefix: 'UP_KEY', type: 'apiKey', in: 'header', parameterName: 'api_key' },
  queryKey: { name: 'queryKey', envPrefix: 'UP_QKEY', type: 'apiKey', in: 'query', parameterName: 'key' },
  bearer: { name: 'bearer', envPrefix: 'UP_BEARER', type: 'bearer' },
} satisfies Record<string, UpstreamSchemeDefinition>;
const ENV = { UP_KEY_API_KEY: 'server-secret-key', UP_QKEY_API_KEY: 'server-query-key' };

function param(overrides: Partial<ParameterDefinition> & Pick<ParameterDefinition, 'name' | 'in'>): ParameterDefinition {
  const style = overrides.style ?? (overrides.in === 'query' || overrides.in === 'cookie' ? 'form' : 'simple');
  return { argument: overrides.name, style, explode: style === 'form', allowReserved: false, required: overrides.in === 'path', ...overrides };
}

function tool(overrides: Partial<ToolDefinition> = {}): ToolDefinition {
  return {
    name: 'op', description: '', annotations: {}, inputSchema: { type: 'object' }, definitions: [], method: 'GET', path: '/items',
    parameters: [], scopes: [], roles: [], upstreamSecurity: [], source: '#/paths/~1items/get', ...overrides,
  };
}

function text(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');
}

let api: Recorder;
let credentials: UpstreamCredentials;
let context: UpstreamContext;

beforeAll(async () => {
  api = await record();
  credentials = loadUpstreamCredentials(SCHEMES, ENV);
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => {
  api.received.length = 0;
  api.answer = (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  };
  context = { baseUrl: `${api.origin}/api/v1`, credentials, timeoutMs: 5_000, maxResponseBytes: 100_000 };
});

describe('the request on the wire', () => {
  it('sends method, raw path and query, headers, cookies and body as serialized', async () => {
    const t = tool({
      method: 'PUT',
      path: '/pets/{petId}',
      parameters: [
        param({ name: 'petId', in: 'path' }),
        param({ name: 'color', in: 'query', style: 'deepObject', explode: true }),
        param({ name: 'tags', in: 'query' }),
        param({ name: 'ids', in: 'query', style: 'pipeDelimited', explode: false }),
        param({ name: 'X-Request-Id', in: 'header' }),
        param({ name: 'theme', in: 'cookie' }),
      ],
      body: { argument: 'pet', contentType: 'application/json', encoding: 'json', required: true },
    });
    const result = await callUpstream(t, {
      petId: 'a b',
      color: { R: 100, G: 200 },
      tags: ['x', 'y'],
      ids: [1, 2],
      'X-Request-Id': 'r-1',
      theme: 'dark mode',
      pet: { name: 'Rex' },
    }, context);
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent).toEqual({ ok: true });
    expect(api.received).toHaveLength(1);
    const [seen] = api.received;
    expect(seen!.method).toBe('PUT');
    expect(seen!.url).toBe('/api/v1/pets/a%20b?color%5BR%5D=100&color%5BG%5D=200&tags=x&tags=y&ids=1%7C2');
    expect(seen!.headers['x-request-id']).toBe('r-1');
    expect(seen!.headers.cookie).toBe('theme=dark%20mode');
    expect(seen!.headers['content-type']).toBe('application/json');
    expect(seen!.body.toString()).toBe('{"name":"Rex"}');
  });

  it('sends a form body', async () => {
    const t = tool({ method: 'POST', body: { argument: 'form', contentType: 'application/x-www-form-urlencoded', encoding: 'form', required: true } });
    await callUpstream(t, { form: { a: 'x&y', list: [1, 2] } }, context);
    expect(api.received[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(api.received[0]!.body.toString()).toBe('a=x%26y&list=1&list=2');
  });

  it('sends a multipart body with the boundary fetch chose', async () => {
    const t = tool({ method: 'POST', body: { argument: 'form', contentType: 'multipart/form-data', encoding: 'multipart', required: true } });
    await callUpstream(t, { form: { name: 'Rex', meta: { age: 3 } } }, context);
    const seen = api.received[0]!;
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(seen.headers['content-type'] ?? '')?.[1];
    expect(boundary).toBeTruthy();
    const body = seen.body.toString();
    expect(body).toContain(`--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nRex\r\n`);
    expect(body).toContain('Content-Disposition: form-data; name="meta"; filename="meta"\r\nContent-Type: application/json\r\n\r\n{"age":3}\r\n');
  });
});

describe('path traversal', () => {
  const t = tool({ path: '/users/{id}/profile', parameters: [param({ name: 'id', in: 'path' })] });

  it.each(['.', '..', ''])('refuses %j and sends nothing', async (id) => {
    const result = await callUpstream(t, { id }, context);
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('/id');
    expect(api.received).toHaveLength(0);
  });

  it.each([
    ['../admin', '/api/v1/users/..%2Fadmin/profile'],
    ['../../../etc/passwd', '/api/v1/users/..%2F..%2F..%2Fetc%2Fpasswd/profile'],
    ['a/b?c', '/api/v1/users/a%2Fb%3Fc/profile'],
    ['%2e%2e', '/api/v1/users/%252e%252e/profile'],
    ['#x', '/api/v1/users/%23x/profile'],
    ['@evil.example', '/api/v1/users/%40evil.example/profile'],
  ])('sends %j encoded inside its segment', async (id, url) => {
    const result = await callUpstream(t, { id }, context);
    expect(result.isError).toBeUndefined();
    expect(api.received.map((r) => r.url)).toEqual([url]);
  });
});

describe('header injection', () => {
  const t = tool({ parameters: [param({ name: 'X-Note', in: 'header' }), param({ name: 'session', in: 'cookie' })] });

  it.each([
    [{ 'X-Note': 'a\r\nX-Injected: 1' }, '/X-Note'],
    [{ 'X-Note': 'a\nTransfer-Encoding: chunked' }, '/X-Note'],
    [{ session: 'a\r\nX-Injected: 1' }, '/session'],
  ])('refuses %j and sends nothing', async (args, field) => {
    const result = await callUpstream(t, args, context);
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(field);
    expect(api.received).toHaveLength(0);
  });

  it('never lets an argument set Host or Content-Length', async () => {
    const framing = tool({ method: 'POST', parameters: [param({ name: 'Host', in: 'header' }), param({ name: 'Content-Length', in: 'header' })], body: { argument: 'b', contentType: 'text/plain', encoding: 'text', required: true } });
    await callUpstream(framing, { Host: 'evil.example', 'Content-Length': '1', b: 'hello' }, context);
    expect(api.received[0]!.headers.host).toBe(new URL(api.origin).host);
    expect(api.received[0]!.body.toString()).toBe('hello');
  });
});

describe('credentials', () => {
  it('sends the server credential, not an argument of the same name', async () => {
    const t = tool({
      upstreamSecurity: [['key', 'queryKey']],
      parameters: [param({ name: 'api_key', in: 'header' }), param({ name: 'key', in: 'query' }), param({ name: 'extra', in: 'query' })],
    });
    const result = await callUpstream(t, { api_key: 'attacker-key', key: 'attacker-q', extra: { KEY: 'attacker-2', page: 2 } }, context);
    expect(result.isError).toBeUndefined();
    const seen = api.received[0]!;
    expect(seen.headers.api_key).toBe('server-secret-key');
    expect(seen.rawHeaders.filter((_, i) => i % 2 === 0 && seen.rawHeaders[i]!.toLowerCase() === 'api_key')).toHaveLength(1);
    expect(seen.url).toBe('/api/v1/items?page=2&key=server-query-key');
  });

  it('#8 sends a call whose credentials are not configured without any, and lets the upstream decide', async () => {
    const result = await callUpstream(tool({ upstreamSecurity: [['bearer']] }), {}, context);
    expect(result.isError).toBeUndefined();
    expect(api.received).toHaveLength(1);
    expect(api.received[0]!.headers.authorization).toBeUndefined();
  });

  it('fetches a client-credentials token once and reuses it', async () => {
    const tokens = await record();
    try {
      tokens.answer = (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: 'cc-token', token_type: 'Bearer', expires_in: 3600 }));
      };
      const schemes = { cc: { name: 'cc', envPrefix: 'UP_CC', type: 'oauth2ClientCredentials', tokenUrl: `${tokens.origin}/token`, scopes: [] } } satisfies Record<string, UpstreamSchemeDefinition>;
      const cc = { ...context, credentials: loadUpstreamCredentials(schemes, { UP_CC_CLIENT_ID: 'id', UP_CC_CLIENT_SECRET: 'secret' }) };
      const t = tool({ upstreamSecurity: [['cc']] });
      await Promise.all([callUpstream(t, {}, cc), callUpstream(t, {}, cc)]);
      await callUpstream(t, {}, cc);
      expect(tokens.received).toHaveLength(1);
      expect(api.received.map((r) => r.headers.authorization)).toEqual(['Bearer cc-token', 'Bearer cc-token', 'Bearer cc-token']);
    } finally {
      await tokens.close();
    }
  });

  it('turns a failing token endpoint into an error result and sends nothing upstream', async () => {
    const tokens = await record();
    try {
      tokens.answer = (res) => {
        res.writeHead(500);
        res.end();
      };
      const schemes = { cc: { name: 'cc', envPrefix: 'UP_CC', type: 'oauth2ClientCredentials', tokenUrl: `${tokens.origin}/token`, scopes: [] } } satisfies Record<string, UpstreamSchemeDefinition>;
      const cc = { ...context, credentials: loadUpstreamCredentials(schemes, { UP_CC_CLIENT_ID: 'id', UP_CC_CLIENT_SECRET: 'secret' }) };
      const result = await callUpstream(tool({ upstreamSecurity: [['cc']] }), {}, cc);
      expect(result.isError).toBe(true);
      expect(text(result)).toContain('HTTP 500');
      expect(api.received).toHaveLength(0);
    } finally {
      await tokens.close();
    }
  });
});

describe('responses and failures', () => {
  it('does not follow a redirect, so credentials never reach the other host', async () => {
    const elsewhere = await record();
    try {
      api.answer = (res) => {
        res.writeHead(302, { location: `${elsewhere.origin}/steal` });
        res.end();
      };
      const result = await callUpstream(tool({ upstreamSecurity: [['key']] }), {}, context);
      expect(result.isError).toBe(true);
      expect(text(result)).toContain(`redirects to ${elsewhere.origin}/steal`);
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('reports non-2xx answers as errors with the body excerpt', async () => {
    api.answer = (res) => {
      res.writeHead(422, { 'content-type': 'application/problem+json' });
      res.end('{"title":"invalid name"}');
    };
    const result = await callUpstream(tool(), {}, context);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(text(result)).toBe('The upstream API answered HTTP 422 Unprocessable Entity.\n\n{"title":"invalid name"}');
  });

  it('returns binary bodies as embedded resources', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
    api.answer = (res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(png);
    };
    const result = await callUpstream(tool({ upstreamSecurity: [['queryKey']] }), {}, context);
    expect(result.content[1]).toEqual({ type: 'resource', resource: { uri: `${api.origin}/api/v1/items`, mimeType: 'image/png', blob: png.toString('base64') } });
  });

  it('stops reading a huge body at the cap', async () => {
    let written = 0;
    api.answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'z');
      const pump = () => {
        // Keeps writing until the client goes away: at most what the socket buffers is ever produced.
        while (!res.destroyed && written < 512 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (!res.destroyed && written < 512 * 1024 * 1024) res.once('drain', pump);
      };
      res.on('close', () => undefined);
      pump();
    };
    const result = await callUpstream(tool(), {}, { ...context, maxResponseBytes: 1000 });
    expect(result.isError).toBeUndefined();
    expect(text(result)).toBe(`${'z'.repeat(1000)}\n\n[Truncated: the upstream response is larger than 1000 bytes; only the first 1000 bytes are shown.]`);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
    ['br, gzip', (data: Buffer) => gzipSync(brotliCompressSync(data))],
  ] as const)('asks for compression and decodes a %s body transparently', async (coding, compress) => {
    api.answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding });
      res.end(compress(Buffer.from('{"packed":true}')));
    };
    const result = await callUpstream(tool(), {}, context);
    expect(api.received[0]!.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(result.structuredContent).toEqual({ packed: true });
  });

  it('counts the cap in decoded bytes, so a decompression bomb stops at the cap', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 'b'));
    api.answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.end(bomb);
    };
    const result = await callUpstream(tool(), {}, { ...context, maxResponseBytes: 1000 });
    expect(result.isError).toBeUndefined();
    expect(text(result)).toBe(`${'b'.repeat(1000)}\n\n[Truncated: the upstream response is larger than 1000 bytes; only the first 1000 bytes are shown.]`);
  });

  it('passes a body in an unknown coding on as it came', async () => {
    api.answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'x-custom' });
      res.end('raw');
    };
    expect(text(await callUpstream(tool(), {}, context))).toBe('raw');
  });

  it('reports a corrupt compressed body as a failure to reach the upstream', async () => {
    api.answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.end('not gzip at all');
    };
    const result = await callUpstream(tool(), {}, context);
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(new RegExp(`^Could not reach the upstream API at ${api.origin.replace(/\./g, '\\.')} \\(Z_[A-Z_]+\\)\\.$`));
  });

  it('sends a body-less POST with content-length 0 and fetch\'s default headers, and reuses the connection', async () => {
    const ports = new Set<number>();
    api.answer = (res) => {
      ports.add(res.socket!.remotePort!);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    };
    for (let i = 0; i < 3; i++) expect(text(await callUpstream(tool({ method: 'POST' }), {}, context))).toBe('ok');
    expect(api.received[0]!.headers['content-length']).toBe('0');
    expect(api.received[0]!.headers).toMatchObject({ accept: '*/*', 'user-agent': 'node', 'accept-encoding': 'gzip, deflate, br' });
    expect(ports.size).toBe(1);
  });

  it('gives up on an upstream that never answers after timeoutMs', async () => {
    api.answer = () => undefined;
    const started = Date.now();
    const result = await callUpstream(tool(), {}, { ...context, timeoutMs: 200 });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe(`The upstream API at ${api.origin} did not answer within 200 ms.`);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('gives up on a body that stalls after the headers', async () => {
    api.answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    };
    const result = await callUpstream(tool(), {}, { ...context, timeoutMs: 200 });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('did not answer within 200 ms');
  });

  it('names the origin, not the credentials, when the upstream cannot be reached', async () => {
    const closed = await record();
    await closed.close();
    const result = await callUpstream(tool({ upstreamSecurity: [['queryKey']] }), {}, { ...context, baseUrl: `${closed.origin}/api` });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe(`Could not reach the upstream API at ${closed.origin} (ECONNREFUSED).`);
    expect(text(result)).not.toContain('server-query-key');
  });

  it('uses the fetch given in the context', async () => {
    const seen: string[] = [];
    const fake: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response('hi', { headers: { 'content-type': 'text/plain' } });
    };
    const result = await callUpstream(tool(), {}, { ...context, fetch: fake });
    expect(text(result)).toBe('hi');
    expect(seen).toEqual([`${api.origin}/api/v1/items`]);
    expect(api.received).toHaveLength(0);
  });
});
