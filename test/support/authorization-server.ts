/**
 * A real OAuth 2.1 authorization server for end-to-end tests: oidc-provider 8.8.x in-process on 127.0.0.1.
 *
 * - RFC 9068 JWT access tokens (RS256, `typ: at+jwt`) for an RFC 8707 resource indicator: the token's `aud` is the
 *   resource (the MCP server's public URL), its `scope` only ever holds scopes of that resource.
 * - Client credentials for pre-registered confidential clients (`clientCredentialsToken`), with per-call extra claims.
 * - Open dynamic client registration (RFC 7591) and PKCE authorization code with a headless, automatic interaction:
 *   `/interaction/:uid` logs in a fixed test user and consents to whatever is requested, answering with redirects
 *   only, so `authorize(url)` (a cookie-keeping user agent) can follow an authorization URL to the redirect_uri.
 * - Roles: `roles` (or any extra claim) is put into access tokens via `extraTokenClaims`.
 * - RFC 8693 token exchange (`exchangeClient`): a grant type registered with oidc-provider's `registerGrantType` that
 *   verifies a subject token this AS issued for the main resource and issues a JWT access token for the requested
 *   upstream `resource` (or `audience`) with the same `sub` and an `act` claim naming the exchanging client (§4.1).
 * - Key rotation: `rotateKeys()` generates a new RSA key and serves a new provider instance (same port, same
 *   storage) whose JWKS lists the new key first, so every token from then on is signed with the new `kid`.
 *
 * oidc-provider traps handled here (see ../shared/auth-requirements.md §10):
 * - TTLs are functions (`ttl.AccessToken` / `ttl.ClientCredentials`): a number there would override the per-resource
 *   `accessTokenTTL`.
 * - Resource scopes are listed in `scopes`, or the registration of a client that sends `scope` (the SDK always does)
 *   is refused ("scope must only contain Authorization Server supported scope values"). But then the registered
 *   `scope` becomes an allow-list and a later step-up for more scopes fails with `invalid_scope`; so the `scope` of a
 *   dynamically registered client is dropped (`registrationScopeAllowList: true` keeps oidc-provider's behaviour).
 * - 8.x serves only `/.well-known/openid-configuration`; clients and the resource server must fall back to it.
 *
 * For tokens and answers no real authorization server gives (forged headers, unpublished keys, discovery or JWKS down),
 * use scripted-issuer.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';

export interface StaticClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface AuthorizationServerOptions {
  /** The RFC 8707 resource indicator tokens are issued for; it becomes their `aud` (the MCP server's public URL). */
  readonly resource: string;
  /** Every scope the resource server knows (the spec's scopes, plus broader ones such as `tickets:admin`). */
  readonly scopes: readonly string[];
  /** Further resource indicators the AS issues tokens for (e.g. to get a token with a foreign audience). */
  readonly otherResources?: readonly string[];
  /** Confidential clients allowed the client credentials grant; default one `cc-client` / `cc-secret`. */
  readonly clients?: readonly StaticClient[];
  /** Roles of the test user who approves authorization code requests; put into the `roles` claim. */
  readonly userRoles?: readonly string[];
  /** Subject of the test user; default `alice`. */
  readonly userId?: string;
  /** Access token lifetime in seconds; default 300. */
  readonly accessTokenTTL?: number;
  /** Keep oidc-provider's default: a registered client's `scope` is an allow-list (breaks step-up). Default false. */
  readonly registrationScopeAllowList?: boolean;
  /** A confidential client (client_secret_basic) allowed the RFC 8693 token exchange grant; none by default. */
  readonly exchangeClient?: StaticClient;
  /** Audiences (RFC 8693 `resource` or `audience`) the token exchange issues tokens for. */
  readonly exchangeAudiences?: readonly string[];
}

/** RFC 8693 §2.1 and §3 identifiers. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface TokenOptions {
  /** The RFC 8707 resource (default: the main resource); must be the main one or one of `otherResources`. */
  readonly resource?: string;
  /**
   * Changes the token before the AS signs it (oidc-provider's `formats.customizers.jwt`): to get properly signed tokens
   * that are expired, not yet valid, without `exp`, with `scp` instead of `scope`, another `typ`…
   */
  readonly customize?: (jwt: { header?: Record<string, unknown>; payload: Record<string, unknown> }) => void;
}

