/**
 * dev-auth with a real emitted server (generated/helpdesk, OAUTH_ISSUER pointing at dev-auth): its tokens are accepted
 * and list the tools their scopes and roles allow, and the SDK's own OAuth client (discovery, dynamic registration,
 * PKCE authorization code approved for the dev user) completes against it and calls a tool.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readToolsFile } from '../../src/dev-auth/tools-file.js';
import { startDevAuth, type DevAuthEvent, type DevAuthServer } from '../../src/dev-auth/start-dev-auth.js';
import { freePort } from '../support/free-port.js';
import { startGenerated, type RunningServer } from '../support/generated-server.js';
import { HeadlessOAuthProvider } from '../support/headless-oauth.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';
import { headlessUserAgent } from './user-agent.js';

async function listToolNames(url: string, token: string): Promise<string[]> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  expect(response.status).toBe(200);
  const text = await response.text();
  const json = text.startsWith('{') ? text : /^data: (.*)$/m.exec(text)![1]!;
  return (JSON.parse(json) as { result: { tools: { name: string }[] } }).result.tools.map((tool) => tool.name).sort();
}

describe('dev-auth in front of generated/helpdesk', () => {
  let auth: DevAuthServer;
  let upstream: RecordingUpstream;
  let server: RunningServer;
  let publicUrl: string;
  const events: DevAuthEvent[] = [];

  beforeAll(async () => {
    const known = await readToolsFile('generated/helpdesk/tools.json');
    if ('usage' in known) throw new Error(known.usage);
    upstream = await startRecordingUpstream();
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}/mcp`;
    auth = await startDevAuth({ host: '127.0.0.1', port: 0, resource: publicUrl, ...known, onEvent: (event) => events.push(event) });
    server = await startGenerated('helpdesk', {
      PORT: String(port),
      MCP_PUBLIC_URL: publicUrl,
      OAUTH_ISSUER: auth.issuer,
      UPSTREAM_BASE_URL: `${upstream.origin}/v1`,
      UPSTREAM_HELPDESK_OAUTH_TOKEN: 'upstream-static',
    });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
    await auth?.close();
  });

  it('#9 the emitted server accepts dev-auth tokens and lists the tools their scopes and roles allow', async () => {
    const everything = await auth.mintToken({ scopes: auth.scopes, roles: auth.roles });
    expect(await listToolNames(publicUrl, everything)).toEqual(['createTicket', 'dailyReport', 'deleteTicket', 'escalateTicket', 'getTicket', 'listTenantTickets', 'listTickets', 'serviceStatus']);
    const reader = await auth.mintToken({ scopes: ['tickets:read', 'reports:read'], roles: ['analyst'] });
    expect(await listToolNames(publicUrl, reader)).toEqual(['dailyReport', 'getTicket', 'listTenantTickets', 'listTickets', 'serviceStatus']);
    const noRole = await auth.mintToken({ scopes: ['tickets:read', 'reports:read'] });
    expect(await listToolNames(publicUrl, noRole)).toEqual(['getTicket', 'listTenantTickets', 'listTickets', 'serviceStatus']);
  });

  it('#9 the SDK OAuth client registers, runs PKCE for the dev user and calls a tool', async () => {
    const provider = new HeadlessOAuthProvider(headlessUserAgent(auth.issuer), 'dev-auth e2e');
    const first = new Client({ name: 'dev-auth-e2e', version: '1.0.0' });
    const firstTransport = new StreamableHTTPClientTransport(new URL(publicUrl), { authProvider: provider });
    await expect(first.connect(firstTransport)).rejects.toBeInstanceOf(UnauthorizedError);
    await firstTransport.finishAuth(provider.takeCode());
    await first.close();

    expect(provider.savedTokens).toHaveLength(1);
    const token = provider.savedTokens[0]!.access_token;
    expect(decodeJwt(token)).toMatchObject({ iss: auth.issuer, aud: publicUrl, sub: 'dev-user', roles: ['analyst', 'supervisor'] });

    const client = new Client({ name: 'dev-auth-e2e', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(publicUrl), { authProvider: provider }));
      upstream.received.length = 0;
      const created = (await client.callTool({ name: 'createTicket', arguments: { body: { subject: 'VPN is down' } } })) as CallToolResult;
      expect(created.isError).toBeFalsy();
      expect(created.structuredContent).toEqual({ ok: true });
      expect(upstream.received).toHaveLength(1);
      expect(upstream.received[0]!.method).toBe('POST');
      expect(upstream.received[0]!.url).toBe('/v1/tickets');
    } finally {
      await client.close();
    }
    expect(events.filter((event) => event.type === 'registration')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'consent')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'error')).toEqual([]);
  }, 60_000);
});
