/**
 * #8 upstream credentials that are not configured: the call goes upstream without any (the upstream decides), a 401
 * or 403 names the variables to set (or the ones whose credentials were refused), and the start-up warning is bounded.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadUpstreamCredentials, missingCredentialsWarning } from '../../templates/runtime/credentials.js';
import type { ParameterDefinition, ToolDefinition, UpstreamSchemeDefinition } from '../../templates/runtime/definition.js';
import { callUpstream } from '../../templates/runtime/upstream.js';
import type { UpstreamContext } from '../../templates/runtime/upstream.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';

let api: RecordingUpstream;
let tokens: RecordingUpstream;

/** One scheme of every type the server can provide; the client credentials one points at a recording token endpoint. */
function schemes(): Record<string, UpstreamSchemeDefinition> {
  return {
    header: { name: 'header', envPrefix: 'UP_HEADER', type: 'apiKey', in: 'header', parameterName: 'X-Api-Key' },
    query: { name: 'query', envPrefix: 'UP_QUERY', type: 'apiKey', in: 'query', parameterName: 'api_key' },
    cookie: { name: 'cookie', envPrefix: 'UP_COOKIE', type: 'apiKey', in: 'cookie', parameterName: 'sid' },
    bearer: { name: 'bearer', envPrefix: 'UP_BEARER', type: 'bearer' },
    token: { name: 'token', envPrefix: 'UP_TOKEN', type: 'oauth2Token' },
    basic: { name: 'basic', envPrefix: 'UP_BASIC', type: 'basic' },
    cc: { name: 'cc', envPrefix: 'UP_CC', type: 'oauth2ClientCredentials', tokenUrl: `${tokens.origin}/token`, scopes: ['read'] },
  };
}

function tool(upstreamSecurity: string[][], name = 'op', parameters: ParameterDefinition[] = []): ToolDefinition {
  return {
    name, description: '', annotations: {}, inputSchema: { type: 'object' }, definitions: [], method: 'GET', path: '/items',
    parameters, scopes: [], roles: [], upstreamSecurity, source: '#/paths/~1items/get',
  };
}

function context(env: NodeJS.ProcessEnv): UpstreamContext {
  return { baseUrl: `${api.origin}/v1`, credentials: loadUpstreamCredentials(schemes(), env), timeoutMs: 5_000, maxResponseBytes: 10_000 };
}

function text(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');
}

beforeAll(async () => {
  api = await startRecordingUpstream();
  tokens = await startRecordingUpstream();
  tokens.answer = (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: 'cc-token', token_type: 'Bearer', expires_in: 3600 }));
  };
});

afterAll(async () => {
  await api.close();
  await tokens.close();
});

beforeEach(() => {
  api.received.length = 0;
  tokens.received.length = 0;
  api.answer = (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  };
});

