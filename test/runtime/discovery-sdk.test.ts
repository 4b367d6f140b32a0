/**
 * #13 The discovery meta-tools through the real SDK clients (v2 `@modelcontextprotocol/client` in both eras, v1
 * `@modelcontextprotocol/sdk`) with oidc-provider tokens: the client authorizes, is offered search_tools, describe_tool
 * and call_tool, finds only what it may use or obtain, is challenged 403 insufficient_scope by call_tool, steps up, and
 * gets the tool's result; the audit names the tool call_tool ran.
 */

import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError as V1UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthorizationServer } from '../support/authorization-server.js';
import type { AuthorizationServer } from '../support/authorization-server.js';
import { freePort } from '../support/free-port.js';
import { HeadlessOAuthProvider } from '../support/headless-oauth.js';
import { startRecordingUpstream } from '../support/upstream.js';
import type { RecordingUpstream } from '../support/upstream.js';
import type { ScriptedIssuer } from '../support/scripted-issuer.js';
import { discoveryDefinition } from './fixtures/discovery-definition.js';
import { startProtected } from './fixtures/protected.js';
import type { ProtectedServer } from './fixtures/protected.js';

interface CallResult {
  readonly isError?: boolean;
  readonly content: { type: string; text?: string }[];
  readonly structuredContent?: any;
}

/** One client line and mode: how it connects, finishes an authorization, lists and calls tools. */
interface ClientKit {
  readonly label: string;
  connect(url: URL, provider: HeadlessOAuthProvider): { client: { close(): Promise<void> }; done: Promise<void>; transport: unknown };
  finishAuth(transport: unknown, callback: URLSearchParams): Promise<void>;
  listNames(client: unknown): Promise<string[]>;
  callTool(client: unknown, name: string, args: Record<string, unknown>): Promise<CallResult>;
  readonly unauthorized: new (...args: never[]) => Error;
}

function v2Kit(label: string, mode: 'legacy' | { pin: '2026-07-28' }): ClientKit {
  return {
    label,
    connect(url, provider) {
      const client = new Client({ name: 'discovery-v2', version: '1.0.0' }, { versionNegotiation: { mode } });
      const transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
      return { client, transport, done: client.connect(transport) };
    },
    finishAuth: (transport, callback) => (transport as StreamableHTTPClientTransport).finishAuth(callback),
    listNames: async (client) => (await (client as Client).listTools(undefined, { cacheMode: 'refresh' })).tools.map((tool) => tool.name),
    callTool: (client, name, args) => (client as Client).callTool({ name, arguments: args }) as Promise<CallResult>,
    unauthorized: UnauthorizedError,
  };
}

const V1_KIT: ClientKit = {
  label: 'v1 SDK client (2025-11-25)',
  connect(url, provider) {
    const client = new V1Client({ name: 'discovery-v1', version: '1.0.0' });
    const transport = new V1StreamableHTTPClientTransport(url, { authProvider: provider });
    return { client, transport, done: client.connect(transport) };
  },
  finishAuth: (transport, callback) => (transport as V1StreamableHTTPClientTransport).finishAuth(callback.get('code')!),
  listNames: async (client) => (await (client as V1Client).listTools()).tools.map((tool) => tool.name),
  callTool: (client, name, args) => (client as V1Client).callTool({ name, arguments: args }) as Promise<CallResult>,
  unauthorized: V1UnauthorizedError,
};

const CLIENTS: readonly ClientKit[] = [v2Kit('v2 client pinned to 2026-07-28', { pin: '2026-07-28' }), v2Kit('v2 client in legacy mode (2025-11-25)', 'legacy'), V1_KIT];

const scopesOf = (token: string) => new Set(String(decodeJwt(token).scope ?? '').split(' ').filter(Boolean));

