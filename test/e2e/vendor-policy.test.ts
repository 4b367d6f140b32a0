/**
 * #8 end to end on a vendor spec that declares no security at all (Notion's), with the policy stated in the config
 * only (specs/notion.config.yaml): scopes by method, deletes left out, a bearer token upstream and a fixed
 * Notion-Version header. Real parts only: generated/notion built with tsc and run as `node dist/index.js`, a real
 * authorization server (oidc-provider) minting client credentials tokens, a recording upstream, the SDK's Client.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthorizationServer, type AuthorizationServer } from '../support/authorization-server.js';
import { parseChallenge } from '../support/challenge.js';
import { freePort } from '../support/free-port.js';
import { startGenerated, type RunningServer } from '../support/generated-server.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';

const UPSTREAM_TOKEN = 'secret-notion-integration-token';
const READS = ['retrieveABlock', 'retrieveBlockChildren', 'retrieveComments', 'retrieveADatabase', 'retrieveAPage', 'retrieveAPagePropertyItem', 'retrieveAUser'];
const WRITES = ['updateABlock', 'appendBlockChildren', 'updateADatabase', 'queryADatabase', 'updatePageProperties'];

describe('#8 generated/notion: a spec without security, the policy in the config', () => {
  const clientId = 'notion-agent';
  let as: AuthorizationServer;
  let upstream: RecordingUpstream;
  let server: RunningServer;
  let publicUrl: string;
  const issued: string[] = [];
  const open: Client[] = [];
  /** Status and headers of the last POST each client sent. */
  const lastPost = new Map<Client, { status: number; headers: Headers }>();

  const token = async (scopes: string[]) => {
    const value = await as.clientCredentialsToken(clientId, scopes);
    issued.push(value);
    return value;
  };
  const connect = async (value: string) => {
    const client = new Client({ name: 'e2e-vendor-policy', version: '1.0.0' });
    const recordingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if ((init?.method ?? 'GET') === 'POST') lastPost.set(client, { status: response.status, headers: response.headers });
      return response;
    };
    await client.connect(new StreamableHTTPClientTransport(new URL(publicUrl), { requestInit: { headers: { Authorization: `Bearer ${value}` } }, fetch: recordingFetch }));
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}/mcp`;
    as = await startAuthorizationServer({ resource: publicUrl, scopes: ['notion:read', 'notion:write'], clients: [{ clientId, clientSecret: 'agent-secret' }] });
    server = await startGenerated('notion', {
      PORT: String(port),
      MCP_PUBLIC_URL: publicUrl,
      OAUTH_ISSUER: as.issuer,
      UPSTREAM_BASE_URL: upstream.origin,
      // The scheme notionToken of the config's upstream.securitySchemes (camel case becomes NOTION_TOKEN).
      UPSTREAM_NOTION_TOKEN_TOKEN: UPSTREAM_TOKEN,
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(open.map((client) => client.close()));
    const exitCode = await server?.stop();
    await upstream?.close();
    await as?.close();
    if (server) expect(exitCode).toBe(0);
  });

  it('#8 a reader lists only the GET tools; no tool takes Notion-Version and no DELETE tool exists', async () => {
    const reader = await connect(await token(['notion:read']));
    const { tools } = await reader.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...READS].sort());
    for (const tool of tools) {
      expect(Object.keys(tool.inputSchema.properties ?? {}).map((name) => name.toLowerCase())).not.toContain('notion-version');
    }

    const writer = await connect(await token(['notion:read', 'notion:write']));
    const all = (await writer.listTools()).tools;
    expect(all.map((tool) => tool.name).sort()).toEqual([...READS, ...WRITES].sort());
    // unprotected: exclude left the DELETE operation (no scope rule) out: it is no tool for anyone.
    expect(all.map((tool) => tool.name)).not.toContain('deleteABlock');
    for (const tool of all) expect(JSON.stringify(tool.inputSchema)).not.toMatch(/notion-version/i);
  });

  it("#8 a reader's call reaches the API with the server's bearer token and the fixed Notion-Version, never the caller's token", async () => {
    const readerToken = await token(['notion:read']);
    const reader = await connect(readerToken);
    upstream.received.length = 0;
    const result = await reader.callTool({ name: 'retrieveAPage', arguments: { id: 'page-1' } });
    expect(result.isError ?? false).toBe(false);
    expect(upstream.received).toHaveLength(1);
    const [request] = upstream.received;
    expect(request!.method).toBe('GET');
    expect(request!.url).toBe('/v1/pages/page-1');
    expect(request!.headers.authorization).toBe(`Bearer ${UPSTREAM_TOKEN}`);
    expect(request!.headers['notion-version']).toBe('2022-06-28');
    // Exactly one Notion-Version field and one Authorization field on the wire.
    const names = request!.rawHeaders.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase());
    expect(names.filter((name) => name === 'notion-version')).toHaveLength(1);
    expect(names.filter((name) => name === 'authorization')).toHaveLength(1);
    for (const value of issued) expect(request!.rawHeaders.join('\n')).not.toContain(value);
  });

  it('#8 a reader calling a PATCH tool gets HTTP 403 insufficient_scope naming notion:write; nothing goes upstream', async () => {
    const reader = await connect(await token(['notion:read']));
    upstream.received.length = 0;
    const error = await reader.callTool({ name: 'updatePageProperties', arguments: { id: 'page-1', body: {} } }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StreamableHTTPError);
    expect((error as StreamableHTTPError).code).toBe(403);
    const refused = lastPost.get(reader)!;
    expect(refused.status).toBe(403);
    const challenge = parseChallenge(refused.headers.get('www-authenticate'));
    expect(challenge?.params.error).toBe('insufficient_scope');
    expect(challenge?.params.scope?.split(' ')).toContain('notion:write');
    expect(upstream.received).toHaveLength(0);
  });

  it('#8 a writer calls the PATCH tool, with the same upstream identity and header', async () => {
    const writer = await connect(await token(['notion:read', 'notion:write']));
    upstream.received.length = 0;
    const result = await writer.callTool({ name: 'updatePageProperties', arguments: { id: 'page-1', body: { archived: false } } });
    expect(result.isError ?? false).toBe(false);
    expect(upstream.received).toHaveLength(1);
    const [request] = upstream.received;
    expect(request!.method).toBe('PATCH');
    expect(request!.url).toBe('/v1/pages/page-1');
    expect(request!.headers.authorization).toBe(`Bearer ${UPSTREAM_TOKEN}`);
    expect(request!.headers['notion-version']).toBe('2022-06-28');
    expect(JSON.parse(request!.body.toString('utf8'))).toEqual({ archived: false });
  });
});
