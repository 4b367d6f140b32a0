/**
 * #9: anonymous callers (AUTH_MODE=none) get a rate-limit bucket per client address, not one shared bucket; a
 * browser client's preflight is answered for an allowed origin, and a refused origin is told how to allow it.
 */

import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../templates/runtime/http.js';
import { readSettings } from '../../templates/runtime/settings.js';
import { startRecordingUpstream } from '../support/upstream.js';
import { fixtureDefinition } from './fixtures/definition.js';
import { MCP_HEADERS, rpc, toolsCall } from './fixtures/protected.js';

const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function start(env: Record<string, string> = {}) {
  const upstream = await startRecordingUpstream();
  cleanup.push(() => upstream.close());
  const definition = fixtureDefinition();
  const settings = readSettings({ AUTH_MODE: 'none', PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api`, ...env }, definition);
  const server = await startHttpServer(definition, settings, { audit: () => undefined, log: () => undefined, rateLimitClock: () => 0 });
  cleanup.push(() => server.close());
  return { upstream, server };
}

/** POSTs a tools/call from the loopback address `from` (a connection's source address); resolves with the status. */
function callFrom(url: string, from: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', localAddress: from, agent: false, headers: { ...MCP_HEADERS, ...headers } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(toolsCall('get_pet', { petId: 1 })));
  });
}

describe('#9 rate limit per client address without a subject', () => {
  it('#9 two loopback source addresses under AUTH_MODE=none get separate buckets', async () => {
    const { server } = await start({ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '2' });
    const first: number[] = [];
    for (let i = 0; i < 3; i++) first.push(await callFrom(server.url, '127.0.0.1'));
    expect(first).toEqual([200, 200, 429]);
    // Another address still has its whole burst: it did not share the first one's bucket.
    const second: number[] = [];
    for (let i = 0; i < 3; i++) second.push(await callFrom(server.url, '127.0.0.2'));
    expect(second).toEqual([200, 200, 429]);
  });

  it('#9 X-Forwarded-For is not trusted: a client cannot pick a fresh bucket with it', async () => {
    const { server } = await start({ RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '2' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await callFrom(server.url, '127.0.0.1', { 'X-Forwarded-For': `203.0.113.${i}` }));
    expect(statuses).toEqual([200, 200, 429, 429]);
  });
});

describe('#9 CORS for browser-based clients', () => {
  const INSPECTOR = 'http://localhost:6274';

  it('#9 the preflight of an allowed origin is answered 204 with every MCP request header allowed', async () => {
    const { server } = await start({ MCP_ALLOWED_ORIGINS: INSPECTOR });
    const preflight = await fetch(server.url, {
      method: 'OPTIONS',
      headers: { Origin: INSPECTOR, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type, mcp-protocol-version' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(INSPECTOR);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').split(/,\s*/);
    for (const header of ['authorization', 'content-type', 'mcp-protocol-version', 'mcp-session-id', 'last-event-id', 'mcp-method', 'mcp-name']) {
      expect(allowed).toContain(header);
    }
    // The call itself then goes through, readable by the page.
    const call = await rpc(server.url, undefined, toolsCall('get_pet', { petId: 1 }), { Origin: INSPECTOR });
    expect(call.status).toBe(200);
    expect(call.headers.get('access-control-allow-origin')).toBe(INSPECTOR);
  });

  it('#9 a refused origin is told how to allow it, naming only a parsed origin', async () => {
    const { server, upstream } = await start();
    const cases: [string, string][] = [
      [INSPECTOR, `set MCP_ALLOWED_ORIGINS=${INSPECTOR}`],
      ['https://App.Example.com:443/some/path?x=<script>', 'set MCP_ALLOWED_ORIGINS=https://app.example.com'],
      ['null', 'set MCP_ALLOWED_ORIGINS=this origin'],
      ['<script>alert(1)</script>', 'set MCP_ALLOWED_ORIGINS=this origin'],
      ['javascript:alert(1)', 'set MCP_ALLOWED_ORIGINS=this origin'],
      ['file:///etc/passwd', 'set MCP_ALLOWED_ORIGINS=this origin'],
    ];
    for (const [origin, advice] of cases) {
      for (const method of ['OPTIONS', 'POST']) {
        const response = await fetch(server.url, { method, headers: { ...MCP_HEADERS, Origin: origin, 'Access-Control-Request-Method': 'POST' }, ...(method === 'POST' ? { body: '{}' } : {}) });
        expect(response.status).toBe(403);
        expect(response.headers.get('access-control-allow-origin')).toBeNull();
        const body = (await response.json()) as { error: { message: string } };
        expect(body.error.message).toBe(`Forbidden: Origin not allowed; to allow a browser-based client from it, ${advice}`);
      }
    }
    expect(upstream.received).toHaveLength(0);
  });
});