describe('#8 calls without configured upstream credentials', () => {
  const ALTERNATIVES: [string, string[][]][] = [
    ['apiKey in header', [['header']]],
    ['apiKey in query', [['query']]],
    ['apiKey in cookie', [['cookie']]],
    ['bearer', [['bearer']]],
    ['oauth2 token', [['token']]],
    ['basic', [['basic']]],
    ['client credentials', [['cc']]],
    ['two alternatives, none configured', [['bearer'], ['header', 'query']]],
    ['an alternative with one of two schemes configured', [['header', 'bearer']]],
  ];

  it.each(ALTERNATIVES)('#8 %s: the upstream receives the call without any credential and answers it', async (_, security) => {
    // Only `header` is configured, and only in the last case, where its partner `bearer` is missing.
    const env = security[0]!.length === 2 ? { UP_HEADER_API_KEY: 'server-key-1f2e' } : {};
    const result = await callUpstream(tool(security), {}, context(env));
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent).toEqual({ ok: true });
    expect(api.received).toHaveLength(1);
    const seen = api.received[0]!;
    expect(seen.url).toBe('/v1/items');
    expect(Object.keys(seen.headers).filter((name) => ['authorization', 'x-api-key', 'cookie'].includes(name))).toEqual([]);
    expect(JSON.stringify(seen.rawHeaders)).not.toContain('server-key-1f2e');
    expect(tokens.received).toHaveLength(0);
  });

  it('#8 arguments of the same name as a credential are sent as the caller gave them, as for any argument', async () => {
    const t = tool([['header']], 'op', [{ name: 'X-Api-Key', argument: 'key', in: 'header', style: 'simple', explode: false, allowReserved: false, required: false }]);
    const result = await callUpstream(t, { key: 'callers-own' }, context({}));
    expect(result.isError).toBeUndefined();
    expect(api.received[0]!.headers['x-api-key']).toBe('callers-own');
  });

  it.each([
    [401, 'Unauthorized', [['bearer']], 'set UP_BEARER_TOKEN (security scheme "bearer")'],
    [403, 'Forbidden', [['basic']], 'set UP_BASIC_USERNAME and UP_BASIC_PASSWORD (security scheme "basic")'],
    [401, 'Unauthorized', [['cc']], 'set UP_CC_CLIENT_ID and UP_CC_CLIENT_SECRET (security scheme "cc")'],
    [401, 'Unauthorized', [['header', 'query'], ['bearer']], 'set UP_HEADER_API_KEY and UP_QUERY_API_KEY (security schemes "header", "query")'],
  ])('#8 a %i from the upstream on a call sent without credentials names the variables to set', async (status, reason, security, advice) => {
    api.answer = (res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{"error":"no credentials"}');
    };
    const result = await callUpstream(tool(security), {}, context({}));
    expect(result.isError).toBe(true);
    expect(text(result)).toBe(`The upstream API answered HTTP ${status} ${reason}: ${advice} to call it with the server's credentials.\n\n{"error":"no credentials"}`);
  });

  it.each([
    [{ UP_BEARER_TOKEN: 'bearer-secret-8a7b' }, [['bearer']], 'UP_BEARER_TOKEN (security scheme "bearer")'],
    [{ UP_HEADER_API_KEY: 'key-secret-6c5d', UP_QUERY_API_KEY: 'query-secret-4e3f' }, [['header', 'query']], 'UP_HEADER_API_KEY and UP_QUERY_API_KEY (security schemes "header", "query")'],
    [{ UP_CC_CLIENT_ID: 'client-2a1b', UP_CC_CLIENT_SECRET: 'cc-secret-0f9e' }, [['cc']], 'UP_CC_CLIENT_ID and UP_CC_CLIENT_SECRET (security scheme "cc")'],
  ])('#8 a 401 or 403 on a call sent with credentials names the variables whose credentials were refused, never their values', async (env, security, variables) => {
    for (const [status, reason] of [[401, 'Unauthorized'], [403, 'Forbidden']] as const) {
      api.answer = (res) => {
        res.writeHead(status);
        res.end('denied');
      };
      const result = await callUpstream(tool(security), {}, context(env));
      expect(result.isError).toBe(true);
      expect(text(result)).toBe(`The upstream API answered HTTP ${status} ${reason}: the credentials in ${variables} were refused.\n\ndenied`);
      for (const value of [...Object.values(env), 'cc-token']) expect(text(result)).not.toContain(value);
    }
  });

  it('#8 other statuses, and a 401 for a tool that needs no credentials, are reported as before', async () => {
    api.answer = (res) => {
      res.writeHead(404);
      res.end('nope');
    };
    expect(text(await callUpstream(tool([['bearer']]), {}, context({})))).toBe('The upstream API answered HTTP 404 Not Found.\n\nnope');
    api.answer = (res) => {
      res.writeHead(401);
      res.end();
    };
    expect(text(await callUpstream(tool([]), {}, context({})))).toBe('The upstream API answered HTTP 401 Unauthorized.');
    expect(text(await callUpstream(tool([['bearer'], []]), {}, context({})))).toBe('The upstream API answered HTTP 401 Unauthorized.');
  });

  it('#8 schemes the server cannot provide at all still refuse the call before anything is sent', async () => {
    const result = await callUpstream(tool([['mutual']]), {}, context({}));
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('"mutual"');
    expect(api.received).toHaveLength(0);
  });
});

describe('#8 start-up warning for missing upstream credentials', () => {
  it('#8 groups tools by the variables to set, in tool order, skipping configured and credential-free tools', () => {
    const credentials = loadUpstreamCredentials(schemes(), { UP_HEADER_API_KEY: 'k' });
    const tools = [tool([['bearer']], 'a'), tool([['header']], 'b'), tool([], 'c'), tool([['basic']], 'd'), tool([['bearer'], ['basic']], 'e'), tool([['bearer'], []], 'f')];
    expect(credentials.missing(tools)).toEqual([
      { variables: ['UP_BEARER_TOKEN'], schemes: ['bearer'], tools: ['a', 'e'] },
      { variables: ['UP_BASIC_USERNAME', 'UP_BASIC_PASSWORD'], schemes: ['basic'], tools: ['d'] },
    ]);
    expect(missingCredentialsWarning(credentials.missing(tools))).toBe(
      'upstream credentials are not configured, so these tools call the API without them and the API decides: '
      + 'set UP_BEARER_TOKEN (security scheme "bearer") for tools a, e; set UP_BASIC_USERNAME and UP_BASIC_PASSWORD (security scheme "basic") for tool d',
    );
  });

  it('#8 no warning when every tool is configured or needs nothing', () => {
    const credentials = loadUpstreamCredentials(schemes(), { UP_BEARER_TOKEN: 't' });
    expect(missingCredentialsWarning(credentials.missing([tool([['bearer']]), tool([])]))).toBeUndefined();
  });

  it('#8 the warning stays bounded however many tools and schemes lack credentials', () => {
    const many: Record<string, UpstreamSchemeDefinition> = {};
    for (let index = 0; index < 40; index++) many[`s${index}`] = { name: `s${index}`, envPrefix: `UP_S${index}`, type: 'bearer' };
    const tools = Array.from({ length: 4000 }, (_, index) => tool([[`s${index % 40}`]], `tool_${index}`));
    const warning = missingCredentialsWarning(loadUpstreamCredentials(many, {}).missing(tools))!;
    expect(warning.match(/for tools /g)).toHaveLength(10);
    expect(warning).toContain('set UP_S0_TOKEN (security scheme "s0") for tools tool_0, tool_40, tool_80, tool_120, tool_160 and 95 more;');
    expect(warning).toMatch(/; and 30 more groups of variables \(see --help\)$/);
    expect(warning.length).toBeLessThan(3_000);
  });
});