/** Something observable that happened at the AS, in order. */
export type AuthorizationServerEvent =
  | { readonly type: 'registration'; readonly clientId: string; readonly requestedScope: string | undefined }
  | { readonly type: 'authorization'; readonly clientId: string; readonly scope: string | undefined; readonly resource: string | undefined }
  | { readonly type: 'token'; readonly clientId: string; readonly grantType: string; readonly scope: string | undefined }
  | { readonly type: 'consent'; readonly clientId: string; readonly scope: string }
  | { readonly type: 'jwks'; readonly at: number }
  /** One RFC 8693 exchange request that reached the grant (client authenticated): its outcome and the subject. */
  | { readonly type: 'exchange'; readonly clientId: string; readonly subject: string | undefined; readonly audience: string | undefined; readonly outcome: 'issued' | 'refused' }
  | { readonly type: 'error'; readonly where: string; readonly error: string; readonly description: string | undefined };

export interface AuthorizationServer {
  /** `http://127.0.0.1:<port>` */
  readonly issuer: string;
  readonly events: AuthorizationServerEvent[];
  /** `kid` of the key new tokens are signed with. */
  readonly signingKid: string;
  /**
   * A client credentials access token (a JWT signed by the AS) with these scopes and extra claims (e.g. `roles`).
   * Scopes the resource does not know are dropped by the AS, as a real one does.
   */
  clientCredentialsToken(clientId: string, scopes: readonly string[], extraClaims?: Record<string, unknown>, options?: TokenOptions): Promise<string>;
  /**
   * Follows an authorization URL as a browser would (cookies kept between calls, redirects followed by hand) through
   * the automatic login and consent, and returns the URL the AS finally redirects to (the client's redirect_uri with
   * `code` or `error`).
   */
  authorize(authorizationUrl: string | URL): Promise<URL>;
  /** Roles put into user tokens issued from now on. */
  setUserRoles(roles: readonly string[]): void;
  /** The token exchange refuses (invalid_grant) subject tokens of this `sub` from now on, as for a revoked user. */
  refuseExchangeFor(subject: string): void;
  /** Adds a new signing key and makes it the one used; the old key stays published. Resolves with the new kid. */
  rotateKeys(): Promise<string>;
  close(): Promise<void>;
}

/** The part of oidc-provider's API used here (the package ships no types). */
interface OidcGrant {
  addOIDCScope(scope: string): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}
interface OidcInteraction {
  readonly prompt: { readonly name: string; readonly details: Record<string, unknown> };
  readonly params: Record<string, unknown>;
  readonly session?: { readonly accountId: string };
  readonly grantId?: string;
}
interface OidcContext {
  readonly oidc: {
    readonly route?: string;
    readonly client?: { readonly clientId: string };
    readonly params?: Record<string, unknown>;
    readonly body?: Record<string, unknown>;
  };
  readonly body?: unknown;
}
interface OidcToken {
  readonly kind: string;
  readonly accountId?: string;
  readonly clientId?: string;
  readonly resourceServer?: { readonly accessTokenTTL?: number };
}
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<OidcInteraction>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: unknown, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  readonly Grant: { new (init: { accountId: string; clientId: string }): OidcGrant; find(id: string): Promise<OidcGrant | undefined> };
  on(event: string, listener: (...args: any[]) => void): void;
  registerGrantType(name: string, handler: (ctx: OidcContext & { body?: unknown }, next: () => Promise<void>) => Promise<void>, params?: readonly string[]): void;
}
type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;
interface OidcModule {
  readonly default: ProviderConstructor;
  readonly errors: {
    readonly InvalidTarget: new (description?: string) => Error;
    readonly InvalidGrant: new (description?: string) => Error;
    readonly InvalidRequest: new (description?: string) => Error;
  };
}

// A specifier in a variable: oidc-provider has no type declarations, so the import is typed by hand above.
const OIDC_PROVIDER = 'oidc-provider';

/**
 * An oidc-provider storage adapter keeping everything in this AS's own maps (the built-in one is module-wide and
 * warns on every provider instance). Expiry is honoured on read.
 */
