/**
 * #11 Acting as the user upstream, end to end with real parts: generated/helpdesk built and run as `node dist/index.js`
 * with UPSTREAM_HELPDESK_OAUTH_EXCHANGE=token-exchange, a real authorization server (oidc-provider with an RFC 8693
 * grant registered) issuing the callers' tokens and exchanging them, a recording upstream, and the SDK's client. What
 * is asserted crosses a socket: the token the upstream receives, the token endpoint's hits, the tool results, the
 * audit file and everything the server printed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthorizationServer, type AuthorizationServer } from '../support/authorization-server.js';
import { freePort } from '../support/free-port.js';
import { startGenerated, type RunningServer } from '../support/generated-server.js';
import { scratchDir } from '../support/scratch.js';
import { startRecordingUpstream, type ReceivedRequest, type RecordingUpstream } from '../support/upstream.js';

/** The upstream API's identifier at the AS: the `resource` the server asks the exchange for. */
const UPSTREAM_AUDIENCE = 'https://helpdesk.example.com/api';
const EXCHANGE_CLIENT = { clientId: 'helpdesk-mcp', clientSecret: 'exchange-secret' };

function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}

describe('#11 generated/helpdesk acting for the user upstream (RFC 8693 token exchange)', () => {
  let as: AuthorizationServer;
  let upstream: RecordingUpstream;
  let server: RunningServer;
  let auditDir: string;
  let auditLog: string;
  let publicUrl: string;
  let stdout = '';
  /** Every caller token of the suite: none may reach the upstream, the audit file or the logs. */
  const callerTokens: string[] = [];
  const everything: ReceivedRequest[] = [];
  const clients: Client[] = [];

  /** A token for the caller `clientId` (its `sub`) with the helpdesk's read scope. */
  const callerToken = async (clientId: string) => {
    const token = await as.clientCredentialsToken(clientId, ['tickets:read', 'tickets:write']);
    callerTokens.push(token);
    return token;
  };
  const connect = async (token: string) => {
    const client = new Client({ name: 'e2e-token-exchange', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(publicUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    clients.push(client);
    return client;
  };
  const exchanges = () => as.events.filter((event) => event.type === 'exchange');
  const listTickets = async (client: Client) => (await client.callTool({ name: 'listTickets', arguments: {} })) as CallToolResult;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    upstream.answer = (res, request) => {
      everything.push(request);
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    };
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}/mcp`;
    as = await startAuthorizationServer({
      resource: publicUrl,
      scopes: ['tickets:read', 'tickets:write', 'tickets:triage', 'tickets:delete', 'reports:read'],
      clients: [
        { clientId: 'alice', clientSecret: 'alice-secret' },
        { clientId: 'bob', clientSecret: 'bob-secret' },
        { clientId: 'mallory', clientSecret: 'mallory-secret' },
      ],
      exchangeClient: EXCHANGE_CLIENT,
      exchangeAudiences: [UPSTREAM_AUDIENCE],
    });
    auditDir = scratchDir('exchange');
    auditLog = join(auditDir, 'audit.log');
    server = await startGenerated('helpdesk', {
      PORT: String(port),
      MCP_PUBLIC_URL: publicUrl,
      OAUTH_ISSUER: as.issuer,
      UPSTREAM_BASE_URL: `${upstream.origin}/v1`,
      UPSTREAM_HELPDESK_OAUTH_EXCHANGE: 'token-exchange',
      UPSTREAM_HELPDESK_OAUTH_TOKEN_URL: `${as.issuer}/token`,
      UPSTREAM_HELPDESK_OAUTH_CLIENT_ID: EXCHANGE_CLIENT.clientId,
      UPSTREAM_HELPDESK_OAUTH_CLIENT_SECRET: EXCHANGE_CLIENT.clientSecret,
      UPSTREAM_HELPDESK_OAUTH_RESOURCE: UPSTREAM_AUDIENCE,
      AUDIT_LOG: auditLog,
      LOG_LEVEL: 'debug',
    });
    server.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    const exitCode = await server?.stop();
    await upstream?.close();
    await as?.close();
    if (server) expect(exitCode).toBe(0);
  });

  it('#11 the upstream receives a token issued for the user (their sub, the upstream\'s aud), never the caller\'s', async () => {
    const token = await callerToken('alice');
    const result = await listTickets(await connect(token));
    expect(result.isError).toBeFalsy();
    expect(upstream.received).toHaveLength(1);
    const authorization = String(upstream.received[0]!.headers.authorization);
    expect(authorization).toMatch(/^Bearer \S+$/);
    const sent = authorization.slice('Bearer '.length);
    expect(sent).not.toBe(token);
    const claims = decodeJwt(sent);
    expect(claims).toMatchObject({ sub: 'alice', aud: UPSTREAM_AUDIENCE, iss: as.issuer, act: { sub: EXCHANGE_CLIENT.clientId } });
    expect(decodeJwt(token).aud).toBe(publicUrl);
    expect(exchanges()).toEqual([{ type: 'exchange', clientId: EXCHANGE_CLIENT.clientId, subject: 'alice', audience: UPSTREAM_AUDIENCE, outcome: 'issued' }]);
  });

  it('#11 a second call with the same caller token reuses the exchanged token (one token endpoint hit)', async () => {
    upstream.received.length = 0;
    const before = exchanges().length;
    const token = callerTokens[0]!;
    const client = await connect(token);
    await listTickets(client);
    await listTickets(client);
    expect(exchanges().length).toBe(before);
    expect(upstream.received).toHaveLength(2);
    expect(decodeJwt(String(upstream.received[0]!.headers.authorization).slice(7)).sub).toBe('alice');
    expect(upstream.received[1]!.headers.authorization).toBe(upstream.received[0]!.headers.authorization);
  });

  it('#11 another caller gets a token of their own, exchanged separately', async () => {
    upstream.received.length = 0;
    const before = exchanges().length;
    await listTickets(await connect(await callerToken('bob')));
    expect(exchanges().length).toBe(before + 1);
    const claims = decodeJwt(String(upstream.received[0]!.headers.authorization).slice(7));
    expect(claims).toMatchObject({ sub: 'bob', aud: UPSTREAM_AUDIENCE });
    const alices = everything.filter((request) => decodeJwt(String(request.headers.authorization).slice(7)).sub === 'alice');
    expect(alices.length).toBeGreaterThan(0);
    expect(alices.every((request) => request.headers.authorization !== upstream.received[0]!.headers.authorization)).toBe(true);
  });

  it('#11 a refused exchange (the user is revoked at the AS) is a tool error and nothing reaches the upstream', async () => {
    upstream.received.length = 0;
    as.refuseExchangeFor('mallory');
    const result = await listTickets(await connect(await callerToken('mallory')));
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      `The authorization server at ${as.issuer}/token refused to act for the user upstream (security scheme "helpdesk_oauth"): HTTP 400 (invalid_grant: grant request is invalid). The upstream API would refuse this user too.`,
    );
    expect(upstream.received).toHaveLength(0);
    expect(exchanges().at(-1)).toMatchObject({ subject: 'mallory', outcome: 'refused' });
  });

  it('#11 the audit records each call as made on the user\'s behalf, and no caller token appears in any audit line, log line or upstream request', async () => {
    // Let the last audit lines be written (a response's close is what writes them).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = (await readFile(auditLog, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const calls = lines.filter((line) => line.method === 'tools/call');
    expect(calls.filter((line) => line.upstreamStatus === 200).map((line) => [line.subject, line.onBehalfOf, line.upstreamCredential])).toEqual([
      ['alice', 'alice', 'exchanged'],
      ['alice', 'alice', 'exchanged'],
      ['alice', 'alice', 'exchanged'],
      ['bob', 'bob', 'exchanged'],
    ]);
    const refused = calls.find((line) => line.subject === 'mallory');
    expect(refused).toMatchObject({ decision: 'deny', reason: 'exchange_refused', tool: 'listTickets' });
    expect(refused).not.toHaveProperty('upstreamStatus');

    const upstreamText = everything.map((request) => `${request.method} ${request.url}\n${request.rawHeaders.join('\n')}\n${request.body.toString('utf8')}`).join('\n');
    const audited = await readFile(auditLog, 'utf8');
    expect(callerTokens).toHaveLength(3);
    for (const token of callerTokens) {
      // The token and its signature alone (a token cut in a message would still leak it).
      const signature = token.split('.')[2]!;
      for (const [where, text] of [['audit', audited], ['stderr', server.stderr()], ['stdout', stdout], ['upstream', upstreamText]] as const) {
        expect(text.includes(token), `${where} holds a caller token`).toBe(false);
        expect(text.includes(signature), `${where} holds a caller token's signature`).toBe(false);
      }
    }
    // The exchange client's secret is never printed either.
    expect(server.stderr()).not.toContain(EXCHANGE_CLIENT.clientSecret);
  });
});
