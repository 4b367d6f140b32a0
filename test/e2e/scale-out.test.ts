/**
 * Stateless scale-out, as a Deployment with several replicas runs it: two instances of generated/helpdesk (same
 * settings, their own ports) behind a round-robin HTTP proxy on loopback, so the client sees one public URL and
 * consecutive requests land on different instances. One real authorization server (oidc-provider) issues the tokens;
 * one SDK Client initializes, lists and calls tools. Every request must succeed and both instances must have served
 * MCP requests — nothing may depend on the instance that handled the previous request (no session state).
 */
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { startAuthorizationServer, type AuthorizationServer } from '../support/authorization-server.js';
import { freePort } from '../support/free-port.js';
import { startGenerated, type RunningServer } from '../support/generated-server.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';
import { startRoundRobinProxy, type RoundRobinProxy } from '../support/round-robin-proxy.js';

describe('two generated/helpdesk instances behind one round-robin proxy (stateless scale-out)', () => {
  let as: AuthorizationServer;
  let upstream: RecordingUpstream;
  let proxy: RoundRobinProxy;
  const instances: RunningServer[] = [];
  const ports: number[] = [];
  let publicUrl: string;
  let client: Client | undefined;

  beforeAll(async () => {
    const definition = JSON.parse(await readFile(join(ROOT, 'generated', 'helpdesk', 'tools.json'), 'utf8')) as { scopes: string[] };
    upstream = await startRecordingUpstream();
    const proxyPort = await freePort();
    publicUrl = `http://127.0.0.1:${proxyPort}/mcp`;
    as = await startAuthorizationServer({ resource: publicUrl, scopes: definition.scopes, clients: [{ clientId: 'scale-client', clientSecret: 'scale-secret' }] });
    for (let index = 0; index < 2; index++) {
      const port = await freePort();
      ports.push(port);
      // The same settings on every replica, as from one ConfigMap and Secret; only the port differs (one host here).
      instances.push(
        await startGenerated('helpdesk', {
          PORT: String(port),
          MCP_PUBLIC_URL: publicUrl,
          OAUTH_ISSUER: as.issuer,
          UPSTREAM_BASE_URL: `${upstream.origin}/v1`,
          UPSTREAM_HELPDESK_OAUTH_TOKEN: 'upstream-static',
        }),
      );
    }
    proxy = await startRoundRobinProxy(proxyPort, ports);
  }, 180_000);

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await Promise.allSettled(instances.map((instance) => instance.stop()));
    await new Promise((resolve) => proxy?.server.close(resolve));
    await upstream?.close();
    await as?.close();
  });

  it('reports both instances ready on /readyz (authorization server and upstream configured)', async () => {
    for (const port of ports) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
    }
  });

  it('serves one client across both instances: every list and call succeeds, and both instances serve some', async () => {
    const token = await as.clientCredentialsToken('scale-client', ['tickets:read', 'tickets:write']);
    client = new Client({ name: 'e2e-scale-out', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(publicUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));

    upstream.received.length = 0;
    for (let round = 0; round < 4; round++) {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['createTicket', 'getTicket', 'listTickets']));
      const list = (await client.callTool({ name: 'listTickets', arguments: {} })) as CallToolResult;
      expect(list.isError).toBeFalsy();
      const get = (await client.callTool({ name: 'getTicket', arguments: { ticketId: round + 1 } })) as CallToolResult;
      expect(get.isError).toBeFalsy();
      const created = (await client.callTool({ name: 'createTicket', arguments: { body: { subject: `ticket ${round}` } } })) as CallToolResult;
      expect(created.isError).toBeFalsy();
    }
    expect(upstream.received.filter((request) => request.method === 'POST')).toHaveLength(4);
    expect(upstream.received).toHaveLength(12);

    const mcp = proxy.forwarded.filter((entry) => entry.rpc === 'tools/list' || entry.rpc === 'tools/call');
    expect(mcp).toHaveLength(16);
    // Every JSON-RPC POST succeeded, whichever instance answered it (GET may be 405: no standalone SSE stream).
    for (const entry of proxy.forwarded.filter((forwarded) => forwarded.method === 'POST')) expect(entry.status).toBeLessThan(300);
    const perInstance = [0, 1].map((backend) => mcp.filter((entry) => entry.backend === backend).length);
    expect(perInstance[0]).toBeGreaterThan(0);
    expect(perInstance[1]).toBeGreaterThan(0);
    // Requests alternate, so consecutive tool requests were served by different instances.
    expect(Math.abs(perInstance[0]! - perInstance[1]!)).toBeLessThanOrEqual(2);
    // Initialization on one instance did not tie the client to it.
    const initialize = proxy.forwarded.find((entry) => entry.rpc === 'initialize')!;
    expect(mcp.some((entry) => entry.backend !== initialize.backend)).toBe(true);
  });
});
