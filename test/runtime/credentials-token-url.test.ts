/**
 * #8 `<prefix>_TOKEN_URL` and `<prefix>_SCOPE` for the OAuth 2.0 client credentials grant: the token endpoint the
 * operator names receives the grant with the scopes the operator names; malformed values refuse to start.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeUpstreamVariables, loadUpstreamCredentials } from '../../templates/runtime/credentials.js';
import type { ToolDefinition, UpstreamSchemeDefinition } from '../../templates/runtime/definition.js';
import { SettingError } from '../../templates/runtime/errors.js';
import { callUpstream } from '../../templates/runtime/upstream.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';

const CLIENT = { UP_CC_CLIENT_ID: 'client-1', UP_CC_CLIENT_SECRET: 'secret-9z' };

function scheme(tokenUrl: string, scopes: string[] = ['spec:scope']): Record<string, UpstreamSchemeDefinition> {
  return { cc: { name: 'cc', envPrefix: 'UP_CC', type: 'oauth2ClientCredentials', tokenUrl, scopes } };
}

const TOOL: ToolDefinition = {
  name: 'op', description: '', annotations: {}, inputSchema: { type: 'object' }, definitions: [], method: 'GET', path: '/items',
  parameters: [], scopes: [], roles: [], upstreamSecurity: [['cc']], source: '#/paths/~1items/get',
};

function settingError(run: () => unknown): SettingError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SettingError);
    return error as SettingError;
  }
  throw new Error('expected a SettingError');
}

let api: RecordingUpstream;
let tokens: RecordingUpstream;

beforeAll(async () => {
  api = await startRecordingUpstream();
  tokens = await startRecordingUpstream();
  tokens.answer = (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: 'issued-token', token_type: 'Bearer', expires_in: 3600 }));
  };
});

afterAll(async () => {
  await api.close();
  await tokens.close();
});

beforeEach(() => {
  api.received.length = 0;
  tokens.received.length = 0;
});

describe('#8 client credentials token URL and scope overrides', () => {
  it.each([
    ['relative', '/oauth/token'],
    ['wrong (plain http to another host)', 'http://auth.example.com/token'],
    ['valid but not the one to use', 'https://auth.example.com/token'],
  ])('#8 a spec whose token URL is %s is used with UP_CC_TOKEN_URL, asking for UP_CC_SCOPE', async (_, specUrl) => {
    const env = { ...CLIENT, UP_CC_TOKEN_URL: `${tokens.origin}/oauth2/token?tenant=t1`, UP_CC_SCOPE: ' items:read  admin/write ' };
    const context = { baseUrl: api.origin, credentials: loadUpstreamCredentials(scheme(specUrl), env), timeoutMs: 5_000, maxResponseBytes: 10_000 };
    const result = await callUpstream(TOOL, {}, context);
    expect(result.isError).toBeUndefined();
    expect(tokens.received).toHaveLength(1);
    const grant = tokens.received[0]!;
    expect(grant.method).toBe('POST');
    expect(grant.url).toBe('/oauth2/token?tenant=t1');
    expect(grant.headers.authorization).toBe(`Basic ${Buffer.from('client-1:secret-9z').toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(grant.body.toString('utf8')))).toEqual({ grant_type: 'client_credentials', scope: 'items:read admin/write' });
    expect(api.received.map((request) => request.headers.authorization)).toEqual(['Bearer issued-token']);
  });

  it('#8 without UP_CC_SCOPE the spec scopes are asked for; without UP_CC_TOKEN_URL the spec URL is used', async () => {
    const context = { baseUrl: api.origin, credentials: loadUpstreamCredentials(scheme(`${tokens.origin}/spec-token`, ['a', 'b']), { ...CLIENT, UP_CC_TOKEN_URL: '', UP_CC_SCOPE: '' }), timeoutMs: 5_000, maxResponseBytes: 10_000 };
    await callUpstream(TOOL, {}, context);
    expect(tokens.received.map((request) => [request.url, request.body.toString('utf8')])).toEqual([['/spec-token', 'grant_type=client_credentials&scope=a+b']]);
  });

  it.each([
    ['/oauth/token', 'is not an absolute URL'],
    ['token', 'is not an absolute URL'],
    ['http://auth.example.com/token', 'must use https (plain http is accepted for loopback hosts only)'],
    ['ftp://auth.example.com/token', 'is not an https URL'],
    ['https://user:pw@auth.example.com/token', 'must not contain a user name or password'],
    ['https://auth.example.com/token#x', 'must not contain a fragment'],
  ])('#8 a spec token URL %j that cannot be used refuses start naming UP_CC_TOKEN_URL only when the client ID is set', (specUrl, problem) => {
    const error = settingError(() => loadUpstreamCredentials(scheme(specUrl), CLIENT));
    expect(error.variable).toBe('UP_CC_TOKEN_URL');
    expect(error.message).toContain(`is required when UP_CC_CLIENT_ID is set: the token URL "${specUrl}" of the spec ${problem}`);
    expect(error.message).not.toContain('secret-9z');
    expect(loadUpstreamCredentials(scheme(specUrl), {}).configuredSchemes).toEqual([]);
  });

  it.each([
    ['not a url', 'is not an absolute URL'],
    ['/relative/token', 'is not an absolute URL'],
    ['http://auth.example.com/token', 'must use https (plain http is accepted for loopback hosts only)'],
    ['http://10.0.0.1/token', 'must use https (plain http is accepted for loopback hosts only)'],
    ['file:///etc/passwd', 'is not an https URL'],
    ['https://id:secret@auth.example.com/token', 'must not contain a user name or password'],
    ['https://auth.example.com/token#frag', 'must not contain a fragment'],
  ])('#8 a malformed UP_CC_TOKEN_URL %j refuses start naming the variable, client ID set or not', (value, problem) => {
    for (const env of [{ ...CLIENT, UP_CC_TOKEN_URL: value }, { UP_CC_TOKEN_URL: value }]) {
      const error = settingError(() => loadUpstreamCredentials(scheme('https://auth.example.com/token'), env));
      expect(error.variable).toBe('UP_CC_TOKEN_URL');
      expect(error.message).toContain(problem);
    }
  });

  it.each([
    ['quote', 'read "write"', '"write"'],
    ['backslash', 'a\\b', 'a\\b'],
    ['non-ASCII', 'lecture café', 'café'],
    ['tab', 'read\twrite', 'read write'],
    ['control character', 'read\u0001', 'read '],
  ])('#8 a UP_CC_SCOPE with a %s is not an RFC 6749 scope token and refuses start naming the variable', (_, value, shown) => {
    for (const env of [{ ...CLIENT, UP_CC_SCOPE: value }, { UP_CC_SCOPE: value }]) {
      const error = settingError(() => loadUpstreamCredentials(scheme('https://auth.example.com/token'), env));
      expect(error.variable).toBe('UP_CC_SCOPE');
      expect(error.message).toContain(`"${shown}" is not a scope token`);
      expect(error.message).not.toMatch(/[\x00-\x08\x0a-\x1f]/);
    }
  });

  it('#8 TOKEN_URL and SCOPE are listed as settings that are not secrets, after the credentials of their scheme', () => {
    const rows = describeUpstreamVariables(scheme('/relative', ['x:read']));
    expect(rows.map((row) => [row.variable, row.secret])).toEqual([
      ['UP_CC_CLIENT_ID', true],
      ['UP_CC_CLIENT_SECRET', true],
      ['UP_CC_TOKEN_URL', false],
      ['UP_CC_SCOPE', false],
      // #11: acting for the user with the same client, token URL and scope.
      ['UP_CC_EXCHANGE', false],
      ['UP_CC_AUDIENCE', false],
      ['UP_CC_RESOURCE', false],
    ]);
    expect(rows[2]!.description).toContain("instead of the spec's /relative");
    expect(rows[3]!.description).toContain('"x:read"');
  });
});
