/**
 * #10 Every client era through the whole OAuth flow against generated servers and a real authorization server
 * (oidc-provider): the v2 SDK client pinned to 2026-07-28 and in its legacy mode, and the v1 SDK client (2025-11-25),
 * each doing dynamic registration, PKCE, the first call, a 403 insufficient_scope step-up and the retried call — with
 * the same authorization answers in both eras. (oauth-sdk-flow.test.ts checks the v1 flow on the wire in detail.)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError as V1UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { startAuthorizationServer, type AuthorizationServer } from '../support/authorization-server.js';
import { freePort } from '../support/free-port.js';
import { startGenerated, type RunningServer } from '../support/generated-server.js';
import { HeadlessOAuthProvider } from '../support/headless-oauth.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';

interface Example {
  readonly name: string;
  readonly upstreamVariable: string;
  readonly basePath: string;
  /** A tool the first scope allows, and one that needs the step-up scope. */
  readonly read: { readonly tool: string; readonly args: Record<string, unknown>; readonly scope: string };
  readonly write: { readonly tool: string; readonly args: Record<string, unknown>; readonly scope: string };
}

const EXAMPLES: readonly Example[] = [
  {
    name: 'helpdesk',
    upstreamVariable: 'UPSTREAM_HELPDESK_OAUTH_TOKEN',
    basePath: '/v1',
    read: { tool: 'serviceStatus', args: {}, scope: 'tickets:read' },
    write: { tool: 'createTicket', args: { body: { subject: 'VPN is down' } }, scope: 'tickets:write' },
  },
  {
    name: 'notion',
    upstreamVariable: 'UPSTREAM_NOTION_TOKEN_TOKEN',
    basePath: '',
    read: { tool: 'retrieveAPage', args: { id: 'page-1' }, scope: 'notion:read' },
    write: { tool: 'updatePageProperties', args: { id: 'page-1', body: { properties: { Status: { select: { name: 'Done' } } } } }, scope: 'notion:write' },
  },
];

/** One MCP client line and mode: how it connects, finishes an authorization, and lists tools. */
interface ClientKit {
  readonly label: string;
  /** The era the connection must land on (undefined: the v1 client, which knows only the legacy era). */
  readonly era?: 'modern' | 'legacy';
  connect(url: URL, provider: HeadlessOAuthProvider): { client: { close(): Promise<void> }; done: Promise<void>; transport: unknown };
  finishAuth(transport: unknown, callback: URLSearchParams): Promise<void>;
  listNames(client: unknown): Promise<string[]>;
  callTool(client: unknown, name: string, args: Record<string, unknown>): Promise<{ isError?: boolean }>;
  readonly unauthorized: new (...args: never[]) => Error;
}

function v2Kit(label: string, mode: 'legacy' | { pin: '2026-07-28' }, era: 'modern' | 'legacy'): ClientKit {
  return {
    label,
    era,
    connect(url, provider) {
      const client = new Client({ name: 'e2e-v2', version: '1.0.0' }, { versionNegotiation: { mode } });
      const transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
      return { client, transport, done: client.connect(transport) };
    },
    finishAuth: (transport, callback) => (transport as StreamableHTTPClientTransport).finishAuth(callback),
    // The client's response cache is not keyed by token (SDK 2.4): after a step-up it is told to refresh.
    listNames: async (client) => (await (client as Client).listTools(undefined, { cacheMode: 'refresh' })).tools.map((tool) => tool.name),
    callTool: (client, name, args) => (client as Client).callTool({ name, arguments: args }) as Promise<{ isError?: boolean }>,
    unauthorized: UnauthorizedError,
  };
}

const V1_KIT: ClientKit = {
  label: 'v1 SDK client (2025-11-25)',
  connect(url, provider) {
    const client = new V1Client({ name: 'e2e-v1', version: '1.0.0' });
    const transport = new V1StreamableHTTPClientTransport(url, { authProvider: provider });
    return { client, transport, done: client.connect(transport) };
  },
  finishAuth: (transport, callback) => (transport as V1StreamableHTTPClientTransport).finishAuth(callback.get('code')!),
  listNames: async (client) => (await (client as V1Client).listTools()).tools.map((tool) => tool.name),
  callTool: (client, name, args) => (client as V1Client).callTool({ name, arguments: args }) as Promise<{ isError?: boolean }>,
  unauthorized: V1UnauthorizedError,
};

