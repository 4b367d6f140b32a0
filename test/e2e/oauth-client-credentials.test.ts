/**
 * End to end authorization with real parts only: generated servers built with tsc and run as `node dist/index.js`,
 * a real authorization server (oidc-provider, in-process on loopback) issuing RFC 9068 JWT access tokens with the
 * client credentials grant, a real recording upstream, and the SDK's Client over Streamable HTTP carrying the token
 * in `requestInit` headers. Every expectation is about what crosses a socket: status codes, headers, tool lists,
 * tool results, the requests the upstream receives and the audit file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { startAuthorizationServer, type AuthorizationServer, type TokenOptions } from '../support/authorization-server.js';
import { parseChallenge } from '../support/challenge.js';
import { freePort } from '../support/free-port.js';
import { startGenerated, type RunningServer } from '../support/generated-server.js';
import { scratchDir } from '../support/scratch.js';
import { startRecordingUpstream, type ReceivedRequest, type RecordingUpstream } from '../support/upstream.js';

interface ToolsJson {
  readonly scopes: string[];
  readonly impliedScopes?: Record<string, string[]>;
  readonly tools: { name: string; scopes: string[][]; roles: string[] }[];
}

async function toolsJson(name: string): Promise<ToolsJson> {
  return JSON.parse(await readFile(join(ROOT, 'generated', name, 'tools.json'), 'utf8')) as ToolsJson;
}

/** One HTTP exchange of the SDK client with the MCP server, as seen on the wire. */
interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
}

interface Connection {
  readonly client: Client;
  readonly exchanges: Exchange[];
  /** The consent questions its user was asked (elicitation/create), each approved. */
  readonly questions: string[];
  /** The last exchange that carried a JSON-RPC POST. */
  lastPost(): Exchange;
  close(): Promise<void>;
}

/** An SDK Client that presents `token` as `Authorization: Bearer` on every request and records every response. */
async function connect(url: string, token: string): Promise<Connection> {
  const exchanges: Exchange[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    exchanges.push({ method: init?.method ?? 'GET', url: String(input), status: response.status, headers: response.headers });
    return response;
  };
  // It can ask its user (form elicitation), and its user approves every question: deleteTicket asks for consent.
  const client = new Client({ name: 'e2e-client-credentials', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
  const questions: string[] = [];
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    questions.push(request.params.message);
    return Promise.resolve({ action: 'accept', content: { confirm: true } });
  });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } }, fetch: recordingFetch }),
  );
  return {
    client,
    exchanges,
    questions,
    lastPost: () => exchanges.filter((exchange) => exchange.method === 'POST').at(-1)!,
    close: () => client.close(),
  };
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } },
};

/** A raw MCP POST (no SDK), to look at exactly what a client without a valid token gets. */
function rawPost(url: string, headers: Record<string, string> = {}, body: unknown = INITIALIZE): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
}

function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}

const names = (tools: { name: string }[]) => tools.map((tool) => tool.name).sort();

/** Tools a caller with `granted` scopes and `roles` may call, by OpenAPI semantics (OR of AND sets; no scopes = public). */
function expectedVisible(definition: ToolsJson, granted: readonly string[], roles: readonly string[] = []): string[] {
  const have = new Set(granted.flatMap((scope) => [scope, ...(definition.impliedScopes?.[scope] ?? [])]));
  return definition.tools
    .filter((tool) => tool.scopes.length === 0 || tool.scopes.some((all) => all.every((scope) => have.has(scope))))
    .filter((tool) => tool.roles.length === 0 || tool.roles.some((role) => roles.includes(role)))
    .map((tool) => tool.name)
    .sort();
}

/** Calls a tool that must be refused with HTTP 403; returns the parsed challenge of that response. */
async function expectStepUp(connection: Connection, name: string, args: Record<string, unknown>) {
  const error = await connection.client.callTool({ name, arguments: args }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StreamableHTTPError);
  expect((error as StreamableHTTPError).code).toBe(403);
  const refused = connection.lastPost();
  expect(refused.status).toBe(403);
  const challenge = parseChallenge(refused.headers.get('www-authenticate'));
  expect(challenge?.scheme.toLowerCase()).toBe('bearer');
  return challenge!.params;
}

/** The runtime's JWKS refetch cooldown (templates/runtime/token-verifier.ts JWKS_COOLDOWN_MS). */
const JWKS_COOLDOWN_MS = 30_000;