function memoryAdapter() {
  const records = new Map<string, { payload: Record<string, unknown>; expiresAt: number | undefined }>();
  const byUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();
  const byGrant = new Map<string, Set<string>>();
  return class MemoryAdapter {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
      const key = this.key(id);
      records.set(key, { payload: structuredClone(payload), expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
      if (typeof payload.uid === 'string') byUid.set(payload.uid, id);
      if (typeof payload.userCode === 'string') byUserCode.set(payload.userCode, id);
      if (typeof payload.grantId === 'string') {
        const keys = byGrant.get(payload.grantId) ?? new Set<string>();
        byGrant.set(payload.grantId, keys.add(key));
      }
    }

    async find(id: string): Promise<Record<string, unknown> | undefined> {
      const record = records.get(this.key(id));
      if (!record) return undefined;
      if (record.expiresAt !== undefined && record.expiresAt <= Date.now()) {
        records.delete(this.key(id));
        return undefined;
      }
      return structuredClone(record.payload);
    }

    async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
      const id = byUid.get(uid);
      return id === undefined ? undefined : this.find(id);
    }

    async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
      const id = byUserCode.get(userCode);
      return id === undefined ? undefined : this.find(id);
    }

    async consume(id: string): Promise<void> {
      const record = records.get(this.key(id));
      if (record) record.payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      records.delete(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of byGrant.get(grantId) ?? []) records.delete(key);
      byGrant.delete(grantId);
    }
  };
}

