/**
 * #16 item 11: tools/list in pages (2025-11-25 server/utilities/pagination) over a definition of 1,000 generated
 * tools: pages of MCP_TOOLS_PAGE_SIZE, also cut at MAX_PAGE_BYTES; following nextCursor yields every visible tool
 * once, in order; the caller's policy filters every page; a cursor the server did not issue is -32602.
 */

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerDefinition, ToolDefinition } from '../../templates/runtime/definition.js';
import { startHttpServer } from '../../templates/runtime/http.js';
import { readSettings } from '../../templates/runtime/settings.js';
import { encodeCursor, MAX_PAGE_BYTES } from '../../templates/runtime/tool-pages.js';
import { startRecordingUpstream } from '../support/upstream.js';
import { startScriptedIssuer } from '../support/scripted-issuer.js';
import { fixtureDefinition } from './fixtures/definition.js';
import { authDefinition, rpc, startProtected } from './fixtures/protected.js';

const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** The fixture with `count` copies of get_pet named tool_0000…, each changed by `shape`. */
function manyTools(count: number, shape: (tool: ToolDefinition, index: number) => ToolDefinition = (tool) => tool, base: ServerDefinition = fixtureDefinition()): ServerDefinition {
  const template = base.tools[0]!;
  return { ...base, tools: Array.from({ length: count }, (_, index) => shape({ ...template, name: `tool_${String(index).padStart(4, '0')}` }, index)) };
}

