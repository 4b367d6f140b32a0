/**
 * Upstream credentials: variables, partial configuration, choosing an alternative, overriding arguments, and the
 * client credentials grant against a real loopback token endpoint.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeUpstreamVariables, loadUpstreamCredentials, UpstreamAuthenticationError } from '../../templates/runtime/credentials.js';
import type { ParameterDefinition, ToolDefinition, UpstreamSchemeDefinition } from '../../templates/runtime/definition.js';
import { SettingError } from '../../templates/runtime/errors.js';
import { buildRequest } from '../../templates/runtime/request.js';
import type { UpstreamRequest } from '../../templates/runtime/request.js';

const SCHEMES = {
  key: { name: 'key', envPrefix: 'UP_KEY', type: 'apiKey', in: 'header', parameterName: 'api_key' },
  queryKey: { name: 'queryKey', envPrefix: 'UP_QKEY', type: 'apiKey', in: 'query', parameterName: 'api_key' },
  cookieKey: { name: 'cookieKey', envPrefix: 'UP_CKEY', type: 'apiKey', in: 'cookie', parameterName: 'sid' },
  basic: { name: 'basic', envPrefix: 'UP_BASIC', type: 'basic' },
  bearer: { name: 'bearer', envPrefix: 'UP_BEARER', type: 'bearer' },
  token: { name: 'token', envPrefix: 'UP_TOKEN', type: 'oauth2Token' },
  cc: { name: 'cc', envPrefix: 'UP_CC', type: 'oauth2ClientCredentials', tokenUrl: 'http://127.0.0.1:1/token', scopes: ['read', 'write'] },
  mutual: { name: 'mutual', envPrefix: 'UP_MTLS', type: 'unsupported', reason: 'mutualTLS is not supported' },
} satisfies Record<string, UpstreamSchemeDefinition>;

function tool(upstreamSecurity: string[][], parameters: ParameterDefinition[] = []): ToolDefinition {
  return {
    name: 'op', description: '', annotations: {}, inputSchema: { type: 'object' }, definitions: [], method: 'GET', path: '/items',
    parameters, scopes: [], roles: [], upstreamSecurity, source: '#/paths/~1items/get',
  };
}

function request(t: ToolDefinition = tool([]), args: Record<string, unknown> = {}): UpstreamRequest {
  return buildRequest(t, args, 'https://api.example.com/v1');
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

/** #11: the rows of acting for the user, after a bearer scheme's own credential. */
const exchangeRows = (prefix: string, scheme: string) =>
  ['EXCHANGE', 'TOKEN_URL', 'CLIENT_ID', 'CLIENT_SECRET', 'SCOPE', 'AUDIENCE', 'RESOURCE'].map((part) => [`${prefix}_${part}`, scheme]);

describe('describeUpstreamVariables', () => {
  it('lists every variable of every scheme, none for unsupported ones', () => {
    const rows = describeUpstreamVariables(SCHEMES);
    expect(rows.map((row) => [row.variable, row.scheme])).toEqual([
      ['UP_KEY_API_KEY', 'key'],
      ['UP_QKEY_API_KEY', 'queryKey'],
      ['UP_CKEY_API_KEY', 'cookieKey'],
      ['UP_BASIC_USERNAME', 'basic'],
      ['UP_BASIC_PASSWORD', 'basic'],
      ['UP_BEARER_TOKEN', 'bearer'],
      ...exchangeRows('UP_BEARER', 'bearer'),
      ['UP_TOKEN_TOKEN', 'token'],
      ...exchangeRows('UP_TOKEN', 'token'),
      ['UP_CC_CLIENT_ID', 'cc'],
      ['UP_CC_CLIENT_SECRET', 'cc'],
      ['UP_CC_TOKEN_URL', 'cc'],
      ['UP_CC_SCOPE', 'cc'],
      // #11: a client credentials scheme shares its client, token URL and scope with the exchange.
      ['UP_CC_EXCHANGE', 'cc'],
      ['UP_CC_AUDIENCE', 'cc'],
      ['UP_CC_RESOURCE', 'cc'],
    ]);
    expect(rows.every((row) => row.description.length > 0 && row.example.length > 0)).toBe(true);
    // #8: the token URL and scopes are settings, not secrets (ConfigMap, printed by --print-config); #11: the client
    // ID and secret of the exchange are secrets.
    expect(rows.filter((row) => row.secret).map((row) => row.variable)).toEqual([
      'UP_KEY_API_KEY', 'UP_QKEY_API_KEY', 'UP_CKEY_API_KEY', 'UP_BASIC_USERNAME', 'UP_BASIC_PASSWORD',
      'UP_BEARER_TOKEN', 'UP_BEARER_CLIENT_ID', 'UP_BEARER_CLIENT_SECRET', 'UP_TOKEN_TOKEN', 'UP_TOKEN_CLIENT_ID', 'UP_TOKEN_CLIENT_SECRET',
      'UP_CC_CLIENT_ID', 'UP_CC_CLIENT_SECRET',
    ]);
    expect(rows[0]!.description).toContain('header "api_key"');
    expect(rows.find((row) => row.variable === 'UP_CC_CLIENT_ID')!.description).toContain('http://127.0.0.1:1/token');
  });

  it('keeps control characters of spec text out of descriptions', () => {
    const [row] = describeUpstreamVariables({ x: { name: 'x\nINJECTED=1', envPrefix: 'UP_X', type: 'bearer' } });
    expect(row!.description).not.toMatch(/[\r\n]/);
  });
});

