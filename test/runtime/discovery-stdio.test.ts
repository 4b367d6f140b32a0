/** #13 Discovery over stdio: main() with TOOL_MODE=discovery serves the meta-tools to the SDK stdio client. */

import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = fileURLToPath(new URL('./fixtures/server.ts', import.meta.url));

let upstream: RecordingUpstream;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
});

afterAll(async () => {
  await upstream?.close();
});

describe('#13 discovery over stdio', () => {
  it('#13 lists the meta-tools, finds every tool (no caller authorization over stdio) and runs one through call_tool', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', ENTRY, '--stdio'],
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', UPSTREAM_BASE_URL: `${upstream.origin}/api`, TOOL_MODE: 'discovery' },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'discovery-stdio', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['search_tools', 'describe_tool', 'call_tool']);
      const found = await client.callTool({ name: 'search_tools', arguments: { query: 'pet owner' } });
      const names = (found.structuredContent as { tools: { name: string; requiredScopes?: string[] }[] }).tools.map((tool) => tool.name);
      expect(names.sort()).toEqual(['create_pet', 'get_pet', 'list_owners']);
      const ran = await client.callTool({ name: 'call_tool', arguments: { name: 'get_pet', arguments: { petId: 5 } } });
      expect(ran.isError).toBeFalsy();
      const invalid = await client.callTool({ name: 'call_tool', arguments: { name: 'get_pet', arguments: { petId: -1 } } });
      expect(invalid.isError).toBe(true);
      expect(upstream.received.map((request) => `${request.method} ${request.url}`)).toEqual(['GET /api/pets/5']);
    } finally {
      await client.close();
    }
  });
});
