/**
 * Every example in specs/: its committed server builds (test/global-setup.ts), starts, lists its tools and calls
 * the upstream with the method and path the spec declares.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { listExamples, ROOT } from '../../scripts/examples.js';
import type { ServerDefinition, ToolDefinition } from '../../templates/runtime/definition.js';
import { startGenerated } from '../support/generated-server.js';
import { startRecordingUpstream } from '../support/upstream.js';

/** A GET tool whose required arguments are all plain strings or integers, with values for them. */
function simpleCall(definition: ServerDefinition): { tool: ToolDefinition; args: Record<string, unknown> } {
  for (const tool of definition.tools.filter((t) => t.method === 'GET')) {
    const properties = (tool.inputSchema.properties ?? {}) as Record<string, { type?: unknown }>;
    const required = (tool.inputSchema.required ?? []) as string[];
    if (!required.every((name) => properties[name]?.type === 'string' || properties[name]?.type === 'integer')) continue;
    return { tool, args: Object.fromEntries(required.map((name) => [name, properties[name]!.type === 'integer' ? 7 : 'id7'])) };
  }
  throw new Error(`${definition.name}: no GET tool with simple arguments`);
}

describe.each(listExamples())('generated/$name', (example) => {
  it('starts, lists every tool, and calls the upstream as the spec says', async () => {
    const definition = JSON.parse(readFileSync(join(ROOT, example.outDir, 'tools.json'), 'utf8')) as ServerDefinition;
    const upstream = await startRecordingUpstream();
    const credentials = Object.fromEntries(
      Object.values(definition.securitySchemes).flatMap((scheme) =>
        scheme.type === 'basic' ? [[`${scheme.envPrefix}_USERNAME`, 'u'], [`${scheme.envPrefix}_PASSWORD`, 'p']] : scheme.type === 'unsupported' ? [] : scheme.type === 'oauth2ClientCredentials' ? [] : [[`${scheme.envPrefix}_${scheme.type === 'apiKey' ? 'API_KEY' : 'TOKEN'}`, 'secret']],
      ),
    );
    // Every tool listed is direct mode's: under TOOL_MODE=auto an API of more than 64 tools (gmail) offers the discovery meta-tools (#13).
    const server = await startGenerated(example.name, { AUTH_MODE: 'none', TOOL_MODE: 'direct', UPSTREAM_BASE_URL: `${upstream.origin}/base`, ...credentials });
    const client = new Client({ name: 'every-example', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(definition.tools.map((tool) => tool.name));
      const { tool, args } = simpleCall(definition);
      const result = (await client.callTool({ name: tool.name, arguments: args })) as CallToolResult;
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(upstream.received).toHaveLength(1);
      const expectedPath = tool.path.replace(/\{([^}]+)\}/g, (_, name: string) => String(args[name]));
      expect(upstream.received[0]!.method).toBe('GET');
      expect(upstream.received[0]!.url.split('?')[0]).toBe(`/base${expectedPath}`);
    } finally {
      await client.close();
      await server.stop();
      await upstream.close();
    }
  });
});
