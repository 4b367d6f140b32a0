/**
 * A development OAuth 2.1 authorization server for an emitted MCP server, on loopback only, built on oidc-provider 8.x:
 * OpenID discovery (also served at the RFC 8414 path), JWKS, open dynamic client registration (RFC 7591), authorization
 * code with PKCE approved automatically for a dev user, and client credentials for one pre-registered dev client.
 * Access tokens are RFC 9068 JWTs for one RFC 8707 resource (the MCP server's public URL), with a `roles` claim.
 * Signing keys are generated at start and live in memory only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { approveInteraction } from './interaction.js';
import { memoryAdapter } from './memory-adapter.js';
import { importOidcProvider, type OidcContext, type OidcModule, type OidcToken } from './oidc-provider-types.js';
import { DEFAULT_ACCESS_TOKEN_TTL, isLoopbackHost, type DevAuthOptions } from './options.js';
import { isLoopbackRedirectUri } from './redirect-uris.js';

/** The subject of the dev user who approves authorization code requests. */
export const DEV_USER = 'dev-user';
/** The client id of the pre-registered confidential client allowed the client credentials grant. */
export const DEV_CLIENT_ID = 'dev-client';

/** What dev-auth is doing, for a log line: registrations, consents, tokens and refused requests. */
export type DevAuthEvent =
  | { readonly type: 'registration'; readonly clientId: string; readonly redirectUris: readonly string[] }
  | { readonly type: 'consent'; readonly clientId: string; readonly scope: string }
  | { readonly type: 'token'; readonly clientId: string; readonly grantType: string; readonly scope: string | undefined }
  | { readonly type: 'error'; readonly where: string; readonly error: string; readonly description: string | undefined };

export interface DevAuthServer {
  /** `http://127.0.0.1:<port>`: the `iss` of every token and the emitted server's `OAUTH_ISSUER`. */
  readonly issuer: string;
  readonly resource: string;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  /** The pre-registered client for the client credentials grant (its secret is new at every start). */
  readonly devClient: { readonly clientId: string; readonly clientSecret: string };
  /** An access token from the token endpoint (client credentials, dev client) with these scopes and roles. */
  mintToken(grants: { readonly scopes: readonly string[]; readonly roles?: readonly string[] }): Promise<string>;
  close(): Promise<void>;
}

export interface StartDevAuthOptions extends DevAuthOptions {
  /** Called for everything worth a log line. */
  readonly onEvent?: (event: DevAuthEvent) => void;
}

/** Thrown when dev-auth is asked to listen on anything but a loopback address. */
export class NonLoopbackError extends Error {
  constructor(readonly host: string) {
    super(`dev-auth listens on loopback addresses only (127.0.0.1, ::1), not ${JSON.stringify(host)}: it signs tokens for anyone who asks`);
    this.name = 'NonLoopbackError';
  }
}

/** Starts the development authorization server; resolves once it listens. */
export async function startDevAuth(options: StartDevAuthOptions): Promise<DevAuthServer> {
  if (!isLoopbackHost(options.host)) throw new NonLoopbackError(options.host);
  const oidc = await importOidcProvider();
  const onEvent = options.onEvent ?? (() => undefined);
  const devClient = { clientId: DEV_CLIENT_ID, clientSecret: randomBytes(24).toString('base64url') };

  const server: Server = createServer();
  const bindHost = options.host === 'localhost' ? '127.0.0.1' : options.host.replace(/^\[(.*)\]$/, '$1');
  await listen(server, options.port, bindHost);
  const address = server.address() as AddressInfo;
  // Belt and braces: whatever the name resolved to, the socket must be on loopback.
  if (!isLoopbackHost(address.address)) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw new NonLoopbackError(address.address);
  }
  const issuer = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  const provider = new oidc.default(issuer, providerConfiguration(oidc, options, devClient, { keys: [await newSigningKey()] }));
  observe(provider, onEvent);
  const handler = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error: unknown) => {
      // oidc-provider's own errors (an expired interaction, a missing session cookie) carry a status and a code.
      const { status, error: code, error_description: description } = error as { status?: unknown; error?: unknown; error_description?: unknown };
      const known = typeof status === 'number' && status >= 400 && status < 500 && typeof code === 'string';
      const answer = known ? { error: code, ...(typeof description === 'string' ? { error_description: description } : {}) } : { error: 'server_error' };
      onEvent({ type: 'error', where: 'interaction', error: known ? code : String(error), description: known && typeof description === 'string' ? description : undefined });
      if (!res.headersSent) res.writeHead(known ? status : 500, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (/^\/interaction\/[^/]+$/.test(path)) {
      const consent = await approveInteraction(provider, DEV_USER, req, res);
      if (consent) onEvent({ type: 'consent', ...consent });
      return;
    }
    // oidc-provider 8.x serves only OpenID discovery; its document is a valid RFC 8414 metadata document for this
    // issuer (RFC 8414 §3: no path component), so clients that look only at the RFC 8414 location find it too.
    if (path === '/.well-known/oauth-authorization-server') req.url = '/.well-known/openid-configuration';
    handler(req, res);
  }

  async function mintToken(grants: { readonly scopes: readonly string[]; readonly roles?: readonly string[] }): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: devClient.clientId,
      client_secret: devClient.clientSecret,
      resource: options.resource,
      scope: grants.scopes.join(' '),
      ...(grants.roles && grants.roles.length > 0 ? { roles: grants.roles.join(' ') } : {}),
    });
    const response = await fetch(`${issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const answer = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!response.ok || !answer.access_token) throw new Error(`token request failed: HTTP ${response.status} ${answer.error}: ${answer.error_description}`);
    return answer.access_token;
  }

  return {
    issuer,
    resource: options.resource,
    scopes: options.scopes,
    roles: options.roles,
    devClient,
    mintToken,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `dev-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };
}