const scopeSet = (value: string | undefined) => new Set((value ?? '').split(' ').filter(Boolean));

describe('generated/helpdesk as an OAuth resource server (client credentials tokens)', () => {
  const clientId = 'helpdesk-backend';
  let definition: ToolsJson;
  let as: AuthorizationServer;
  let upstream: RecordingUpstream;
  let server: RunningServer;
  let auditDir: string;
  let auditLog: string;
  let publicUrl: string;
  let metadataUrl: string;
  let stdout = '';
  /** Every token issued in this suite: none of them may ever reach the upstream, the audit log or the logs. */
  const issued: string[] = [];
  const open: Connection[] = [];
  const everything: ReceivedRequest[] = [];

  const token = async (scopes: string[], extraClaims?: Record<string, unknown>, options?: TokenOptions) => {
    const value = await as.clientCredentialsToken(clientId, scopes, extraClaims, options);
    issued.push(value);
    return value;
  };
  const connectWith = async (value: string) => {
    const connection = await connect(publicUrl, value);
    open.push(connection);
    return connection;
  };

  beforeAll(async () => {
    definition = await toolsJson('helpdesk');
    upstream = await startRecordingUpstream();
    // Tests clear upstream.received; this keeps every request of the suite for the token-leak check.
    upstream.answer = (res, request) => {
      everything.push(request);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}/mcp`;
    metadataUrl = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`;
    as = await startAuthorizationServer({
      resource: publicUrl,
      // Every scope the server knows, including the broader tickets:admin of the configured hierarchy.
      scopes: [...definition.scopes, ...Object.keys(definition.impliedScopes ?? {})],
      otherResources: ['http://127.0.0.1:1/some-other-api'],
      clients: [{ clientId, clientSecret: 'backend-secret' }],
    });
    auditDir = scratchDir('audit');
    auditLog = join(auditDir, 'audit.log');
    server = await startGenerated('helpdesk', {
      PORT: String(port),
      MCP_PUBLIC_URL: publicUrl,
      OAUTH_ISSUER: as.issuer,
      UPSTREAM_BASE_URL: `${upstream.origin}/v1`,
      UPSTREAM_HELPDESK_OAUTH_TOKEN: 'upstream-static',
      AUDIT_LOG: auditLog,
    });
    server.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(open.map((connection) => connection.close()));
    const exitCode = await server?.stop();
    await upstream?.close();
    await as?.close();
    // A clean SIGTERM shutdown: the server did not crash along the way.
    if (server) expect(exitCode).toBe(0);
  });

  it('listens on the public URL it was configured with', () => {
    expect(server.url).toBe(publicUrl);
  });

  it('answers a request without a token with 401 and a challenge pointing at its metadata', async () => {
    const response = await rawPost(publicUrl);
    expect(response.status).toBe(401);
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    expect(challenge?.scheme.toLowerCase()).toBe('bearer');
    expect(challenge!.params.resource_metadata).toBe(metadataUrl);
    // The scopes to start with: by default every scope the tools use (OAUTH_CHALLENGE_SCOPES narrows it).
    expect(scopeSet(challenge!.params.scope)).toEqual(new Set(definition.scopes));
    // No token was presented, so there is no error code (RFC 6750 §3.1).
    expect(challenge!.params.error).toBeUndefined();
    expect(response.headers.get('access-control-expose-headers') ?? '').toMatch(/www-authenticate/i);
  });

  it('answers 401 invalid_token for a malformed token, a foreign audience and a token in the query string', async () => {
    const garbage = await rawPost(publicUrl, { authorization: 'Bearer not-a-jwt' });
    expect(garbage.status).toBe(401);
    const garbageChallenge = parseChallenge(garbage.headers.get('www-authenticate'))!;
    expect(garbageChallenge.params.error).toBe('invalid_token');
    expect(garbageChallenge.params.resource_metadata).toBe(metadataUrl);

    // Validly signed by the right issuer, but for another resource: RFC 8707 audience check.
    const foreign = await token(['tickets:read'], undefined, { resource: 'http://127.0.0.1:1/some-other-api' });
    expect(decodeJwt(foreign).aud).toBe('http://127.0.0.1:1/some-other-api');
    const wrongAudience = await rawPost(publicUrl, { authorization: `Bearer ${foreign}` });
    expect(wrongAudience.status).toBe(401);
    expect(parseChallenge(wrongAudience.headers.get('www-authenticate'))!.params.error).toBe('invalid_token');

    // Wrong scheme, and a good token in the query string: both are no token at all.
    const good = await token(['tickets:read']);
    const basic = await rawPost(publicUrl, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    expect(basic.status).toBe(401);
    const query = await rawPost(`${publicUrl}?access_token=${good}`);
    expect(query.status).toBe(401);
    // ...while the same token in the header is accepted.
    const accepted = await rawPost(publicUrl, { authorization: `Bearer ${good}` });
    expect(accepted.status).toBe(200);
  });

  it('checks every claim of a token the AS signed: exp, nbf, iat, iss, aud and typ, and reads scopes from scp', async () => {
    const now = Math.floor(Date.now() / 1000);
    const statusWith = async (customize: NonNullable<TokenOptions['customize']>) => {
      const response = await rawPost(publicUrl, { authorization: `Bearer ${await token(['tickets:read'], undefined, { customize })}` });
      return { status: response.status, error: parseChallenge(response.headers.get('www-authenticate'))?.params.error };
    };
    const refused = { status: 401, error: 'invalid_token' };
    // Beyond the clock tolerance (30 s by default) in either direction.
    expect(await statusWith(({ payload }) => void Object.assign(payload, { iat: now - 900, exp: now - 600 }))).toEqual(refused);
    expect(await statusWith(({ payload }) => void (payload.nbf = now + 600))).toEqual(refused);
    expect(await statusWith(({ payload }) => void (payload.iat = now + 600))).toEqual(refused);
    expect(await statusWith(({ payload }) => void delete payload.exp)).toEqual(refused);
    expect(await statusWith(({ payload }) => void (payload.iss = 'http://127.0.0.1:1'))).toEqual(refused);
    expect(await statusWith(({ payload }) => void (payload.aud = `${publicUrl}-admin`))).toEqual(refused);
    expect(await statusWith(({ payload }) => void (payload.aud = new URL('/', publicUrl).href))).toEqual(refused);
    // Within the clock tolerance, and audiences that name this server: one trailing slash and the case of scheme and
    // host do not matter; an array needs to contain it.
    expect((await statusWith(({ payload }) => void (payload.nbf = now + 10))).status).toBe(200);
    expect((await statusWith(({ payload }) => void (payload.aud = `${publicUrl}/`))).status).toBe(200);
    expect((await statusWith(({ payload }) => void (payload.aud = publicUrl.replace('http://127.0.0.1', 'HTTP://127.0.0.1')))).status).toBe(200);
    expect((await statusWith(({ payload }) => void (payload.aud = ['https://api.example.com', publicUrl]))).status).toBe(200);
    // RFC 9068 asks for typ at+jwt (what the AS sends); plain JWT is accepted too.
    expect((await statusWith((jwt) => void (jwt.header = { typ: 'JWT' }))).status).toBe(200);

    const scp = await token([], undefined, { customize: ({ payload }) => void Object.assign(payload, { scope: undefined, scp: ['tickets:read'] }) });
    expect(decodeJwt(scp).scope).toBeUndefined();
    const connection = await connectWith(scp);
    expect(names((await connection.client.listTools()).tools)).toEqual(['getTicket', 'listTenantTickets', 'listTickets', 'serviceStatus']);
  });

  it('serves its protected resource metadata (RFC 9728) at the path-suffixed and the root well-known URL', async () => {
    const response = await fetch(metadataUrl, { headers: { origin: 'http://elsewhere.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata.resource).toBe(publicUrl);
    expect(metadata.authorization_servers).toEqual([as.issuer]);
    expect(metadata.bearer_methods_supported).toEqual(['header']);
    expect(typeof metadata.resource_name).toBe('string');
    expect([...(metadata.scopes_supported as string[])].sort()).toEqual([...definition.scopes].sort());

    const root = await fetch(new URL('/.well-known/oauth-protected-resource', publicUrl));
    expect(root.status).toBe(200);
    expect(await root.json()).toEqual(metadata);
  });

  it('lists to a tickets:read token exactly the tools it may call, and lets it call them', async () => {
    const connection = await connectWith(await token(['tickets:read']));
    const { tools } = await connection.client.listTools();
    // Public serviceStatus is included; escalateTicket needs tickets:write or (tickets:read AND tickets:triage).
    expect(names(tools)).toEqual(['getTicket', 'listTenantTickets', 'listTickets', 'serviceStatus']);
    expect(names(tools)).toEqual(expectedVisible(definition, ['tickets:read']));

    upstream.received.length = 0;
    const listed = (await connection.client.callTool({ name: 'listTickets', arguments: { status: 'open' } })) as CallToolResult;
    expect(listed.isError).toBeFalsy();
    const status = (await connection.client.callTool({ name: 'serviceStatus', arguments: {} })) as CallToolResult;
    expect(status.isError).toBeFalsy();
    expect(upstream.received.map((request) => `${request.method} ${request.url}`)).toEqual(['GET /v1/tickets?status=open', 'GET /v1/status']);
    expect(upstream.received[0]!.headers.authorization).toBe('Bearer upstream-static');
  });

  it('refuses createTicket to a tickets:read token with 403 insufficient_scope naming every scope needed, before calling upstream', async () => {
    const connection = await connectWith(await token(['tickets:read']));
    upstream.received.length = 0;
    const challenge = await expectStepUp(connection, 'createTicket', { body: { subject: 'printer on fire' } });
    expect(challenge.error).toBe('insufficient_scope');
    expect(challenge.resource_metadata).toBe(metadataUrl);
    // The scope the tool needs, plus what the token already holds (a v1 SDK client replaces its scopes with these).
    expect(scopeSet(challenge.scope)).toEqual(new Set(['tickets:write', 'tickets:read']));
    expect(challenge.error_description).toBeTruthy();
    expect(upstream.received).toHaveLength(0);
  });

  it('challenges with the OR alternative that misses fewest scopes, plus the scopes the token holds', async () => {
    // escalateTicket needs [tickets:write] OR [tickets:read AND tickets:triage]: a reports:read token misses one scope
    // of the first alternative and two of the second.
    const connection = await connectWith(await token(['reports:read']));
    const challenge = await expectStepUp(connection, 'escalateTicket', { ticketId: 3 });
    expect(challenge.error).toBe('insufficient_scope');
    expect(scopeSet(challenge.scope)).toEqual(new Set(['tickets:write', 'reports:read']));
  });

  it('lets the broader tickets:admin scope satisfy the narrower ones (scope hierarchy)', async () => {
    const admin = await token(['tickets:admin']);
    expect(decodeJwt(admin).scope).toBe('tickets:admin');
    const connection = await connectWith(admin);
    const { tools } = await connection.client.listTools();
    // Everything about tickets, except deleteTicket, which also needs the supervisor role.
    expect(names(tools)).toEqual(['createTicket', 'escalateTicket', 'getTicket', 'listTenantTickets', 'listTickets', 'serviceStatus']);
    upstream.received.length = 0;
    const list = (await connection.client.callTool({ name: 'listTickets', arguments: {} })) as CallToolResult;
    const get = (await connection.client.callTool({ name: 'getTicket', arguments: { ticketId: 42 } })) as CallToolResult;
    const create = (await connection.client.callTool({ name: 'createTicket', arguments: { body: { subject: 'printer on fire' } } })) as CallToolResult;
    expect(list.isError).toBeFalsy();
    expect(get.isError).toBeFalsy();
    expect(create.isError).toBeFalsy();
    expect(upstream.received.map((request) => `${request.method} ${request.url}`)).toEqual(['GET /v1/tickets', 'GET /v1/tickets/42', 'POST /v1/tickets']);

    // A step-up from a broad scope keeps it in the challenge, or a client replacing its scopes would lose it.
    const analyst = await connectWith(await token(['tickets:admin'], { roles: ['analyst'] }));
    const challenge = await expectStepUp(analyst, 'dailyReport', {});
    expect(scopeSet(challenge.scope)).toEqual(new Set(['reports:read', 'tickets:admin']));
  });

  it('hides a role-restricted tool from a token without the role and refuses a direct call as a tool error, without step-up', async () => {
    const connection = await connectWith(await token(['tickets:write', 'tickets:delete']));
    const { tools } = await connection.client.listTools();
    expect(names(tools)).not.toContain('deleteTicket');
    expect(names(tools)).toContain('createTicket');

    upstream.received.length = 0;
    const result = (await connection.client.callTool({ name: 'deleteTicket', arguments: { ticketId: 7 } })) as CallToolResult;
    const answered = connection.lastPost();
    expect(answered.status).toBe(200);
    expect(answered.headers.get('www-authenticate')).toBeNull();
    expect(result.isError).toBe(true);
    // Told it may not, without naming roles or policy internals.
    expect(textOf(result)).not.toMatch(/supervisor|role/i);
    expect(upstream.received).toHaveLength(0);
  });

  it('shows and runs the role-restricted tool for a token carrying the role', async () => {
    const supervisor = await token(['tickets:write', 'tickets:delete'], { roles: ['supervisor'] });
    expect(decodeJwt(supervisor).roles).toEqual(['supervisor']);
    const connection = await connectWith(supervisor);
    const { tools } = await connection.client.listTools();
    expect(names(tools)).toContain('deleteTicket');
    expect(names(tools)).toEqual(expectedVisible(definition, ['tickets:write', 'tickets:delete'], ['supervisor']));

    upstream.received.length = 0;
    const result = (await connection.client.callTool({ name: 'deleteTicket', arguments: { ticketId: 7 } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(upstream.received.map((request) => `${request.method} ${request.url}`)).toEqual(['DELETE /v1/tickets/7']);
    // #12: deleteTicket asks the user first (a DELETE), in plain words naming the ticket; approved, it ran.
    expect(connection.questions).toHaveLength(1);
    expect(connection.questions[0]).toContain('DELETE /tickets/{ticketId}');
    expect(connection.questions[0]).toContain('ticketId: 7');
    expect(connection.questions[0]).toContain('This cannot be undone.');

    // A role claim as a space separated string counts as well; a role without the scopes is not enough.
    const analyst = await connectWith(await token(['reports:read'], { roles: 'analyst viewer' }));
    expect(names((await analyst.client.listTools()).tools)).toEqual(['dailyReport', 'serviceStatus']);
    const roleOnly = await connectWith(await token([], { roles: ['supervisor', 'analyst'] }));
    expect(names((await roleOnly.client.listTools()).tools)).toEqual(['serviceStatus']);
  });

  it('picks up a rotated signing key at the authorization server without a restart', async () => {
    const before = await token(['tickets:read']);
    const oldKid = decodeProtectedHeader(before).kid;
    expect((await rawPost(publicUrl, { authorization: `Bearer ${before}` })).status).toBe(200);
    const jwksFetches = () => as.events.filter((event) => event.type === 'jwks');
    expect(jwksFetches().length).toBeGreaterThan(0);

    const newKid = await as.rotateKeys();
    const after = await token(['tickets:read']);
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    expect(newKid).not.toBe(oldKid);

    // An unknown kid refetches the JWKS at most once per cooldown (30 s in the runtime, jose's default): wait until
    // the last fetch is that old, so the first request with the new kid must trigger exactly one refetch.
    const last = jwksFetches().at(-1)!;
    const wait = (last.type === 'jwks' ? last.at : 0) + JWKS_COOLDOWN_MS + 500 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const fetchesBefore = jwksFetches().length;

    const connection = await connectWith(after);
    expect(names((await connection.client.listTools()).tools)).toEqual(['getTicket', 'listTenantTickets', 'listTickets', 'serviceStatus']);
    expect(jwksFetches().length).toBe(fetchesBefore + 1);
    // The old key is still published, so tokens signed before the rotation stay valid until they expire.
    expect((await rawPost(publicUrl, { authorization: `Bearer ${before}` })).status).toBe(200);
    expect(jwksFetches().length).toBe(fetchesBefore + 1);
  }, JWKS_COOLDOWN_MS + 30_000);

  it('never lets a caller token reach the upstream: only the configured credential is sent', () => {
    expect(issued.length).toBeGreaterThan(5);
    expect(everything.length).toBeGreaterThanOrEqual(6);
    expect(everything.some((request) => request.body.length > 0)).toBe(true);
    for (const request of everything) {
      const wire = [request.url, ...request.rawHeaders, request.body.toString('latin1')].join('\n');
      for (const value of issued) expect(wire).not.toContain(value);
      if (request.url !== '/v1/status') expect(request.headers.authorization).toBe('Bearer upstream-static');
    }
  });

  it('writes one JSON audit line per decision to AUDIT_LOG, never a token or secret, and nothing to stdout', async () => {
    const text = await readFile(auditLog, 'utf8');
    const lines = text.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(10);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries) {
      expect(['allow', 'deny']).toContain(entry.decision);
      expect(typeof entry.time).toBe('string');
      expect(typeof entry.requestId).toBe('string');
      expect(typeof entry.reason).toBe('string');
    }
    // The unauthenticated request, the scope refusal, the role refusal and the allowed destructive call.
    expect(entries.some((entry) => entry.decision === 'deny' && entry.reason === 'missing_token')).toBe(true);
    expect(entries.some((entry) => entry.decision === 'deny' && String(entry.reason).startsWith('invalid_token'))).toBe(true);
    expect(entries).toContainEqual(
      expect.objectContaining({
        tool: 'createTicket',
        decision: 'deny',
        reason: 'insufficient_scope',
        clientId,
        subject: clientId,
        requiredScopes: [['tickets:write']],
        grantedScopes: ['tickets:read'],
      }),
    );
    expect(entries).toContainEqual(expect.objectContaining({ tool: 'deleteTicket', decision: 'deny', reason: 'role', clientId }));
    expect(entries).toContainEqual(expect.objectContaining({ tool: 'deleteTicket', decision: 'allow', clientId, upstreamStatus: 200 }));
    for (const value of issued) {
      expect(text).not.toContain(value);
      // Not even the signature part alone.
      expect(text).not.toContain(value.split('.')[2]!);
      expect(server.stderr()).not.toContain(value.split('.')[2]!);
    }
    expect(text).not.toContain('upstream-static');
    expect(text).not.toContain('printer on fire');
    expect(server.stderr()).not.toContain('upstream-static');
    expect(stdout).toBe('');
  });
});

describe('a custom roles claim path (OAUTH_ROLES_CLAIM)', () => {
  let as: AuthorizationServer;
  let upstream: RecordingUpstream;
  let server: RunningServer;
  let client: Client | undefined;

  beforeAll(async () => {
    const definition = await toolsJson('helpdesk');
    upstream = await startRecordingUpstream();
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}/mcp`;
    as = await startAuthorizationServer({ resource: publicUrl, scopes: definition.scopes, clients: [{ clientId: 'kc', clientSecret: 'kc-secret' }] });
    server = await startGenerated('helpdesk', {
      PORT: String(port),
      MCP_PUBLIC_URL: publicUrl,
      OAUTH_ISSUER: as.issuer,
      OAUTH_ROLES_CLAIM: 'realm_access.roles',
      UPSTREAM_BASE_URL: `${upstream.origin}/v1`,
      UPSTREAM_HELPDESK_OAUTH_TOKEN: 'upstream-static',
    });
  }, 180_000);

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await server?.stop();
    await upstream?.close();
    await as?.close();
  });

  it('reads roles from a nested claim (Keycloak style) and ignores a top-level roles claim', async () => {
    const nested = await as.clientCredentialsToken('kc', ['tickets:write', 'tickets:delete'], { realm_access: { roles: ['supervisor'] } });
    let connection = await connect(server.url, nested);
    client = connection.client;
    expect(names((await connection.client.listTools()).tools)).toContain('deleteTicket');
    await connection.close();

    const topLevel = await as.clientCredentialsToken('kc', ['tickets:write', 'tickets:delete'], { roles: ['supervisor'] });
    connection = await connect(server.url, topLevel);
    client = connection.client;
    expect(names((await connection.client.listTools()).tools)).not.toContain('deleteTicket');
  });
});

describe('generated/petstore as an OAuth resource server', () => {
  let definition: ToolsJson;
  let as: AuthorizationServer;
  let upstream: RecordingUpstream;
  let server: RunningServer;
  const open: Connection[] = [];

  beforeAll(async () => {
    definition = await toolsJson('petstore');
    upstream = await startRecordingUpstream();
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}/mcp`;
    as = await startAuthorizationServer({ resource: publicUrl, scopes: definition.scopes });
    server = await startGenerated('petstore', {
      PORT: String(port),
      MCP_PUBLIC_URL: publicUrl,
      OAUTH_ISSUER: as.issuer,
      UPSTREAM_BASE_URL: `${upstream.origin}/v3`,
      UPSTREAM_API_KEY_API_KEY: 'key-1',
      UPSTREAM_PETSTORE_AUTH_TOKEN: 'oauth-1',
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(open.map((connection) => connection.close()));
    await server?.stop();
    await upstream?.close();
    await as?.close();
  });

  it('shows the pet tools only to a token with write:pets and read:pets (both are required)', async () => {
    const both = await connect(server.url, await as.clientCredentialsToken('cc-client', ['write:pets', 'read:pets']));
    open.push(both);
    const all = names((await both.client.listTools()).tools);
    expect(all).toHaveLength(20);
    expect(all).toEqual(expectedVisible(definition, ['write:pets', 'read:pets']));

    const readOnly = await connect(server.url, await as.clientCredentialsToken('cc-client', ['read:pets']));
    open.push(readOnly);
    const some = names((await readOnly.client.listTools()).tools);
    expect(some).toEqual(expectedVisible(definition, ['read:pets']));
    expect(some).not.toContain('findPetsByStatus');
    expect(some).toContain('getPetById');
    expect(some).toHaveLength(13);

    const challenge = await expectStepUp(readOnly, 'findPetsByStatus', { status: ['available'] });
    expect(challenge.error).toBe('insufficient_scope');
    expect(scopeSet(challenge.scope)).toEqual(new Set(['read:pets', 'write:pets']));

    upstream.received.length = 0;
    const found = (await both.client.callTool({ name: 'findPetsByStatus', arguments: { status: ['available'] } })) as CallToolResult;
    expect(found.isError).toBeFalsy();
    expect(upstream.received[0]!.url).toBe('/v3/pet/findByStatus?status=available');
    expect(upstream.received[0]!.headers.authorization).toBe('Bearer oauth-1');
  });
});

describe('generated/gmail (a real vendor spec with 14 scopes) as an OAuth resource server', () => {
  let definition: ToolsJson;
  let as: AuthorizationServer;
  let upstream: RecordingUpstream;
  let server: RunningServer;
  let connection: Connection | undefined;

  beforeAll(async () => {
    definition = await toolsJson('gmail');
    upstream = await startRecordingUpstream();
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}/mcp`;
    as = await startAuthorizationServer({ resource: publicUrl, scopes: definition.scopes });
    server = await startGenerated('gmail', {
      PORT: String(port),
      MCP_PUBLIC_URL: publicUrl,
      OAUTH_ISSUER: as.issuer,
      UPSTREAM_BASE_URL: `${upstream.origin}/`,
      // The spec requires both schemes together (one security requirement naming Oauth2 and Oauth2c).
      UPSTREAM_OAUTH2_TOKEN: 'google-upstream',
      UPSTREAM_OAUTH2C_TOKEN: 'google-upstream',
    });
  }, 180_000);

  afterAll(async () => {
    await connection?.close().catch(() => undefined);
    await server?.stop();
    await upstream?.close();
    await as?.close();
  });

  it('shows a gmail.readonly token the read tools but not send, and challenges send with a sending scope', async () => {
    const readonly = 'https://www.googleapis.com/auth/gmail.readonly';
    connection = await connect(server.url, await as.clientCredentialsToken('cc-client', [readonly]));
    const visible = names((await connection.client.listTools()).tools);
    expect(visible).toEqual(expectedVisible(definition, [readonly]));
    expect(visible).toContain('gmail_users_messages_list');
    expect(visible).toContain('gmail_users_messages_get');
    expect(visible).not.toContain('gmail_users_messages_send');
    expect(visible).not.toContain('gmail_users_drafts_create');

    const challenge = await expectStepUp(connection, 'gmail_users_messages_send', { userId: 'me', body: { raw: 'eA' } });
    expect(challenge.error).toBe('insufficient_scope');
    const requested = scopeSet(challenge.scope);
    const sendAlternatives = definition.tools.find((tool) => tool.name === 'gmail_users_messages_send')!.scopes;
    // One whole alternative of the operation (each is a single scope here), plus the scope the token holds.
    expect(sendAlternatives.some((all) => all.every((scope) => requested.has(scope)))).toBe(true);
    expect(requested.has(readonly)).toBe(true);

    upstream.received.length = 0;
    const listed = (await connection.client.callTool({ name: 'gmail_users_messages_list', arguments: { userId: 'me' } })) as CallToolResult;
    expect(listed.isError, textOf(listed)).toBeFalsy();
    expect(upstream.received[0]!.url).toMatch(/^\/gmail\/v1\/users\/me\/messages/);
    expect(upstream.received[0]!.headers.authorization).toBe('Bearer google-upstream');
  });
});