describe('loadUpstreamCredentials', () => {
  it('leaves schemes without variables unconfigured, and treats empty values as unset', () => {
    const credentials = loadUpstreamCredentials(SCHEMES, { UP_KEY_API_KEY: 'k', UP_BEARER_TOKEN: '' });
    expect(credentials.configuredSchemes).toEqual(['key']);
  });

  it.each([
    [{ UP_BASIC_USERNAME: 'u' }, 'UP_BASIC_PASSWORD'],
    [{ UP_BASIC_PASSWORD: 'p' }, 'UP_BASIC_USERNAME'],
    [{ UP_CC_CLIENT_ID: 'id' }, 'UP_CC_CLIENT_SECRET'],
    [{ UP_CC_CLIENT_SECRET: 's' }, 'UP_CC_CLIENT_ID'],
  ])('refuses a partly configured scheme %j naming %s', (env, missing) => {
    const error = settingError(() => loadUpstreamCredentials(SCHEMES, env));
    expect(error.variable).toBe(missing);
    expect(error.message).toContain(missing);
  });

  it('refuses values that could split a header, without echoing them', () => {
    const error = settingError(() => loadUpstreamCredentials(SCHEMES, { UP_BEARER_TOKEN: 'secret-value\r\nX-Evil: 1' }));
    expect(error.variable).toBe('UP_BEARER_TOKEN');
    expect(error.message).not.toContain('secret-value');
    expect(settingError(() => loadUpstreamCredentials(SCHEMES, { UP_CKEY_API_KEY: 'a;b' })).variable).toBe('UP_CKEY_API_KEY');
    expect(settingError(() => loadUpstreamCredentials(SCHEMES, { UP_KEY_API_KEY: 'kā' })).variable).toBe('UP_KEY_API_KEY');
    expect(settingError(() => loadUpstreamCredentials(SCHEMES, { UP_BASIC_USERNAME: 'u', UP_BASIC_PASSWORD: 'p\n' })).variable).toBe('UP_BASIC_PASSWORD');
    expect(settingError(() => loadUpstreamCredentials(SCHEMES, { UP_BASIC_USERNAME: 'a:b', UP_BASIC_PASSWORD: 'p' })).variable).toBe('UP_BASIC_USERNAME');
  });

  it('never configures unsupported schemes', () => {
    expect(loadUpstreamCredentials(SCHEMES, { UP_MTLS_API_KEY: 'x', UP_MTLS_TOKEN: 'y' }).configuredSchemes).toEqual([]);
  });
});

