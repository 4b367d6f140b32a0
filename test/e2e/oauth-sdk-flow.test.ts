/**
 * The whole MCP authorization flow, driven by the SDK's own OAuth client against a generated server and a real
 * authorization server, headlessly: 401 → protected resource metadata → AS discovery (RFC 8414, falling back to
 * OpenID discovery) → dynamic client registration → PKCE authorization code (automatic login and consent) → token
 * → tools/list filtered → 403 insufficient_scope on a tool needing more → step-up authorization with the challenged
 * scopes → success. Every step is checked on the wire or at the AS.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { startAuthorizationServer, type AuthorizationServer } from '../support/authorization-server.js';
import { parseChallenge } from '../support/challenge.js';
import { freePort } from '../support/free-port.js';
import { startGenerated, type RunningServer } from '../support/generated-server.js';
import { HeadlessOAuthProvider } from '../support/headless-oauth.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';

interface WireRecord {
  readonly method: string;
  readonly url: URL;
  readonly status: number;
  readonly wwwAuthenticate: string | null;
}

/** A fetch recording every request the SDK makes (MCP server, metadata, AS), with the answer's status. */
function recordingFetch(wire: WireRecord[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    wire.push({ method: init?.method ?? 'GET', url, status: response.status, wwwAuthenticate: response.headers.get('www-authenticate') });
    return response;
  };
}

const names = (tools: { name: string }[]) => tools.map((tool) => tool.name).sort();
const scopesOf = (accessToken: string) => new Set(String(decodeJwt(accessToken).scope ?? '').split(' ').filter(Boolean));

interface Harness {
  as: AuthorizationServer;
  upstream: RecordingUpstream;
  server: RunningServer;
  publicUrl: string;
}

