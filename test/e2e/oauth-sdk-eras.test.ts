/**
 * #10 Every client era through the whole OAuth flow against generated servers and a real authorization server
 * (oidc-provider): the v2 SDK client pinned to 2026-07-28 and in its legacy mode, each doing dynamic registration,
 * PKCE, the first call, a 403 insufficient_scope step-up and the retried call — with the same authorization answers
 * in both eras. (oauth-sdk-flow.test.ts drives the v1 client through the same flow on the wire in detail.)
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import type { OAuthClientMetadata, OAuthClientProvider, StoredOAuthClientInformation, StoredOAuthTokens } from '@modelcontextprotocol/client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { freePort, startAuthorizationServer, type AuthorizationServer } from '../support/authorization-server.js';
import { startGenerated, type RunningServer } from '../support/generated-server.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';

const REDIRECT_URL = 'http://127.0.0.1:1/oauth/callback';

/** A browserless v2 OAuthClientProvider: follows the AS's automatic login and consent and keeps the callback query. */
class HeadlessProvider implements OAuthClientProvider {
  readonly authorizationUrls: URL[] = [];
  readonly savedTokens: StoredOAuthTokens[] = [];
  private client: StoredOAuthClientInformation | undefined;
  private current: StoredOAuthTokens | undefined;
  private verifier: string | undefined;
  private expectedState: string | undefined;
  private callback: URLSearchParams | undefined;

  constructor(private readonly as: AuthorizationServer) {}

  get redirectUrl(): string {
    return REDIRECT_URL;
  }

  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'portcullis e2e v2', redirect_uris: [REDIRECT_URL], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }

  state(): string {
    this.expectedState = randomUUID();
    return this.expectedState;
  }

  clientInformation() {
    return this.client;
  }

  saveClientInformation(information: StoredOAuthClientInformation): void {
    this.client = information;
  }

  tokens() {
    return this.current;
  }

  saveTokens(tokens: StoredOAuthTokens): void {
    this.current = tokens;
    this.savedTokens.push(tokens);
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizationUrls.push(authorizationUrl);
    const back = await this.as.authorize(authorizationUrl);
    if (back.searchParams.get('state') !== this.expectedState) throw new Error('state mismatch');
    const error = back.searchParams.get('error');
    if (error) throw new Error(`authorization failed: ${error}: ${back.searchParams.get('error_description')}`);
    this.callback = back.searchParams;
  }

  /** The callback query of the last redirect (code, state and RFC 9207 iss), once. */
  takeCallback(): URLSearchParams {
    const callback = this.callback;
    this.callback = undefined;
    if (!callback) throw new Error('no authorization callback captured');
    return callback;
  }
}

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

const MODES = [
  { label: 'v2 client pinned to 2026-07-28', mode: { pin: '2026-07-28' }, era: 'modern' },
  { label: 'v2 client in legacy mode (2025-11-25)', mode: 'legacy', era: 'legacy' },
] as const;

const scopesOf = (token: string) => new Set(String(decodeJwt(token).scope ?? '').split(' ').filter(Boolean));

for (const example of EXAMPLES) {
  describe(`#10 the v2 SDK client against generated/${example.name} and oidc-provider`, () => {
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

    for (const { label, mode, era } of MODES) {
      it(`#10 ${label}: registration, PKCE, first call, 403 step-up, retried call`, async () => {
        const provider = new HeadlessProvider(as);
        const newClient = () => new Client({ name: 'e2e-v2', version: '1.0.0' }, { versionNegotiation: { mode } });
        const newTransport = () => new StreamableHTTPClientTransport(new URL(publicUrl), { authProvider: provider });

        // No token yet: the client is challenged, registers, and sends the (headless) user to the AS.
        const first = newClient();
        const firstTransport = newTransport();
        await expect(first.connect(firstTransport)).rejects.toBeInstanceOf(UnauthorizedError);
        await firstTransport.finishAuth(provider.takeCallback());
        expect(scopesOf(provider.savedTokens[0]!.access_token)).toEqual(new Set([example.read.scope]));
        const authorization = provider.authorizationUrls[0]!;
        expect(authorization.searchParams.get('resource')).toBe(publicUrl);
        expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
        await first.close().catch(() => undefined);

        const client = newClient();
        const transport = newTransport();
        try {
          await client.connect(transport);
          expect(client.getProtocolEra()).toBe(era);
          const listed = (await client.listTools()).tools.map((tool) => tool.name);
          expect(listed).toContain(example.read.tool);
          expect(listed).not.toContain(example.write.tool);

          upstream.received.length = 0;
          const read = await client.callTool({ name: example.read.tool, arguments: example.read.args });
          expect(read.isError).toBeFalsy();
          expect(upstream.received).toHaveLength(1);

          // A tool needing more: 403 insufficient_scope, and the client re-authorizes with the challenged scopes.
          upstream.received.length = 0;
          await expect(client.callTool({ name: example.write.tool, arguments: example.write.args })).rejects.toBeInstanceOf(UnauthorizedError);
          expect(upstream.received).toHaveLength(0);
          expect(provider.authorizationUrls).toHaveLength(2);
          const stepUpScopes = new Set(provider.authorizationUrls[1]!.searchParams.get('scope')!.split(' '));
          expect(stepUpScopes).toEqual(new Set([example.read.scope, example.write.scope]));
          await transport.finishAuth(provider.takeCallback());
          expect(scopesOf(provider.savedTokens[1]!.access_token)).toEqual(stepUpScopes);

          const written = await client.callTool({ name: example.write.tool, arguments: example.write.args });
          expect(written.isError).toBeFalsy();
          expect(upstream.received).toHaveLength(1);
          expect(upstream.received[0]!.headers.authorization).toBe('Bearer upstream-static');
          for (const { access_token } of provider.savedTokens) expect(JSON.stringify(upstream.received[0]!.rawHeaders)).not.toContain(access_token);
          // The new token lists more; the client's response cache is not keyed by token (SDK 2.4), so it is told to refresh.
          expect((await client.listTools(undefined, { cacheMode: 'refresh' })).tools.map((tool) => tool.name)).toContain(example.write.tool);
        } finally {
          await client.close().catch(() => undefined);
        }
      }, 60_000);
    }
  });
}