async function openServer(definition: ServerDefinition, env: Record<string, string> = {}) {
  const upstream = await startRecordingUpstream();
  cleanup.push(() => upstream.close());
  // Pagination is direct mode's: TOOL_MODE=auto would offer the discovery meta-tools for this many tools (#13).
  const settings = readSettings({ AUTH_MODE: 'none', PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api`, TOOL_MODE: 'direct', ...env }, definition);
  const server = await startHttpServer(definition, settings, { audit: () => undefined, log: () => undefined });
  cleanup.push(() => server.close());
  return server.url;
}

interface Page {
  readonly names: string[];
  readonly nextCursor?: string;
  /** Bytes of the serialized tools of the page. */
  readonly bytes: number;
}

/** tools/list at `cursor`, over raw JSON-RPC. */
async function listPage(url: string, token: string | undefined, cursor?: string): Promise<Page> {
  const response = await rpc(url, token, { jsonrpc: '2.0', id: 1, method: 'tools/list', ...(cursor === undefined ? {} : { params: { cursor } }) });
  expect(response.status).toBe(200);
  const result = response.body.result as { tools: { name: string }[]; nextCursor?: string };
  return { names: result.tools.map((tool) => tool.name), bytes: Buffer.byteLength(JSON.stringify(result.tools)), ...(result.nextCursor === undefined ? {} : { nextCursor: result.nextCursor }) };
}

/** Every page, following nextCursor (at most 10,000 pages). */
async function allPages(url: string, token?: string): Promise<Page[]> {
  const pages = [await listPage(url, token)];
  while (pages.at(-1)!.nextCursor !== undefined && pages.length < 10_000) pages.push(await listPage(url, token, pages.at(-1)!.nextCursor));
  return pages;
}

describe('#16 tools/list pagination', () => {
  it('#16 serves 1,000 tools in pages of MCP_TOOLS_PAGE_SIZE; following nextCursor lists each exactly once, in order', async () => {
    const definition = manyTools(1000);
    const url = await openServer(definition, { MCP_TOOLS_PAGE_SIZE: '64' });
    const pages = await allPages(url);
    expect(pages.map((page) => page.names.length)).toEqual([...Array.from({ length: 15 }, () => 64), 40]);
    expect(pages.flatMap((page) => page.names)).toEqual(definition.tools.map((tool) => tool.name));
    expect(pages.at(-1)!.nextCursor).toBeUndefined();
    // Stable: the same cursor gives the same page.
    expect(await listPage(url, undefined, pages[0]!.nextCursor)).toEqual(pages[1]);
  });

  it('#16 the default page size is 100, and the SDK client follows nextCursor when asked', async () => {
    const definition = manyTools(250);
    const url = await openServer(definition);
    const client = new Client({ name: 'pages', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    cleanup.push(() => client.close());
    const names: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? undefined : { cursor });
      sizes.push(page.tools.length);
      names.push(...page.tools.map((tool) => tool.name));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(sizes).toEqual([100, 100, 50]);
    expect(names).toEqual(definition.tools.map((tool) => tool.name));
  });

  it('#16 a caller lacking scopes sees only its tools, on every page, and no page hints at the others', async () => {
    const as = await startScriptedIssuer();
    cleanup.push(() => as.close());
    const upstream = await startRecordingUpstream();
    cleanup.push(() => upstream.close());
    // Every third tool needs pets:write; the rest are public. The last 100 are all protected.
    const definition = manyTools(1000, (tool, index) => ({ ...tool, scopes: index % 3 === 0 || index >= 900 ? [['pets:write']] : [] }), authDefinition());
    const mcp = await startProtected(as, `${upstream.origin}/api`, { MCP_TOOLS_PAGE_SIZE: '50', TOOL_MODE: 'direct' }, {}, definition);
    cleanup.push(() => mcp.close());

    const reader = await as.mint(mcp.server.publicUrl, { claims: { scope: 'pets:read' } });
    const visible = definition.tools.filter((_, index) => index % 3 !== 0 && index < 900).map((tool) => tool.name);
    const pages = await allPages(mcp.url, reader);
    expect(pages.flatMap((page) => page.names)).toEqual(visible);
    expect(pages.slice(0, -1).every((page) => page.names.length === 50)).toBe(true);
    // The last visible tool ends the list: no cursor leads to an empty page over the hidden tail.
    expect(pages.at(-1)!.names.length).toBeGreaterThan(0);
    expect(pages.at(-1)!.nextCursor).toBeUndefined();

    // A cursor pointing at a hidden tool still shows only visible ones.
    expect((await listPage(mcp.url, reader, encodeCursor(900))).names).toEqual([]);
    expect((await listPage(mcp.url, reader, encodeCursor(3))).names[0]).toBe('tool_0004');

    const writer = await as.mint(mcp.server.publicUrl, { claims: { scope: 'pets:write' } });
    expect((await allPages(mcp.url, writer)).flatMap((page) => page.names)).toEqual(definition.tools.map((tool) => tool.name));
  });

  it.each([
    ['garbage', 'not a cursor'],
    ['an index past the end', encodeCursor(1000)],
    ['a negative index', Buffer.from('tools:-1').toString('base64url')],
    ['a non-canonical index', Buffer.from('tools:01').toString('base64url')],
    ['another prefix', Buffer.from('users:1').toString('base64url')],
    ['padding', `${encodeCursor(1)}=`],
    ['a huge string', 'A'.repeat(100_000)],
    ['an empty string', ''],
  ])('#16 answers -32602 to a cursor that is %s', async (_name, cursor) => {
    const url = await openServer(manyTools(1000));
    const response = await rpc(url, undefined, { jsonrpc: '2.0', id: 9, method: 'tools/list', params: { cursor } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ jsonrpc: '2.0', id: 9, error: { code: ErrorCode.InvalidParams } });
    expect(JSON.stringify(response.body)).not.toContain('tool_');
  });

  it('#16 answers a JSON-RPC error, never a page, to a cursor that is not a string', async () => {
    const url = await openServer(manyTools(10));
    for (const cursor of [5, null, { index: 1 }, ['tools:1']]) {
      const response = await rpc(url, undefined, { jsonrpc: '2.0', id: 9, method: 'tools/list', params: { cursor } });
      // The SDK's schema check answers these before the handler runs, with its own code (-32603).
      expect(response.body).toMatchObject({ id: 9, error: { code: expect.any(Number) } });
      expect(response.body).not.toHaveProperty('result');
    }
  });

  it('#16 cuts a page at MAX_PAGE_BYTES, and gives a tool larger than that a page of its own', async () => {
    // Descriptions of ~300 KB: three tools fit in 1 MiB, a fourth does not. Tool 7 alone is larger than a page.
    const definition = manyTools(12, (tool, index) => ({ ...tool, description: (index === 7 ? 'y' : 'x').repeat(index === 7 ? MAX_PAGE_BYTES + 10 : 300_000) }));
    const url = await openServer(definition);
    const pages = await allPages(url);
    expect(pages.map((page) => page.names.length)).toEqual([3, 3, 1, 1, 3, 1]);
    expect(pages.flatMap((page) => page.names)).toEqual(definition.tools.map((tool) => tool.name));
    for (const page of pages) if (page.names.length > 1) expect(page.bytes).toBeLessThanOrEqual(MAX_PAGE_BYTES);
  });
});