const CLIENTS: readonly ClientKit[] = [
  v2Kit('v2 client pinned to 2026-07-28', { pin: '2026-07-28' }, 'modern'),
  v2Kit('v2 client in legacy mode (2025-11-25)', 'legacy', 'legacy'),
  V1_KIT,
];

const scopesOf = (token: string) => new Set(String(decodeJwt(token).scope ?? '').split(' ').filter(Boolean));

for (const example of EXAMPLES) {
  describe(`#10 the SDK clients of every era against generated/${example.name} and oidc-provider`, () => {
    let as: AuthorizationServer;
    let upstream: RecordingUpstream;
    let server: RunningServer;
    let publicUrl: string;

    beforeAll(async () => {
      const definition = JSON.parse(await readFile(join(ROOT, 'generated', example.name, 'tools.json'), 'utf8')) as { scopes: string[] };
      upstream = await startRecordingUpstream();
      const port = await freePort();
      publicUrl = `http://127.0.0.1:${port}/mcp`;
      as = await startAuthorizationServer({ resource: publicUrl, scopes: definition.scopes, userId: 'alice', userRoles: ['analyst'] });
      server = await startGenerated(example.name, {
        PORT: String(port),
        MCP_PUBLIC_URL: publicUrl,
        OAUTH_ISSUER: as.issuer,
        UPSTREAM_BASE_URL: `${upstream.origin}${example.basePath}`,
        [example.upstreamVariable]: 'upstream-static',
        OAUTH_CHALLENGE_SCOPES: example.read.scope,
      });
    }, 180_000);

    afterAll(async () => {
      await server?.stop();
      await upstream?.close();
      await as?.close();
    });

    for (const kit of CLIENTS) {
      it(`#10 ${kit.label}: registration, PKCE, first call, 403 step-up, retried call`, async () => {
        const provider = new HeadlessOAuthProvider((url) => as.authorize(url), 'portcullis e2e eras');
        const url = new URL(publicUrl);

        // No token yet: the client is challenged, registers, and sends the (headless) user to the AS.
        const first = kit.connect(url, provider);
        await expect(first.done).rejects.toBeInstanceOf(kit.unauthorized);
        await kit.finishAuth(first.transport, provider.takeCallback());
        expect(scopesOf(provider.savedTokens[0]!.access_token)).toEqual(new Set([example.read.scope]));
        const authorization = provider.authorizationUrls[0]!;
        expect(authorization.searchParams.get('resource')).toBe(publicUrl);
        expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
        await first.client.close().catch(() => undefined);

        const { client, transport, done } = kit.connect(url, provider);
        try {
          await done;
          if (kit.era) expect((client as Client).getProtocolEra()).toBe(kit.era);
          const listed = await kit.listNames(client);
          expect(listed).toContain(example.read.tool);
          expect(listed).not.toContain(example.write.tool);

          upstream.received.length = 0;
          const read = await kit.callTool(client, example.read.tool, example.read.args);
          expect(read.isError).toBeFalsy();
          expect(upstream.received).toHaveLength(1);

          // A tool needing more: 403 insufficient_scope, and the client re-authorizes with the challenged scopes.
          upstream.received.length = 0;
          await expect(kit.callTool(client, example.write.tool, example.write.args)).rejects.toBeInstanceOf(kit.unauthorized);
          expect(upstream.received).toHaveLength(0);
          expect(provider.authorizationUrls).toHaveLength(2);
          const stepUpScopes = new Set(provider.authorizationUrls[1]!.searchParams.get('scope')!.split(' '));
          // The challenge keeps the scope the token held, so the client does not lose it by stepping up.
          expect(stepUpScopes).toEqual(new Set([example.read.scope, example.write.scope]));
          await kit.finishAuth(transport, provider.takeCallback());
          expect(scopesOf(provider.savedTokens[1]!.access_token)).toEqual(stepUpScopes);

          const written = await kit.callTool(client, example.write.tool, example.write.args);
          expect(written.isError).toBeFalsy();
          expect(upstream.received).toHaveLength(1);
          expect(upstream.received[0]!.headers.authorization).toBe('Bearer upstream-static');
          for (const { access_token } of provider.savedTokens) expect(JSON.stringify(upstream.received[0]!.rawHeaders)).not.toContain(access_token);
          expect(await kit.listNames(client)).toContain(example.write.tool);
        } finally {
          await client.close().catch(() => undefined);
        }
      }, 60_000);
    }
  });
}