describe('apply', () => {
  const env = { UP_KEY_API_KEY: 'server-key', UP_QKEY_API_KEY: 'server q&key', UP_CKEY_API_KEY: 'server-sid', UP_BASIC_USERNAME: 'ü', UP_BASIC_PASSWORD: 'p:wā', UP_BEARER_TOKEN: 'tok' };
  const credentials = loadUpstreamCredentials(SCHEMES, env);

  it('sends no credentials when the tool needs none', async () => {
    const r = request();
    await credentials.apply(tool([]), r);
    expect([...r.headers.keys()]).toEqual([]);
    expect(r.url.search).toBe('');
  });

  it('treats an empty alternative as satisfied', async () => {
    const r = request();
    await credentials.apply(tool([['cc'], []]), r);
    expect([...r.headers.keys()]).toEqual([]);
  });

  it('takes the first alternative whose schemes are all configured', async () => {
    const r = request();
    await credentials.apply(tool([['cc'], ['key', 'bearer'], ['basic']]), r);
    expect(r.headers.get('api_key')).toBe('server-key');
    expect(r.headers.get('authorization')).toBe('Bearer tok');
  });

  it('sends HTTP Basic as base64 of UTF-8 user:password (RFC 7617)', async () => {
    const r = request();
    await credentials.apply(tool([['basic']]), r);
    expect(r.headers.get('authorization')).toBe(`Basic ${Buffer.from('ü:p:wā', 'utf8').toString('base64')}`);
  });

  it('#8 sends nothing and names the unset variables of the first configurable alternative when none is configured', async () => {
    const r = request();
    expect(await credentials.apply(tool([['cc', 'key'], ['mutual']]), r)).toEqual({ kind: 'missing', variables: ['UP_CC_CLIENT_ID', 'UP_CC_CLIENT_SECRET'], schemes: ['cc'] });
    expect([...r.headers.keys()]).toEqual([]);
    expect(r.url.search).toBe('');
  });

  it('reports schemes the server cannot provide at all', async () => {
    const error = await credentials.apply(tool([['mutual']]), request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamAuthenticationError);
    expect((error as Error).message).toContain('"mutual"');
  });

  it('overrides an argument header of the same name, whatever its case', async () => {
    const t = tool([['key']], [{ name: 'API_KEY', argument: 'api_key', in: 'header', style: 'simple', explode: false, allowReserved: false, required: false }]);
    const r = request(t, { api_key: 'attacker' });
    expect(r.headers.get('api_key')).toBe('attacker');
    await credentials.apply(t, r);
    expect(r.headers.get('api_key')).toBe('server-key');
    expect([...r.headers.entries()]).toEqual([['api_key', 'server-key']]);
  });

  it('overrides argument query pairs of the same name, also from exploded objects, keeping the rest byte for byte', async () => {
    const q = (name: string, style: ParameterDefinition['style'], explode: boolean): ParameterDefinition =>
      ({ name, argument: name, in: 'query', style, explode, allowReserved: false, required: false });
    const t = tool([['queryKey']], [q('api_key', 'form', true), q('extra', 'form', true), q('deep', 'deepObject', true), q('tags', 'pipeDelimited', false)]);
    const r = request(t, { api_key: 'attacker', extra: { API_KEY: 'x', Api_Key: 'y', other: '1' }, deep: { a: 'b' }, tags: ['a', 'b'] });
    await credentials.apply(t, r);
    expect(r.url.search).toBe('?other=1&deep%5Ba%5D=b&tags=a%7Cb&api_key=server%20q%26key');
    expect(r.url.searchParams.getAll('api_key')).toEqual(['server q&key']);
  });

  it('overrides an argument cookie of the same name and keeps the others in one Cookie header', async () => {
    const c = (name: string, explode = true): ParameterDefinition => ({ name, argument: name, in: 'cookie', style: 'form', explode, allowReserved: false, required: false });
    const t = tool([['cookieKey']], [c('sid'), c('theme'), c('obj')]);
    const r = request(t, { sid: 'attacker', theme: 'dark', obj: { sid: 'attacker2', x: '1' } });
    await credentials.apply(t, r);
    expect(r.headers.get('cookie')).toBe('theme=dark; x=1; sid=server-sid');
  });
});