describe('#13 discovery meta-tools through the SDK clients with oidc-provider tokens', () => {
  let as: AuthorizationServer;
  let upstream: RecordingUpstream;
  let mcp: ProtectedServer;
  let publicUrl: string;

  beforeAll(async () => {
    const definition = discoveryDefinition();
    upstream = await startRecordingUpstream();
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}/mcp`;
    // The user holds no role: list_owners (admin) and audit_owners (auditor) are never theirs.
    as = await startAuthorizationServer({ resource: publicUrl, scopes: [...definition.scopes, 'pets:admin'], userId: 'alice', userRoles: [] });
    mcp = await startProtected(
      { issuer: as.issuer } as ScriptedIssuer,
      `${upstream.origin}/api`,
      { PORT: String(port), MCP_PUBLIC_URL: publicUrl, TOOL_MODE: 'auto', TOOL_MODE_THRESHOLD: '0', OAUTH_CHALLENGE_SCOPES: 'pets:read' },
      {},
      definition,
    );
  }, 60_000);

  afterAll(async () => {
    await mcp?.close();
    await upstream?.close();
    await as?.close();
  });

  for (const kit of CLIENTS) {
    it(`#13 ${kit.label}: meta-tools listed, search and describe filtered, call_tool challenged 403, stepped up, then run`, async () => {
      const provider = new HeadlessOAuthProvider((url) => as.authorize(url), 'portcullis discovery');
      const url = new URL(publicUrl);
      const first = kit.connect(url, provider);
      await expect(first.done).rejects.toBeInstanceOf(kit.unauthorized);
      await kit.finishAuth(first.transport, provider.takeCallback());
      expect(scopesOf(provider.savedTokens[0]!.access_token)).toEqual(new Set(['pets:read']));
      await first.client.close().catch(() => undefined);

      const { client, transport, done } = kit.connect(url, provider);
      try {
        await done;
        expect(await kit.listNames(client)).toEqual(['search_tools', 'describe_tool', 'call_tool']);

        // Search: what the token allows, and what a step-up would give (with its scopes); nothing a role forbids.
        const found = await kit.callTool(client, 'search_tools', { query: 'pet owners', limit: 50 });
        expect(found.isError).toBeFalsy();
        const byName = Object.fromEntries(found.structuredContent.tools.map((tool: { name: string; requiredScopes?: string[] }) => [tool.name, tool.requiredScopes ?? null]));
        expect(byName).toEqual({ get_pet: null, create_pet: ['pets:write'], delete_pet: ['pets:admin', 'owners:write'] });

        // Describe: a role-forbidden tool is answered as one that does not exist.
        const forbidden = await kit.callTool(client, 'describe_tool', { name: 'list_owners' });
        const unknown = await kit.callTool(client, 'describe_tool', { name: 'no_such_tool' });
        expect(forbidden.isError).toBe(true);
        expect(forbidden.content[0]!.text).toBe('Unknown tool: "list_owners". Use search_tools to find the tools you may use.');
        expect(unknown.content[0]!.text).toBe(forbidden.content[0]!.text!.replace('list_owners', 'no_such_tool'));
        const described = await kit.callTool(client, 'describe_tool', { name: 'create_pet' });
        expect(described.structuredContent).toMatchObject({ name: 'create_pet', requiredScopes: ['pets:write'], inputSchema: { type: 'object', required: ['body'] } });

        // Bad arguments through call_tool: refused by validation, nothing sent upstream.
        upstream.received.length = 0;
        const invalid = await kit.callTool(client, 'call_tool', { name: 'get_pet', arguments: { petId: 'seven' } });
        expect(invalid.isError).toBe(true);
        expect(invalid.content[0]!.text).toMatch(/^\/petId: /);
        expect(upstream.received).toHaveLength(0);

        // A tool lacking a scope, through call_tool: 403 insufficient_scope, and the client re-authorizes for it.
        mcp.audit.length = 0;
        await expect(kit.callTool(client, 'call_tool', { name: 'create_pet', arguments: { body: { name: 'Rex' } } })).rejects.toBeInstanceOf(kit.unauthorized);
        expect(upstream.received).toHaveLength(0);
        expect(provider.authorizationUrls).toHaveLength(2);
        const stepUpScopes = new Set(provider.authorizationUrls[1]!.searchParams.get('scope')!.split(' '));
        expect(stepUpScopes).toEqual(new Set(['pets:read', 'pets:write']));
        await kit.finishAuth(transport, provider.takeCallback());
        expect(scopesOf(provider.savedTokens[1]!.access_token)).toEqual(stepUpScopes);

        const created = await kit.callTool(client, 'call_tool', { name: 'create_pet', arguments: { body: { name: 'Rex' } } });
        expect(created.isError).toBeFalsy();
        expect(upstream.received.map((request) => `${request.method} ${request.url}`)).toEqual(['POST /api/pets']);
        expect(JSON.parse(upstream.received[0]!.body.toString())).toEqual({ name: 'Rex' });
        for (const { access_token } of provider.savedTokens) expect(JSON.stringify(upstream.received[0]!.rawHeaders)).not.toContain(access_token);

        // The audit names the tool call_tool ran, refused then allowed.
        for (let i = 0; i < 100 && mcp.audit.filter((line) => line.method === 'tools/call').length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        const calls = mcp.audit.filter((line) => line.method === 'tools/call');
        expect(calls[0]).toMatchObject({ tool: 'create_pet', via: 'call_tool', decision: 'deny', reason: 'insufficient_scope', subject: 'alice' });
        expect(calls.at(-1)).toMatchObject({ tool: 'create_pet', via: 'call_tool', decision: 'allow', reason: 'ok', upstreamStatus: 200, subject: 'alice' });
      } finally {
        await client.close().catch(() => undefined);
      }
    }, 60_000);
  }
});