/** The roles a client credentials request of the dev client asks for (`roles`, space-separated), all of them known. */
function requestedRoles(oidc: OidcModule, ctx: OidcContext | undefined, known: readonly string[]): string[] {
  const value = ctx?.oidc.body?.roles;
  if (value === undefined) return [];
  if (typeof value !== 'string') throw new oidc.errors.InvalidRequest('roles must be one space-separated string');
  const roles = [...new Set(value.split(' ').filter(Boolean))];
  const unknown = roles.filter((role) => !known.includes(role));
  if (unknown.length > 0) throw new oidc.errors.InvalidRequest(`unknown roles: ${unknown.join(' ')} (known: ${known.join(' ') || 'none'})`);
  return roles;
}

function providerConfiguration(
  oidc: OidcModule,
  options: DevAuthOptions,
  devClient: { readonly clientId: string; readonly clientSecret: string },
  jwks: { keys: JWK[] },
): Record<string, unknown> {
  const ttl = options.accessTokenTTL ?? DEFAULT_ACCESS_TOKEN_TTL;
  const resourceScope = options.scopes.join(' ');
  return {
    clients: [
      {
        client_id: devClient.clientId,
        client_secret: devClient.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks,
    cookies: { keys: [randomBytes(32).toString('hex')] },
    // Resource scopes are listed here too, or a registration that sends `scope` (the MCP SDK does) is refused.
    scopes: ['openid', 'offline_access', ...options.scopes],
    claims: { openid: ['sub'] },
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    extraClientMetadata: {
      properties: ['x_portcullis_dev'],
      validator(ctx: OidcContext | undefined, _key: string, _value: unknown, metadata: Record<string, unknown>) {
        if (ctx?.oidc.route !== 'registration') return;
        // A registered `scope` would become an allow-list and block a later step-up for more scopes (invalid_scope).
        delete metadata.scope;
        const uris = Array.isArray(metadata.redirect_uris) ? (metadata.redirect_uris as unknown[]) : [];
        const foreign = uris.filter((uri) => typeof uri !== 'string' || !isLoopbackRedirectUri(uri));
        if (foreign.length > 0) {
          throw new oidc.errors.InvalidClientMetadata(
            `redirect_uris must be loopback http(s) URLs (127.0.0.1, [::1] or localhost) at this development server, which approves every request automatically: ${foreign.map(String).join(' ')}`,
          );
        }
      },
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      registration: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // No default resource: a client that forgets `resource` (RFC 8707, required by MCP) gets no token for it.
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          if (indicator !== options.resource) throw new oidc.errors.InvalidTarget(`unknown resource ${indicator}; this server issues tokens for ${options.resource}`);
          return { scope: resourceScope, audience: indicator, accessTokenFormat: 'jwt', accessTokenTTL: ttl, jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    extraTokenClaims: async (ctx: OidcContext | undefined, token: OidcToken) => {
      if (token.accountId !== undefined) return { roles: [...options.roles] };
      if (token.clientId === devClient.clientId) {
        const roles = requestedRoles(oidc, ctx, options.roles);
        return roles.length > 0 ? { roles } : undefined;
      }
      return undefined;
    },
    adapter: memoryAdapter(),
    // Functions, never numbers: a number here would override the resource server's accessTokenTTL.
    ttl: {
      AccessToken: (_ctx: unknown, token: OidcToken) => token.resourceServer?.accessTokenTTL ?? ttl,
      ClientCredentials: (_ctx: unknown, token: OidcToken) => token.resourceServer?.accessTokenTTL ?? ttl,
      AuthorizationCode: () => 60,
      Grant: () => 8 * 3600,
      IdToken: () => 3600,
      Interaction: () => 600,
      RefreshToken: () => 8 * 3600,
      Session: () => 8 * 3600,
    },
    pkce: { required: () => true },
    clientBasedCORS: () => true,
    renderError: async (ctx: { type: string; body: unknown }, out: Record<string, unknown>) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
}

/** Reports registrations, tokens and errors through `onEvent`. */
function observe(provider: { on(event: string, listener: (...args: any[]) => void): void }, onEvent: (event: DevAuthEvent) => void): void {
  provider.on('registration_create.success', (_ctx: OidcContext, client: { clientId: string; redirectUris?: string[] }) => {
    onEvent({ type: 'registration', clientId: client.clientId, redirectUris: client.redirectUris ?? [] });
  });
  provider.on('grant.success', (ctx: OidcContext & { body?: { scope?: string } }) => {
    onEvent({ type: 'token', clientId: ctx.oidc.client?.clientId ?? '', grantType: String(ctx.oidc.params?.grant_type), scope: ctx.body?.scope });
  });
  for (const where of ['authorization.error', 'grant.error', 'registration_create.error', 'server_error', 'interaction.error']) {
    provider.on(where, (_ctx: unknown, error: { error?: string; error_description?: string; message?: string }) => {
      onEvent({ type: 'error', where, error: error.error ?? error.message ?? String(error), description: error.error_description });
    });
  }
}