async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `key-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };
}

export async function startAuthorizationServer(options: AuthorizationServerOptions): Promise<AuthorizationServer> {
  const { default: Provider, errors } = (await import(OIDC_PROVIDER)) as OidcModule;
  const clients = options.clients ?? [{ clientId: 'cc-client', clientSecret: 'cc-secret' }];
  const userId = options.userId ?? 'alice';
  const ttl = options.accessTokenTTL ?? 300;
  const resources = new Set([options.resource, ...(options.otherResources ?? [])]);
  const resourceScope = [...new Set(options.scopes)].join(' ');
  const cookieKeys = [randomBytes(32).toString('hex')];
  const events: AuthorizationServerEvent[] = [];
  let userRoles = [...(options.userRoles ?? [])];
  // Extra claims and changes for the next client credentials token of a client (set around one token request).
  const pending = new Map<string, { claims?: Record<string, unknown>; customize?: TokenOptions['customize'] }>();
  let keys: JWK[] = [await newSigningKey()];
  // Storage of this AS only, kept across rotateKeys() (clients, grants, sessions survive a provider swap).
  const adapter = memoryAdapter();

  const server: Server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      events.push({ type: 'error', where: 'route', error: String(error), description: undefined });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const refusedSubjects = new Set<string>();
  const configuration = () => ({
    clients: [
      ...clients.map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_post',
      })),
      ...(options.exchangeClient
        ? [{
            client_id: options.exchangeClient.clientId,
            client_secret: options.exchangeClient.clientSecret,
            grant_types: [TOKEN_EXCHANGE_GRANT],
            response_types: [],
            redirect_uris: [],
            // RFC 6749 §2.3.1: HTTP Basic, as the emitted server authenticates for token-exchange.
            token_endpoint_auth_method: 'client_secret_basic',
          }]
        : []),
    ],
    jwks: { keys },
    cookies: { keys: cookieKeys },
    // Resource scopes must be known here or a registration sending `scope` is refused (see the file comment).
    scopes: ['openid', 'offline_access', ...options.scopes],
    claims: { openid: ['sub'] },
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    extraClientMetadata: {
      properties: ['x_test_marker'],
      validator(ctx: OidcContext | undefined, _key: string, _value: unknown, metadata: Record<string, unknown>) {
        // Dynamically registered clients get no scope allow-list, so a step-up for more scopes can succeed.
        if (!options.registrationScopeAllowList && ctx?.oidc?.route === 'registration') delete metadata.scope;
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
        // No default resource: a client that forgets `resource` gets no JWT for the MCP server.
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          if (!resources.has(indicator)) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          return {
            scope: resourceScope,
            audience: indicator,
            accessTokenFormat: 'jwt',
            accessTokenTTL: ttl,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    extraTokenClaims: async (_ctx: unknown, token: OidcToken) => {
      if (token.accountId !== undefined) return { roles: userRoles };
      if (token.clientId !== undefined) return pending.get(token.clientId)?.claims;
      return undefined;
    },
    formats: {
      customizers: {
        jwt: async (_ctx: unknown, token: OidcToken, jwt: { header?: Record<string, unknown>; payload: Record<string, unknown> }) => {
          if (token.accountId === undefined && token.clientId !== undefined) pending.get(token.clientId)?.customize?.(jwt);
        },
      },
    },
    adapter,
    // Functions, never numbers: a number would override the resource server's accessTokenTTL.
    ttl: {
      AccessToken: (_ctx: unknown, token: OidcToken) => token.resourceServer?.accessTokenTTL ?? ttl,
      ClientCredentials: (_ctx: unknown, token: OidcToken) => token.resourceServer?.accessTokenTTL ?? ttl,
      AuthorizationCode: () => 60,
      Grant: () => 3600,
      IdToken: () => 3600,
      Interaction: () => 600,
      RefreshToken: () => 3600,
      Session: () => 3600,
    },
    pkce: { required: () => true },
    clientBasedCORS: () => true,
    renderError: async (ctx: { type: string; body: unknown }, out: Record<string, unknown>) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  });

  const observe = (provider: OidcProvider) => {
    provider.on('registration_create.success', (ctx: OidcContext, client: { clientId: string }) => {
      const scope = ctx.oidc.body?.scope;
      events.push({ type: 'registration', clientId: client.clientId, requestedScope: typeof scope === 'string' ? scope : undefined });
    });
    provider.on('authorization.success', (ctx: OidcContext) => {
      const { scope, resource } = ctx.oidc.params ?? {};
      events.push({
        type: 'authorization',
        clientId: ctx.oidc.client?.clientId ?? '',
        scope: typeof scope === 'string' ? scope : undefined,
        resource: typeof resource === 'string' ? resource : undefined,
      });
    });
    provider.on('grant.success', (ctx: OidcContext) => {
      const body = ctx.body as { scope?: string } | undefined;
      events.push({ type: 'token', clientId: ctx.oidc.client?.clientId ?? '', grantType: String(ctx.oidc.params?.grant_type), scope: body?.scope });
    });
    for (const where of ['authorization.error', 'grant.error', 'registration_create.error', 'server_error', 'interaction.error']) {
      provider.on(where, (_ctx: unknown, error: { error?: string; error_description?: string; message?: string }) => {
        events.push({ type: 'error', where, error: error.error ?? error.message ?? String(error), description: error.error_description });
      });
    }
  };

  let provider!: OidcProvider;
  let handler!: (req: IncomingMessage, res: ServerResponse) => void;
  const useNewProvider = () => {
    provider = new Provider(issuer, configuration());
    if (options.exchangeClient) {
      provider.registerGrantType(TOKEN_EXCHANGE_GRANT, tokenExchange, ['subject_token', 'subject_token_type', 'requested_token_type', 'audience', 'resource', 'scope']);
    }
    observe(provider);
    handler = provider.callback();
  };
  useNewProvider();

  /**
   * RFC 8693 §2.1–2.2: verifies the subject token (a JWT this AS issued for the main resource), then issues a JWT access
   * token for the requested upstream with the subject's `sub` and `act` naming the exchanging client (§4.1).
   */
  async function tokenExchange(ctx: OidcContext & { body?: unknown }, next: () => Promise<void>): Promise<void> {
    const params = ctx.oidc.params ?? {};
    const clientId = ctx.oidc.client?.clientId ?? '';
    const audience = typeof params.resource === 'string' ? params.resource : typeof params.audience === 'string' ? params.audience : undefined;
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest('subject_token_type must be an access token');
    if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest('only access tokens are issued');
    if (audience === undefined || !(options.exchangeAudiences ?? []).includes(audience)) throw new errors.InvalidTarget(`no exchange for audience ${audience}`);
    const publicKeys = keys.map(({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicPart }) => publicPart);
    let subject: string | undefined;
    try {
      const { payload } = await jwtVerify(String(params.subject_token), createLocalJWKSet({ keys: publicKeys }), { issuer, audience: options.resource });
      subject = payload.sub;
    } catch {
      events.push({ type: 'exchange', clientId, subject: undefined, audience, outcome: 'refused' });
      throw new errors.InvalidGrant('subject_token is not a valid access token of this issuer');
    }
    if (subject === undefined || refusedSubjects.has(subject)) {
      events.push({ type: 'exchange', clientId, subject, audience, outcome: 'refused' });
      throw new errors.InvalidGrant('the user may not be acted for');
    }
    const key = keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({
      client_id: clientId,
      act: { sub: clientId },
      ...(typeof params.scope === 'string' ? { scope: params.scope } : {}),
      jti: randomBytes(12).toString('hex'),
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key.kid! })
      .setIssuer(issuer)
      .setSubject(subject)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .sign(await importJWK(key, 'RS256'));
    events.push({ type: 'exchange', clientId, subject, audience, outcome: 'issued' });
    ctx.body = { access_token: accessToken, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: ttl };
    await next();
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (/^\/interaction\/[^/]+$/.test(path)) return autoApprove(req, res);
    if (path === '/jwks') events.push({ type: 'jwks', at: Date.now() });
    handler(req, res);
  }

  /** The headless end user: logs in as `userId` and consents to every requested scope and resource. */
  async function autoApprove(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { prompt, params, session, grantId } = await provider.interactionDetails(req, res);
    if (prompt.name === 'login') {
      return provider.interactionFinished(req, res, { login: { accountId: userId } }, { mergeWithLastSubmission: false });
    }
    if (prompt.name !== 'consent') throw new Error(`unexpected prompt ${prompt.name}`);
    const clientId = String(params.client_id);
    const grant = (grantId ? await provider.Grant.find(grantId) : undefined) ?? new provider.Grant({ accountId: session!.accountId, clientId });
    const details = prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
    const consented: string[] = [];
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
      consented.push(...scopes);
    }
    events.push({ type: 'consent', clientId, scope: consented.join(' ') });
    return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }

  // The test user's browser: one cookie jar for every authorize() call, as a real user agent keeps its AS session.
  const cookies = new Map<string, string>();
  async function authorize(authorizationUrl: string | URL): Promise<URL> {
    let url = new URL(authorizationUrl);
    for (let hop = 0; hop < 20; hop++) {
      if (url.origin !== issuer) return url;
      const response = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
        signal: AbortSignal.timeout(10_000),
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq).trim();
        const value = pair!.slice(eq + 1).trim();
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(name);
        else cookies.set(name, value);
      }
      const location = response.headers.get('location');
      const text = await response.text();
      if (response.status < 300 || response.status >= 400 || !location) {
        throw new Error(`authorization stopped at ${url.pathname} with HTTP ${response.status}: ${text.slice(0, 500)}`);
      }
      url = new URL(location, url);
    }
    throw new Error('too many redirects while authorizing');
  }

  let queue: Promise<unknown> = Promise.resolve();
  async function clientCredentialsToken(clientId: string, scopes: readonly string[], extraClaims?: Record<string, unknown>, tokenOptions: TokenOptions = {}): Promise<string> {
    const resource = tokenOptions.resource ?? options.resource;
    const client = clients.find((candidate) => candidate.clientId === clientId);
    if (!client) throw new Error(`no static client ${clientId}`);
    // One token request at a time: the extra claims are keyed by client while the request runs.
    const result = queue.then(async () => {
      pending.set(clientId, { ...(extraClaims ? { claims: extraClaims } : {}), ...(tokenOptions.customize ? { customize: tokenOptions.customize } : {}) });
      try {
        const response = await fetch(`${issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret, scope: scopes.join(' '), resource }),
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
        if (!response.ok || !body.access_token) throw new Error(`token request failed: HTTP ${response.status} ${body.error}: ${body.error_description}`);
        return body.access_token;
      } finally {
        pending.delete(clientId);
      }
    });
    queue = result.catch(() => undefined);
    return result;
  }

  return {
    issuer,
    events,
    get signingKid() {
      return keys[0]!.kid!;
    },
    clientCredentialsToken,
    authorize,
    refuseExchangeFor(subject) {
      refusedSubjects.add(subject);
    },
    setUserRoles(roles) {
      userRoles = [...roles];
    },
    async rotateKeys() {
      keys = [await newSigningKey(), ...keys];
      useNewProvider();
      return keys[0]!.kid!;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
