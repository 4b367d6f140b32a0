/**
 * #11 Acting as the user upstream: the exchange settings, the exact token endpoint requests of both kinds, the
 * per-caller-token cache, refused versus unreachable token endpoints, and what reaches the upstream and the audit.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createAuditTrail, recordUpstreamStatus } from '../../templates/runtime/audit-trail.js';
import type { AuditRecord } from '../../templates/runtime/audit.js';
import { exchangeUnavailableWarning, loadUpstreamCredentials, refusalAdvice } from '../../templates/runtime/credentials.js';
import type { ToolDefinition, UpstreamSchemeDefinition } from '../../templates/runtime/definition.js';
import { SettingError } from '../../templates/runtime/errors.js';
import { CallerToken, createTokenExchanger, ExchangeError, exchangeRequest, readExchangeSettings } from '../../templates/runtime/token-exchange.js';
import type { CachedExchange, ExchangeConfig, ExchangedTokenStore } from '../../templates/runtime/token-exchange.js';
import { callUpstream } from '../../templates/runtime/upstream.js';
import type { UpstreamCallFacts } from '../../templates/runtime/upstream.js';

const SCHEMES = {
  bearer: { name: 'bearer', envPrefix: 'UP_BEARER', type: 'bearer' },
  token: { name: 'token', envPrefix: 'UP_TOKEN', type: 'oauth2Token' },
  cc: { name: 'cc', envPrefix: 'UP_CC', type: 'oauth2ClientCredentials', tokenUrl: 'https://as.example.com/token', scopes: ['read'] },
  key: { name: 'key', envPrefix: 'UP_KEY', type: 'apiKey', in: 'header', parameterName: 'x-api-key' },
  basic: { name: 'basic', envPrefix: 'UP_BASIC', type: 'basic' },
  mutual: { name: 'mutual', envPrefix: 'UP_MTLS', type: 'unsupported', reason: 'mutual TLS is not supported' },
} satisfies Record<string, UpstreamSchemeDefinition>;

const EXCHANGE_ENV = {
  UP_TOKEN_EXCHANGE: 'token-exchange',
  UP_TOKEN_TOKEN_URL: 'https://as.example.com/token',
  UP_TOKEN_CLIENT_ID: 'mcp-server',
  UP_TOKEN_CLIENT_SECRET: 's3cr:et',
  UP_TOKEN_AUDIENCE: 'helpdesk-api',
  UP_TOKEN_RESOURCE: 'https://api.example.com/',
  UP_TOKEN_SCOPE: 'tickets:read tickets:write',
};

const CALLER_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.caller-signature-AAAA';

function tool(upstreamSecurity: string[][] = [['token']]): ToolDefinition {
  return {
    name: 'list_tickets', description: '', annotations: {}, inputSchema: { type: 'object' }, definitions: [], method: 'GET', path: '/tickets',
    parameters: [], scopes: [], roles: [], upstreamSecurity, source: '#/paths/~1tickets/get',
  };
}

function settingError(run: () => unknown): SettingError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SettingError);
    return error as SettingError;
  }
  throw new Error('expected a SettingError');
}

/** A JWT-shaped token whose payload has `sub` (unsigned: only its shape matters to the runtime's audit). */
function jwtFor(sub: string, n: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'at+jwt' })}.${part({ sub, aud: 'helpdesk-api', n })}.sig${n}`;
}

/** A token endpoint as a fetch: records each request and answers with `answer` (default: a token for the subject). */
function tokenEndpoint(answer?: (body: URLSearchParams, n: number) => Response | Promise<Response>) {
  const requests: { url: string; headers: Headers; body: URLSearchParams }[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const body = new URLSearchParams(String(init?.body));
    requests.push({ url: String(input), headers: new Headers(init?.headers), body });
    if (answer) return answer(body, requests.length);
    const subject = String(body.get('subject_token') ?? body.get('assertion')).split('.')[1] ?? '';
    const sub = (JSON.parse(Buffer.from(subject, 'base64url').toString()) as { sub: string }).sub;
    return Response.json({ access_token: jwtFor(sub, requests.length), token_type: 'Bearer', expires_in: 600, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' });
  };
  return { requests, fetch: fetchImpl };
}

/** A caller token for `sub`, JWT-shaped, distinct per `tag`. */
function callerToken(sub: string, tag = 'a', expiresAt?: number): CallerToken {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return new CallerToken(`${part({ alg: 'RS256' })}.${part({ sub })}.caller-${tag}`, expiresAt, sub);
}

describe('#11 exchange settings', () => {
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ['an unknown EXCHANGE value, listing the allowed ones', { ...EXCHANGE_ENV, UP_TOKEN_EXCHANGE: 'impersonate' }, 'UP_TOKEN_EXCHANGE', /"impersonate" is not one of token-exchange, entra-obo/],
    ['EXCHANGE on an apiKey scheme', { UP_KEY_EXCHANGE: 'token-exchange' }, 'UP_KEY_EXCHANGE', /not an OAuth 2\.0, OpenID Connect or HTTP bearer scheme/],
    ['EXCHANGE on a basic scheme', { UP_BASIC_EXCHANGE: 'token-exchange' }, 'UP_BASIC_EXCHANGE', /not an OAuth 2\.0/],
    ['EXCHANGE on an unsupported scheme', { UP_MTLS_EXCHANGE: 'entra-obo' }, 'UP_MTLS_EXCHANGE', /not an OAuth 2\.0/],
    ['a missing token URL', { ...EXCHANGE_ENV, UP_TOKEN_TOKEN_URL: '' }, 'UP_TOKEN_TOKEN_URL', /is required when UP_TOKEN_EXCHANGE is set/],
    ['a plain http token URL off loopback', { ...EXCHANGE_ENV, UP_TOKEN_TOKEN_URL: 'http://as.example.com/token' }, 'UP_TOKEN_TOKEN_URL', /must use https/],
    ['a relative token URL', { ...EXCHANGE_ENV, UP_TOKEN_TOKEN_URL: '/token' }, 'UP_TOKEN_TOKEN_URL', /is not an absolute URL/],
    ['a missing client ID', { ...EXCHANGE_ENV, UP_TOKEN_CLIENT_ID: '' }, 'UP_TOKEN_CLIENT_ID', /is required when UP_TOKEN_EXCHANGE is set/],
    ['a missing client secret', { ...EXCHANGE_ENV, UP_TOKEN_CLIENT_SECRET: '' }, 'UP_TOKEN_CLIENT_SECRET', /is required when UP_TOKEN_EXCHANGE is set/],
    ['a client secret with a newline', { ...EXCHANGE_ENV, UP_TOKEN_CLIENT_SECRET: 'a\nb' }, 'UP_TOKEN_CLIENT_SECRET', /contains CR, LF or NUL/],
    ['a malformed scope', { ...EXCHANGE_ENV, UP_TOKEN_SCOPE: 'read "write"' }, 'UP_TOKEN_SCOPE', /is not a scope token/],
    ['a resource with a fragment', { ...EXCHANGE_ENV, UP_TOKEN_RESOURCE: 'https://api.example.com/#x' }, 'UP_TOKEN_RESOURCE', /must not contain a fragment/],
    ['a relative resource', { ...EXCHANGE_ENV, UP_TOKEN_RESOURCE: 'api' }, 'UP_TOKEN_RESOURCE', /is not an absolute URI/],
    ['an audience with control characters', { ...EXCHANGE_ENV, UP_TOKEN_AUDIENCE: 'a\u0007b' }, 'UP_TOKEN_AUDIENCE', /control characters/],
    ['entra-obo without a scope', { ...EXCHANGE_ENV, UP_TOKEN_EXCHANGE: 'entra-obo', UP_TOKEN_SCOPE: '', UP_TOKEN_AUDIENCE: '', UP_TOKEN_RESOURCE: '' }, 'UP_TOKEN_SCOPE', /is required with UP_TOKEN_EXCHANGE=entra-obo/],
    ['entra-obo with an audience', { ...EXCHANGE_ENV, UP_TOKEN_EXCHANGE: 'entra-obo', UP_TOKEN_RESOURCE: '' }, 'UP_TOKEN_AUDIENCE', /is not used with UP_TOKEN_EXCHANGE=entra-obo/],
    ['a fixed token next to the exchange', { ...EXCHANGE_ENV, UP_TOKEN_TOKEN: 'static' }, 'UP_TOKEN_TOKEN', /must not be set with UP_TOKEN_EXCHANGE/],
    ['an exchange variable without EXCHANGE', { UP_TOKEN_AUDIENCE: 'helpdesk-api' }, 'UP_TOKEN_AUDIENCE', /is only read when UP_TOKEN_EXCHANGE is set/],
    ['a client ID on a bearer scheme without EXCHANGE', { UP_BEARER_CLIENT_ID: 'x' }, 'UP_BEARER_CLIENT_ID', /is only read when UP_BEARER_EXCHANGE is set/],
    ['a resource on a client credentials scheme without EXCHANGE', { UP_CC_RESOURCE: 'https://api.example.com/' }, 'UP_CC_RESOURCE', /is only read when UP_CC_EXCHANGE is set/],
  ];
  it.each(cases)('#11 refuses %s, naming the variable with an example', (_what, env, variable, problem) => {
    const error = settingError(() => loadUpstreamCredentials(SCHEMES, env));
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(problem);
    expect(error.message).toContain(`Example: ${variable}=`);
    // The secret is never echoed.
    expect(error.message).not.toContain('s3cr');
  });

  it('#11 reads a complete token-exchange configuration and an entra-obo one', () => {
    expect(readExchangeSettings(SCHEMES.token, EXCHANGE_ENV)).toEqual({
      scheme: 'token', envPrefix: 'UP_TOKEN', kind: 'token-exchange', tokenUrl: 'https://as.example.com/token', clientId: 'mcp-server',
      clientSecret: 's3cr:et', audience: 'helpdesk-api', resource: 'https://api.example.com/', scope: 'tickets:read tickets:write',
    });
    const entra = readExchangeSettings(SCHEMES.bearer, {
      UP_BEARER_EXCHANGE: 'entra-obo', UP_BEARER_TOKEN_URL: 'https://login.microsoftonline.com/tenant/oauth2/v2.0/token',
      UP_BEARER_CLIENT_ID: 'app', UP_BEARER_CLIENT_SECRET: 'secret', UP_BEARER_SCOPE: 'api://upstream/.default',
    });
    expect(entra).toMatchObject({ kind: 'entra-obo', scope: 'api://upstream/.default', audience: undefined, resource: undefined });
    // A client credentials scheme exchanges at its own token URL with its own scopes and client.
    expect(readExchangeSettings(SCHEMES.cc, { UP_CC_EXCHANGE: 'token-exchange', UP_CC_CLIENT_ID: 'id', UP_CC_CLIENT_SECRET: 'secret' }))
      .toMatchObject({ tokenUrl: 'https://as.example.com/token', scope: 'read', clientId: 'id' });
    expect(readExchangeSettings(SCHEMES.token, {})).toBeUndefined();
  });

  it('#11 counts an exchanging scheme as configured, and warns over stdio naming the tools that cannot use it', () => {
    const credentials = loadUpstreamCredentials(SCHEMES, EXCHANGE_ENV);
    expect(credentials.configuredSchemes).toEqual(['token']);
    expect(credentials.exchangingSchemes).toEqual(['token']);
    expect(credentials.missing([tool()])).toEqual([]);
    expect(exchangeUnavailableWarning(credentials, [tool(), tool([['key']])])).toBe(
      'security scheme "token" acts for the signed-in user upstream (token exchange), which needs a caller\'s access token: over stdio (or with AUTH_MODE=none) there is none, so tool list_tickets will refuse to call the API',
    );
    expect(exchangeUnavailableWarning(loadUpstreamCredentials(SCHEMES, {}), [tool()])).toBeUndefined();
  });
});

describe('#11 exchange requests', () => {
  const config = readExchangeSettings(SCHEMES.token, EXCHANGE_ENV)!;

  it('#11 token-exchange posts exactly the RFC 8693 §2.1 form with client_secret_basic', () => {
    const { headers, body } = exchangeRequest(config, CALLER_TOKEN);
    expect([...body]).toEqual([
      ['grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'],
      ['subject_token', CALLER_TOKEN],
      ['subject_token_type', 'urn:ietf:params:oauth:token-type:access_token'],
      ['requested_token_type', 'urn:ietf:params:oauth:token-type:access_token'],
      ['audience', 'helpdesk-api'],
      ['resource', 'https://api.example.com/'],
      ['scope', 'tickets:read tickets:write'],
    ]);
    // RFC 6749 §2.3.1: each part form-urlencoded (":" → %3A) before base64; no client secret in the body.
    expect(headers).toEqual({
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      authorization: `Basic ${Buffer.from('mcp-server:s3cr%3Aet').toString('base64')}`,
    });
  });

  it('#11 token-exchange leaves out audience, resource and scope when they are not set', () => {
    const { body } = exchangeRequest({ ...config, audience: undefined, resource: undefined, scope: undefined }, CALLER_TOKEN);
    expect([...body.keys()]).toEqual(['grant_type', 'subject_token', 'subject_token_type', 'requested_token_type']);
  });

  it('#11 entra-obo posts the jwt-bearer on-behalf-of form with the client in the body and no Authorization', () => {
    const entra: ExchangeConfig = { ...config, kind: 'entra-obo', audience: undefined, resource: undefined, scope: 'api://upstream/.default' };
    const { headers, body } = exchangeRequest(entra, CALLER_TOKEN);
    expect([...body]).toEqual([
      ['grant_type', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
      ['client_id', 'mcp-server'],
      ['client_secret', 's3cr:et'],
      ['assertion', CALLER_TOKEN],
      ['scope', 'api://upstream/.default'],
      ['requested_token_use', 'on_behalf_of'],
    ]);
    expect(headers).toEqual({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' });
  });

  it('#11 a caller token shows no token when serialized or inspected', () => {
    const caller = new CallerToken(CALLER_TOKEN, 1, 'alice');
    expect(JSON.stringify({ caller })).not.toContain('caller-signature');
    expect(inspect({ caller }, { depth: 5, showHidden: true })).not.toContain('caller-signature');
    expect(String(new ExchangeError('x', false))).not.toContain('caller-signature');
  });
});

describe('#11 the exchanged token cache', () => {
  const config = readExchangeSettings(SCHEMES.token, EXCHANGE_ENV)!;

  it('#11 exchanges once per caller token, again for another caller, and never hands one caller another\'s token', async () => {
    const endpoint = tokenEndpoint();
    const exchange = createTokenExchanger(config, { fetch: endpoint.fetch, now: () => 1_000_000, timeoutMs: 1000 });
    const alice = callerToken('alice', 'a');
    const first = await exchange(alice);
    const again = await exchange(callerToken('alice', 'a'));
    const bob = await exchange(callerToken('bob', 'b'));
    expect(endpoint.requests).toHaveLength(2);
    expect(again).toEqual(first);
    expect(first.onBehalfOf).toBe('alice');
    expect(bob.onBehalfOf).toBe('bob');
    expect(bob.token).not.toBe(first.token);
    // The same user with a new token (a new session) is another cache entry.
    await exchange(callerToken('alice', 'a2'));
    expect(endpoint.requests).toHaveLength(3);
  });

  it('#11 shares one in-flight exchange between concurrent calls of the same caller token', async () => {
    const endpoint = tokenEndpoint();
    const exchange = createTokenExchanger(config, { fetch: endpoint.fetch, now: () => 0, timeoutMs: 1000 });
    const results = await Promise.all([1, 2, 3].map(() => exchange(callerToken('alice'))));
    expect(endpoint.requests).toHaveLength(1);
    expect(new Set(results.map((result) => result.token)).size).toBe(1);
  });

  it('#11 re-exchanges shortly before expires_in elapses (30 s margin)', async () => {
    let now = 0;
    const endpoint = tokenEndpoint();
    const exchange = createTokenExchanger(config, { fetch: endpoint.fetch, now: () => now, timeoutMs: 1000 });
    await exchange(callerToken('alice'));
    now = 569_999;
    await exchange(callerToken('alice'));
    expect(endpoint.requests).toHaveLength(1);
    now = 570_000;
    await exchange(callerToken('alice'));
    expect(endpoint.requests).toHaveLength(2);
  });

  it('#11 never keeps an exchanged token past the caller token\'s own exp', async () => {
    let now = 1_000_000;
    const endpoint = tokenEndpoint();
    const exchange = createTokenExchanger(config, { fetch: endpoint.fetch, now: () => now, timeoutMs: 1000 });
    // The caller's token expires in 100 s; the exchanged one would live 600 s.
    const caller = () => callerToken('alice', 'a', 1_100);
    await exchange(caller());
    now = 1_099_999;
    await exchange(caller());
    expect(endpoint.requests).toHaveLength(1);
    now = 1_100_000;
    await exchange(caller());
    expect(endpoint.requests).toHaveLength(2);
  });

  it('#11 keeps at most maxEntries exchanged tokens, dropping the least recently used', async () => {
    const endpoint = tokenEndpoint();
    const exchange = createTokenExchanger(config, { fetch: endpoint.fetch, now: () => 0, timeoutMs: 1000, maxEntries: 2 });
    await exchange(callerToken('a', 'a'));
    await exchange(callerToken('b', 'b'));
    await exchange(callerToken('a', 'a')); // a is now the most recently used
    await exchange(callerToken('c', 'c')); // drops b
    expect(endpoint.requests).toHaveLength(3);
    await exchange(callerToken('a', 'a'));
    expect(endpoint.requests).toHaveLength(3);
    await exchange(callerToken('b', 'b'));
    expect(endpoint.requests).toHaveLength(4);
  });
});

describe('#11 refused and unreachable exchanges', () => {
  const config = readExchangeSettings(SCHEMES.token, EXCHANGE_ENV)!;
  const fail = async (fetchImpl: typeof fetch) => {
    const exchange = createTokenExchanger(config, { fetch: fetchImpl, now: () => 0, timeoutMs: 1000 });
    const caller = new CallerToken(CALLER_TOKEN, undefined, 'alice');
    const error = await exchange(caller).then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExchangeError);
    expect((error as Error).message).not.toContain(CALLER_TOKEN);
    expect((error as Error).message).not.toContain('s3cr');
    return error as ExchangeError;
  };

  it('#11 a 400 invalid_grant is a refusal to act for the user, not retryable, with the caller token cut out of the description', async () => {
    const error = await fail(async () => Response.json({ error: 'invalid_grant', error_description: `subject_token ${CALLER_TOKEN} is revoked` }, { status: 400 }));
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'The authorization server at https://as.example.com/token refused to act for the user upstream (security scheme "token"): HTTP 400 (invalid_grant: subject_token [caller token] is revoked). The upstream API would refuse this user too.',
    );
  });

  it('#11 an unreachable token endpoint, a 5xx and a 429 are retryable', async () => {
    const unreachable = await fail(async () => { throw new TypeError('fetch failed'); });
    expect(unreachable.retryable).toBe(true);
    expect(unreachable.message).toBe('Could not get a token to act for the user from the authorization server at https://as.example.com/token (security scheme "token"): the request failed. Try again shortly.');
    expect((await fail(async () => new Response('down', { status: 503 }))).message).toContain('HTTP 503. Try again shortly.');
    expect((await fail(async () => new Response('', { status: 429 }))).retryable).toBe(true);
    expect((await fail(async () => Response.json({ access_token: CALLER_TOKEN, token_type: 'Bearer' }))).message).toContain("returned the caller's own token");
    expect((await fail(async () => Response.json({ access_token: 'x', token_type: 'N_A' }))).message).toContain('is not Bearer');
  });

  it('#11 never caches a failure: the next call exchanges again', async () => {
    let n = 0;
    const endpoint = tokenEndpoint((_body, count) => (++n, count === 1 ? new Response('', { status: 502 }) : Response.json({ access_token: jwtFor('alice', count), token_type: 'Bearer', expires_in: 60 })));
    const exchange = createTokenExchanger(config, { fetch: endpoint.fetch, now: () => 0, timeoutMs: 1000 });
    await expect(exchange(callerToken('alice'))).rejects.toThrow(ExchangeError);
    await expect(exchange(callerToken('alice'))).resolves.toMatchObject({ onBehalfOf: 'alice' });
    expect(n).toBe(2);
  });
});

describe('#11 a tool call on the user\'s behalf', () => {
  /** Runs one call of `tool()` through callUpstream with an upstream fetch that records what it receives. */
  async function call(env: Record<string, string>, tokenFetch: typeof fetch, caller: CallerToken | undefined) {
    const upstream: { url: string; headers: Headers }[] = [];
    const facts: (UpstreamCallFacts | undefined)[] = [];
    const failures: string[] = [];
    const credentials = loadUpstreamCredentials(SCHEMES, env, tokenFetch);
    const result = await callUpstream(tool(), {}, {
      baseUrl: 'https://api.example.com/v1', credentials, timeoutMs: 5000, maxResponseBytes: 10_000,
      fetch: async (input, init) => {
        upstream.push({ url: String(input), headers: new Headers(init?.headers) });
        return Response.json({ ok: true });
      },
      onResponse: (_status, fact) => void facts.push(fact),
      onExchangeFailure: (reason) => void failures.push(reason),
      ...(caller ? { caller } : {}),
    });
    return { result, upstream, facts, failures };
  }

  it('#11 sends only the exchanged token upstream and reports whom the call was for', async () => {
    const endpoint = tokenEndpoint();
    const { result, upstream, facts } = await call(EXCHANGE_ENV, endpoint.fetch, new CallerToken(CALLER_TOKEN, undefined, 'alice'));
    expect(result.isError).toBeFalsy();
    expect(upstream).toHaveLength(1);
    expect(upstream[0]!.headers.get('authorization')).toBe(`Bearer ${jwtFor('alice', 1)}`);
    expect(JSON.stringify([...upstream[0]!.headers, upstream[0]!.url])).not.toContain('caller-signature');
    expect(facts).toEqual([{ upstreamCredential: 'exchanged', onBehalfOf: 'alice' }]);
    expect(endpoint.requests[0]!.body.get('subject_token')).toBe(CALLER_TOKEN);
  });

  it('#11 records the caller\'s sub when the exchanged token is opaque', async () => {
    const endpoint = tokenEndpoint(() => Response.json({ access_token: 'opaque-exchanged', token_type: 'bearer', expires_in: 60 }));
    const { facts, upstream } = await call(EXCHANGE_ENV, endpoint.fetch, new CallerToken(CALLER_TOKEN, undefined, 'alice'));
    expect(upstream[0]!.headers.get('authorization')).toBe('Bearer opaque-exchanged');
    expect(facts).toEqual([{ upstreamCredential: 'exchanged', onBehalfOf: 'alice' }]);
  });

  it('#11 a refused exchange is a tool error and nothing is sent upstream', async () => {
    const endpoint = tokenEndpoint(() => Response.json({ error: 'invalid_grant' }, { status: 400 }));
    const { result, upstream, failures } = await call(EXCHANGE_ENV, endpoint.fetch, new CallerToken(CALLER_TOKEN, undefined, 'alice'));
    expect(result).toEqual({ isError: true, content: [{ type: 'text', text: 'The authorization server at https://as.example.com/token refused to act for the user upstream (security scheme "token"): HTTP 400 (invalid_grant). The upstream API would refuse this user too.' }] });
    expect(upstream).toHaveLength(0);
    expect(failures).toEqual(['exchange_refused']);
  });

  it('#11 an exchange that cannot be completed (token endpoint 503) is reported for the audit as exchange_unavailable', async () => {
    const endpoint = tokenEndpoint(() => new Response('', { status: 503 }));
    const { result, upstream, failures } = await call(EXCHANGE_ENV, endpoint.fetch, new CallerToken(CALLER_TOKEN, undefined, 'alice'));
    expect(result.isError).toBe(true);
    expect(upstream).toHaveLength(0);
    expect(failures).toEqual(['exchange_unavailable']);
  });

  it('#11 without a caller token (stdio) the tool refuses, saying why, and the token endpoint is not asked', async () => {
    const endpoint = tokenEndpoint();
    const { result, upstream } = await call(EXCHANGE_ENV, endpoint.fetch, undefined);
    expect(result.isError).toBe(true);
    expect(result.content[0]).toEqual({
      type: 'text',
      text: "This tool calls the upstream API on behalf of the signed-in user (UP_TOKEN_EXCHANGE=token-exchange), which needs the caller's access token: unavailable over stdio and with AUTH_MODE=none. Serve over HTTP with OAuth to use it.",
    });
    expect(upstream).toHaveLength(0);
    expect(endpoint.requests).toHaveLength(0);
  });

  it('#11 a 401 from the upstream says the token issued for the user was refused', () => {
    expect(refusalAdvice({ kind: 'sent', variables: ['UP_TOKEN_EXCHANGE'], schemes: ['token'], exchanged: { onBehalfOf: 'alice' } })).toBe(
      'the token issued for the user by the token exchange (security scheme "token") was refused: the user may lack access to the upstream API.',
    );
  });

  it('#11 the audit line records the user acted for and the exchanged credential, never a token', () => {
    const records: AuditRecord[] = [];
    const trail = createAuditTrail((record) => void records.push(record), new Map([['list_tickets', tool()]]), true);
    const started = trail.start({ headers: {} } as never);
    trail.messages({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'list_tickets' } }, started);
    started.caller = { subject: 'alice', scopes: [], roles: [] };
    recordUpstreamStatus(started, 7, 200, { upstreamCredential: 'exchanged', onBehalfOf: 'alice' });
    trail.write(started);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ subject: 'alice', tool: 'list_tickets', upstreamStatus: 200, upstreamCredential: 'exchanged', onBehalfOf: 'alice' });
  });
});


describe('#14 exchanged tokens shared by the replicas', () => {
  /** Two "replicas" (credential sets of one configuration) and the upstream requests each sent. */
  async function callOn(credentials: ReturnType<typeof loadUpstreamCredentials>, caller: CallerToken) {
    const sent: string[] = [];
    await callUpstream(tool(), {}, {
      baseUrl: 'https://api.example.com/v1', credentials, timeoutMs: 5000, maxResponseBytes: 10_000,
      fetch: async (_input, init) => {
        sent.push(new Headers(init?.headers).get('authorization') ?? '');
        return Response.json({ ok: true });
      },
      caller,
    });
    return sent;
  }

  it('#14 once a shared store is given, a user\'s token is exchanged once for every replica; before, once per replica', async () => {
    const endpoint = tokenEndpoint();
    const entries = new Map<string, CachedExchange>();
    const shared: ExchangedTokenStore = { get: async (key) => entries.get(key), set: async (key, entry) => void entries.set(key, entry) };
    const [first, second] = [loadUpstreamCredentials(SCHEMES, EXCHANGE_ENV, endpoint.fetch), loadUpstreamCredentials(SCHEMES, EXCHANGE_ENV, endpoint.fetch)];
    // Without a shared store each replica keeps its own cache.
    await callOn(first!, callerToken('alice', 'x'));
    await callOn(second!, callerToken('alice', 'x'));
    expect(endpoint.requests).toHaveLength(2);

    const schemes: string[] = [];
    for (const credentials of [first!, second!]) credentials.shareExchangedTokens((scheme) => (schemes.push(scheme), shared));
    expect(schemes).toEqual(['token', 'token']);
    const sentByFirst = await callOn(first!, callerToken('bob', 'y'));
    const sentBySecond = await callOn(second!, callerToken('bob', 'y'));
    expect(endpoint.requests).toHaveLength(3);
    expect(sentBySecond).toEqual(sentByFirst);
    expect(sentByFirst).toEqual([`Bearer ${jwtFor('bob', 3)}`]);
    // The store is keyed by a hash of the caller's token and never holds it.
    expect([...entries.keys()].join(' ')).not.toContain('caller-y');
  });

  it('#14 a shared store that cannot answer is a miss: the call is exchanged and made', async () => {
    const endpoint = tokenEndpoint();
    const credentials = loadUpstreamCredentials(SCHEMES, EXCHANGE_ENV, endpoint.fetch);
    credentials.shareExchangedTokens(() => ({ get: () => Promise.reject(new Error('down')), set: () => Promise.reject(new Error('down')) }));
    expect(await callOn(credentials, callerToken('carol', 'z'))).toEqual([`Bearer ${jwtFor('carol', 1)}`]);
  });
});