describe('client credentials grant (RFC 6749 §4.4) against a real token endpoint', () => {
  interface TokenHit { method: string; url: string; headers: IncomingHttpHeaders; body: string }
  let server: Server;
  let tokenUrl: string;
  const hits: TokenHit[] = [];
  let answer: (res: ServerResponse, hit: TokenHit) => void;
  let issued = 0;

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const hit = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      hits.push(hit);
      // A little latency, so that concurrent callers really overlap.
      setTimeout(() => answer(res, hit), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    hits.length = 0;
    answer = (res) => {
      issued += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: `token-${issued}`, token_type: 'Bearer', expires_in: 3600 }));
    };
  });

  function load(now: () => number = Date.now, overrides: Partial<Extract<UpstreamSchemeDefinition, { type: 'oauth2ClientCredentials' }>> = {}) {
    const schemes = { cc: { ...SCHEMES.cc, tokenUrl, ...overrides } };
    return loadUpstreamCredentials(schemes, { UP_CC_CLIENT_ID: 'my client', UP_CC_CLIENT_SECRET: 's3cr3t:+' }, undefined, { now });
  }

  async function authorization(credentials: ReturnType<typeof load>): Promise<string | null> {
    const r = request();
    await credentials.apply(tool([['cc']]), r);
    return r.headers.get('authorization');
  }

  it('posts grant_type and scopes with client_secret_basic authentication', async () => {
    const value = await authorization(load());
    expect(value).toMatch(/^Bearer token-\d+$/);
    expect(hits).toHaveLength(1);
    const [hit] = hits;
    expect(hit!.method).toBe('POST');
    expect(hit!.url).toBe('/oauth/token');
    expect(hit!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(hit!.body))).toEqual({ grant_type: 'client_credentials', scope: 'read write' });
    // RFC 6749 §2.3.1: each value form-urlencoded, then base64 of id:secret.
    expect(hit!.headers.authorization).toBe(`Basic ${Buffer.from('my+client:s3cr3t%3A%2B').toString('base64')}`);
  });

  it('omits scope when the scheme declares none', async () => {
    await authorization(load(Date.now, { scopes: [] }));
    expect(Object.fromEntries(new URLSearchParams(hits[0]!.body))).toEqual({ grant_type: 'client_credentials' });
  });

  it('caches the token across calls', async () => {
    const credentials = load();
    const first = await authorization(credentials);
    expect(await authorization(credentials)).toBe(first);
    expect(await authorization(credentials)).toBe(first);
    expect(hits).toHaveLength(1);
  });

  it('shares one in-flight request between concurrent callers', async () => {
    const credentials = load();
    const values = await Promise.all(Array.from({ length: 8 }, () => authorization(credentials)));
    expect(new Set(values).size).toBe(1);
    expect(hits).toHaveLength(1);
  });

  it('renews the token shortly before expires_in elapses (30 s margin)', async () => {
    let clock = 1_000_000;
    const credentials = load(() => clock);
    const first = await authorization(credentials);
    clock += 3600_000 - 30_001;
    expect(await authorization(credentials)).toBe(first);
    expect(hits).toHaveLength(1);
    clock += 2;
    const second = await authorization(credentials);
    expect(second).not.toBe(first);
    expect(hits).toHaveLength(2);
  });

  it('uses a 10 % margin for short-lived tokens', async () => {
    answer = (res) => {
      issued += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: `token-${issued}`, token_type: 'bearer', expires_in: 100 }));
    };
    let clock = 0;
    const credentials = load(() => clock);
    await authorization(credentials);
    clock = 89_999;
    await authorization(credentials);
    expect(hits).toHaveLength(1);
    clock = 90_000;
    await authorization(credentials);
    expect(hits).toHaveLength(2);
  });

  it('never caches a failure, and reports it without the secret', async () => {
    answer = (res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_client', error_description: 'bad secret' }));
    };
    const credentials = load();
    const error = await authorization(credentials).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamAuthenticationError);
    expect((error as Error).message).toContain('HTTP 401');
    expect((error as Error).message).toContain('invalid_client');
    expect((error as Error).message).not.toContain('s3cr3t');
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'recovered', token_type: 'Bearer', expires_in: 3600 }));
    };
    expect(await authorization(credentials)).toBe('Bearer recovered');
    expect(hits).toHaveLength(2);
  });

  it('refuses a response without a usable access token or with another token type', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token_type: 'Bearer' }));
    };
    await expect(authorization(load())).rejects.toThrow(/access_token/);
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'x', token_type: 'mac' }));
    };
    await expect(authorization(load())).rejects.toThrow(/not Bearer/);
  });

  it('reports an unreachable token endpoint as an authentication error', async () => {
    const credentials = loadUpstreamCredentials({ cc: { ...SCHEMES.cc, tokenUrl: 'http://127.0.0.1:1/token' } }, { UP_CC_CLIENT_ID: 'a', UP_CC_CLIENT_SECRET: 'b' });
    await expect(authorization(credentials)).rejects.toBeInstanceOf(UpstreamAuthenticationError);
  });

  it('uses the fetch it is given', async () => {
    let calls = 0;
    const fake: typeof fetch = async () => {
      calls += 1;
      return new Response(JSON.stringify({ access_token: 'faked', token_type: 'Bearer', expires_in: 60 }), { headers: { 'content-type': 'application/json' } });
    };
    const credentials = loadUpstreamCredentials({ cc: { ...SCHEMES.cc, tokenUrl } }, { UP_CC_CLIENT_ID: 'a', UP_CC_CLIENT_SECRET: 'b' }, fake);
    expect(await authorization(credentials)).toBe('Bearer faked');
    expect(calls).toBe(1);
    expect(hits).toHaveLength(0);
  });
});
