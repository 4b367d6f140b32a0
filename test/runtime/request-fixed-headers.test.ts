/**
 * #8 fixed headers (the config's `upstream.headers`): sent on every call, over any argument of the same name, never
 * a credential-carrying or framing field, and always under the upstream credentials applied afterwards.
 */
import { describe, expect, it } from 'vitest';
import { loadUpstreamCredentials } from '../../templates/runtime/credentials.js';
import { FIXED_HEADER_FORBIDDEN, type ParameterDefinition, type ToolDefinition, type UpstreamSchemeDefinition } from '../../templates/runtime/definition.js';
import { buildRequest } from '../../templates/runtime/request.js';

const BASE = 'https://api.example.com/v1';

function tool(overrides: Partial<ToolDefinition> = {}): ToolDefinition {
  return {
    name: 'op', description: '', annotations: {}, inputSchema: { type: 'object' }, definitions: [], method: 'GET', path: '/items',
    parameters: [], scopes: [], roles: [], upstreamSecurity: [], source: '#/paths/~1items/get', ...overrides,
  };
}

const header = (name: string): ParameterDefinition => ({ name, argument: name, in: 'header', style: 'simple', explode: false, allowReserved: false, required: false });

describe('#8 fixed headers in buildRequest', () => {
  it('#8 sends every fixed header, in the order given, on a call without arguments', () => {
    const request = buildRequest(tool({ fixedHeaders: [['Notion-Version', '2022-06-28'], ['Accept', 'application/vnd.github+json']] }), {}, BASE);
    expect(request.headers.get('notion-version')).toBe('2022-06-28');
    expect(request.headers.get('accept')).toBe('application/vnd.github+json');
  });

  it('#8 a fixed header wins over an argument of the same name, whatever its case', () => {
    const request = buildRequest(tool({ parameters: [header('notion-version')], fixedHeaders: [['Notion-Version', '2022-06-28']] }), { 'notion-version': 'chosen-by-the-model' }, BASE);
    expect(request.headers.get('notion-version')).toBe('2022-06-28');
  });

  it('#8 never sets a name that carries credentials, frames the message or is hop-by-hop, whatever tools.json says', () => {
    const fixedHeaders = FIXED_HEADER_FORBIDDEN.map((name, index) => [index % 2 ? name.toUpperCase() : name, 'x'] as const);
    const request = buildRequest(tool({ fixedHeaders }), {}, BASE);
    expect([...request.headers.keys()]).toEqual([]);
  });

  it('#8 credentials applied afterwards win over a fixed header of the same name (API key header)', async () => {
    const schemes: Record<string, UpstreamSchemeDefinition> = {
      key: { name: 'key', envPrefix: 'UP_KEY', type: 'apiKey', in: 'header', parameterName: 'X-Api-Key' },
      bearer: { name: 'bearer', envPrefix: 'UP_BEARER', type: 'bearer' },
    };
    const credentials = loadUpstreamCredentials(schemes, { UP_KEY_API_KEY: 'real-key', UP_BEARER_TOKEN: 'real-token' });
    const withKey = tool({ upstreamSecurity: [['key', 'bearer']], fixedHeaders: [['X-Api-Key', 'fixed'], ['Notion-Version', '2022-06-28']] });
    const request = buildRequest(withKey, {}, BASE);
    await credentials.apply(withKey, request);
    expect(request.headers.get('x-api-key')).toBe('real-key');
    expect(request.headers.get('authorization')).toBe('Bearer real-token');
    expect(request.headers.get('notion-version')).toBe('2022-06-28');
  });
});
