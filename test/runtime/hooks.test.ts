/**
 * The user's hooks (src/hooks.ts of an emitted server) around tools/call: authorize ▶ before ▶ upstream ▶ after,
 * run only for callers and arguments that passed the policy and validation.
 */

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWithHooks } from '../../templates/runtime/hooks.js';
import type { ServerHooks, ToolCallContext } from '../../templates/runtime/hooks.js';
import { startHttpServer } from '../../templates/runtime/http.js';
import type { RunningHttpServer } from '../../templates/runtime/http.js';
import { readSettings } from '../../templates/runtime/settings.js';
import { fixtureDefinition } from './fixtures/definition.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';

const definition = fixtureDefinition();
const tool = definition.tools[0]!;
const context: ToolCallContext = { tool, identity: { subject: 'alice', scopes: [], roles: [] }, args: { id: 1 } };
const ok: CallToolResult = { content: [{ type: 'text', text: 'upstream' }] };

describe('runWithHooks', () => {
  it('runs authorize, the wildcard and the tool before hooks, the call, then the after hooks, in that order', async () => {
    const order: string[] = [];
    const hooks: ServerHooks = {
      authorize: (identity, t, args) => {
        order.push(`authorize ${identity.subject} ${t.name} ${JSON.stringify(args)}`);
        return { allowed: true };
      },
      tools: {
        '*': { before: () => void order.push('before *'), after: () => void order.push('after *') },
        [tool.name]: {
          before: () => void order.push('before tool'),
          after: (_c, result) => {
            order.push('after tool');
            return { ...result, content: [{ type: 'text', text: 'replaced' }] };
          },
        },
      },
    };
    const outcome = await runWithHooks(hooks, context, async () => {
      order.push('call');
      return ok;
    });
    expect(order).toEqual([`authorize alice ${tool.name} {"id":1}`, 'before *', 'before tool', 'call', 'after *', 'after tool']);
    expect(outcome).toEqual({ result: { content: [{ type: 'text', text: 'replaced' }] } });
  });

  it('stops at a denial from authorize or a before hook, and never calls upstream', async () => {
    let called = false;
    const call = async () => ((called = true), ok);
    expect(await runWithHooks({ authorize: () => ({ allowed: false, reason: 'not your ledger' }) }, context, call)).toEqual({ rejected: 'not your ledger' });
    expect(await runWithHooks({ tools: { [tool.name]: { before: () => ({ allowed: false, reason: 'closed today' }) } } }, context, call)).toEqual({ rejected: 'closed today' });
    expect(called).toBe(false);
  });

  it('with no hooks, is the call', async () => {
    expect(await runWithHooks({}, context, async () => ok)).toEqual({ result: ok });
  });
});

describe('hooks in the HTTP server', () => {
  let upstream: RecordingUpstream;
  let server: RunningHttpServer;
  const seen: string[] = [];

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    upstream.answer = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ ok: true }));
    };
    const settings = readSettings({ PORT: '0', UPSTREAM_BASE_URL: `${upstream.origin}/api`, LOG_LEVEL: 'error', AUTH_MODE: 'none' }, definition);
    server = await startHttpServer(definition, settings, {
      audit: () => undefined,
      hooks: {
        authorize: (_identity, t, args) => {
          seen.push(`${t.name} ${JSON.stringify(args)}`);
          return args['petId'] === 13 ? { allowed: false, reason: 'pet 13 is not yours' } : { allowed: true };
        },
      },
    });
  });

  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('denies by the object-level check as a tool error, after validation, without calling upstream', async () => {
    const client = new Client({ name: 'hooks-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    try {
      const denied = (await client.callTool({ name: 'get_pet', arguments: { petId: 13 } })) as CallToolResult;
      expect(denied).toMatchObject({ isError: true, content: [{ type: 'text', text: 'pet 13 is not yours' }] });
      const invalid = (await client.callTool({ name: 'get_pet', arguments: { petId: 'thirteen' } })) as CallToolResult;
      expect(invalid.isError).toBe(true);
      expect(upstream.received).toHaveLength(0);
      const allowed = (await client.callTool({ name: 'get_pet', arguments: { petId: 7 } })) as CallToolResult;
      expect(allowed.isError).toBeFalsy();
      expect(upstream.received).toHaveLength(1);
      expect(seen).toEqual(['get_pet {"petId":13}', 'get_pet {"petId":7}']);
    } finally {
      await client.close();
    }
  });
});