async function startHarness(scopes: string[], registrationScopeAllowList = false): Promise<Harness> {
  const upstream = await startRecordingUpstream();
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}/mcp`;
  const as = await startAuthorizationServer({ resource: publicUrl, scopes, userId: 'alice', userRoles: ['analyst'], registrationScopeAllowList });
  const server = await startGenerated('helpdesk', {
    PORT: String(port),
    MCP_PUBLIC_URL: publicUrl,
    OAUTH_ISSUER: as.issuer,
    UPSTREAM_BASE_URL: `${upstream.origin}/v1`,
    UPSTREAM_HELPDESK_OAUTH_TOKEN: 'upstream-static',
    // Least privilege to start with (the default offers every scope, which would leave nothing to step up to).
    OAUTH_CHALLENGE_SCOPES: 'tickets:read',
  });
  return { as, upstream, server, publicUrl };
}

async function stopHarness(harness: Partial<Harness> | undefined): Promise<void> {
  await harness?.server?.stop();
  await harness?.upstream?.close();
  await harness?.as?.close();
}

describe('the SDK OAuth client against generated/helpdesk and a real authorization server', () => {
  let scopes: string[];
  let harness: Harness;
  const clients: Client[] = [];

  beforeAll(async () => {
    const definition = JSON.parse(await readFile(join(ROOT, 'generated', 'helpdesk', 'tools.json'), 'utf8')) as { scopes: string[] };
    scopes = [...definition.scopes, 'tickets:admin'];
    harness = await startHarness(scopes);
  }, 180_000);

  afterEach(async () => {
    await Promise.allSettled(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await stopHarness(harness);
  });

  it('runs 401 → metadata → discovery → registration → PKCE → token → 403 → step-up → success', async () => {
    const { as, upstream, publicUrl } = harness;
    const provider = new HeadlessOAuthProvider((url) => as.authorize(url));
    const wire: WireRecord[] = [];
    const newTransport = () => new StreamableHTTPClientTransport(new URL(publicUrl), { authProvider: provider, fetch: recordingFetch(wire) });

    // 1. The first connection attempt has no token: the SDK is challenged, discovers, registers, and sends the user
    //    agent to the AS; the (headless) user comes back with a code.
    const first = new Client({ name: 'e2e-sdk-oauth', version: '1.0.0' });
    clients.push(first);
    const firstTransport = newTransport();
    await expect(first.connect(firstTransport)).rejects.toBeInstanceOf(UnauthorizedError);

    const challenged = wire[0]!;
    expect(challenged.method).toBe('POST');
    expect(challenged.url.href).toBe(publicUrl);
    expect(challenged.status).toBe(401);
    const initial = parseChallenge(challenged.wwwAuthenticate)!;
    const metadataUrl = new URL('/.well-known/oauth-protected-resource/mcp', publicUrl).href;
    expect(initial.params.resource_metadata).toBe(metadataUrl);
    const initialScope = new Set(initial.params.scope!.split(' '));
    expect(initialScope).toEqual(new Set(['tickets:read']));

    // The metadata document, then the AS metadata: RFC 8414 is not served by oidc-provider 8.x, OpenID discovery is.
    const paths = wire.map((record) => `${record.method} ${record.url.pathname} ${record.status}`);
    expect(paths).toContain(`GET /.well-known/oauth-protected-resource/mcp 200`);
    expect(paths).toContain(`GET /.well-known/oauth-authorization-server 404`);
    expect(paths).toContain(`GET /.well-known/openid-configuration 200`);
    expect(paths).toContain(`POST /reg 201`);

    const registrations = as.events.filter((event) => event.type === 'registration');
    expect(registrations).toHaveLength(1);
    // The SDK registers with the challenged scope; the AS must not turn it into an allow-list (see the helper).
    expect(registrations[0]!.requestedScope?.split(' ').sort()).toEqual([...initialScope].sort());

    expect(provider.authorizationUrls).toHaveLength(1);
    const authorization = provider.authorizationUrls[0]!;
    expect(authorization.origin).toBe(as.issuer);
    expect(authorization.searchParams.get('resource')).toBe(publicUrl);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(new Set(authorization.searchParams.get('scope')!.split(' '))).toEqual(initialScope);

    // 2. The callback: exchange the code (with the PKCE verifier and the resource) for a JWT access token.
    await firstTransport.finishAuth(provider.takeCode());
    expect(provider.savedTokens).toHaveLength(1);
    const firstToken = provider.savedTokens[0]!.access_token;
    expect(decodeJwt(firstToken)).toMatchObject({ iss: as.issuer, aud: publicUrl, sub: 'alice', roles: ['analyst'] });
    expect(scopesOf(firstToken)).toEqual(initialScope);

    // 3. Reconnect with the token: tools/list shows only what the first token allows.
    const client = new Client({ name: 'e2e-sdk-oauth', version: '1.0.0' });
    clients.push(client);
    const transport = newTransport();
    await client.connect(transport);
    const before = names((await client.listTools()).tools);
    expect(before).not.toContain('createTicket');
    expect(before).toContain('serviceStatus');

    // 4. A tool needing more: 403 insufficient_scope; the SDK re-authorizes with the challenged scopes at once.
    upstream.received.length = 0;
    const wireBeforeStepUp = wire.length;
    await expect(client.callTool({ name: 'createTicket', arguments: { body: { subject: 'VPN is down' } } })).rejects.toBeInstanceOf(UnauthorizedError);
    const refused = wire.slice(wireBeforeStepUp).find((record) => record.status === 403)!;
    expect(refused).toBeDefined();
    const stepUp = parseChallenge(refused.wwwAuthenticate)!;
    expect(stepUp.params.error).toBe('insufficient_scope');
    const stepUpScope = new Set(stepUp.params.scope!.split(' '));
    expect(stepUpScope.has('tickets:write')).toBe(true);
    // The challenge keeps what the token held, or the client would lose it when replacing its scopes.
    for (const scope of initialScope) expect(stepUpScope.has(scope)).toBe(true);
    expect(upstream.received).toHaveLength(0);

    // No second registration: the stored client is reused; a second authorization asks for the challenged scopes.
    expect(as.events.filter((event) => event.type === 'registration')).toHaveLength(1);
    expect(provider.authorizationUrls).toHaveLength(2);
    expect(new Set(provider.authorizationUrls[1]!.searchParams.get('scope')!.split(' '))).toEqual(stepUpScope);
    // The user is still logged in at the AS; only the new scope needed consent.
    const consents = as.events.filter((event) => event.type === 'consent');
    expect(consents.at(-1)!.scope.split(' ')).toContain('tickets:write');

    await transport.finishAuth(provider.takeCode());
    expect(provider.savedTokens).toHaveLength(2);
    const finalToken = provider.savedTokens[1]!.access_token;
    expect(scopesOf(finalToken)).toEqual(stepUpScope);
    expect(decodeJwt(finalToken).aud).toBe(publicUrl);

    // 5. Success with the new token, on the same client and transport.
    const created = (await client.callTool({ name: 'createTicket', arguments: { body: { subject: 'VPN is down' } } })) as CallToolResult;
    expect(created.isError).toBeFalsy();
    expect(created.structuredContent).toEqual({ ok: true });
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]!.method).toBe('POST');
    expect(upstream.received[0]!.url).toBe('/v1/tickets');
    expect(JSON.parse(upstream.received[0]!.body.toString())).toEqual({ subject: 'VPN is down' });
    expect(upstream.received[0]!.headers.authorization).toBe('Bearer upstream-static');
    for (const { access_token } of provider.savedTokens) expect(JSON.stringify(upstream.received[0]!.rawHeaders)).not.toContain(access_token);

    const after = names((await client.listTools()).tools);
    expect(after).toContain('createTicket');

    // Exactly two token requests, both authorization_code for this client; no token was sent without a resource.
    const tokenEvents = as.events.filter((event) => event.type === 'token');
    expect(tokenEvents.map((event) => event.type === 'token' && event.grantType)).toEqual(['authorization_code', 'authorization_code']);
    expect(wire.filter((record) => record.url.pathname === '/token')).toHaveLength(2);
    expect(as.events.filter((event) => event.type === 'error')).toEqual([]);
  }, 60_000);
});

describe("oidc-provider's default registration scope allow-list (the trap the helper avoids)", () => {
  let harness: Harness | undefined;
  const clients: Client[] = [];

  beforeAll(async () => {
    const definition = JSON.parse(await readFile(join(ROOT, 'generated', 'helpdesk', 'tools.json'), 'utf8')) as { scopes: string[] };
    harness = await startHarness([...definition.scopes, 'tickets:admin'], true);
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await stopHarness(harness);
  });

  it('makes the step-up authorization fail with invalid_scope when the registered scope is kept as an allow-list', async () => {
    const { as, publicUrl } = harness!;
    const provider = new HeadlessOAuthProvider((url) => as.authorize(url));
    const first = new Client({ name: 'e2e-trap', version: '1.0.0' });
    clients.push(first);
    const firstTransport = new StreamableHTTPClientTransport(new URL(publicUrl), { authProvider: provider });
    await expect(first.connect(firstTransport)).rejects.toBeInstanceOf(UnauthorizedError);
    await firstTransport.finishAuth(provider.takeCode());

    const client = new Client({ name: 'e2e-trap', version: '1.0.0' });
    clients.push(client);
    await client.connect(new StreamableHTTPClientTransport(new URL(publicUrl), { authProvider: provider }));
    await expect(client.callTool({ name: 'createTicket', arguments: { body: { subject: 'VPN is down' } } })).rejects.toThrow(/invalid_scope/);
    expect(as.events.some((event) => event.type === 'error' && event.error === 'invalid_scope')).toBe(true);
  }, 60_000);
});
