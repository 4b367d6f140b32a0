/**
 * #12 Consent settings and stdio, as processes: a malformed or short CONSENT_KEY refuses the start naming the variable
 * (never its value), --print-config redacts it, the start-up warns without a shared key or with CONSENT=off; over stdio
 * a legacy client that declared elicitation is asked with elicitation/create; CONSENT=off skips the question.
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONSENT_KEY_EXAMPLE } from '../../templates/runtime/setting-definitions.js';
import { startRecordingUpstream } from '../support/upstream.js';
import type { RecordingUpstream } from '../support/upstream.js';
import { startScriptedIssuer } from '../support/scripted-issuer.js';
import type { ScriptedIssuer } from '../support/scripted-issuer.js';
import { consentDefinition } from './fixtures/consent-definition.js';
import { rpc, startProtected } from './fixtures/protected.js';
import { runEntry, type ExitedProcess } from '../support/run-entry.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = fileURLToPath(new URL('./fixtures/consent-server.ts', import.meta.url));
const KEY = Buffer.alloc(32, 0x5a).toString('base64url');

let upstream: RecordingUpstream;
beforeAll(async () => {
  upstream = await startRecordingUpstream();
});
afterAll(async () => {
  await upstream?.close();
});
beforeEach(() => {
  upstream.received.length = 0;
});

const baseEnv = () => ({ PATH: process.env.PATH ?? '', UPSTREAM_BASE_URL: `${upstream.origin}/api`, LOG_LEVEL: 'warn' });

/** Runs the server with stdin closed: it checks its settings, logs, and exits. */
function run(args: string[], env: Record<string, string>): Promise<ExitedProcess> {
  return runEntry(ENTRY, args, { ...baseEnv(), ...env });
}

const warnings = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: string; msg: string })
    .filter((line) => line.level === 'warn')
    .map((line) => line.msg);

describe('#12 consent settings at start', () => {
  it('#12 a short CONSENT_KEY refuses the start, naming the variable and never its value', async () => {
    const short = Buffer.from('sixteen-byte-key').toString('base64');
    const { code, stderr } = await run(['--stdio'], { CONSENT_KEY: short });
    expect(code).toBe(1);
    expect(stderr).toBe(`error: CONSENT_KEY: decodes to 16 bytes; it needs at least 32 (e.g. openssl rand -base64 32). Example: CONSENT_KEY=${CONSENT_KEY_EXAMPLE}\n`);
    expect(stderr).not.toContain(short);
  });

  it('#12 a CONSENT_KEY that is neither hex nor base64 refuses the start; so does a CONSENT_TTL_SECONDS out of range', async () => {
    const malformed = await run(['--stdio'], { CONSENT_KEY: 'my secret passphrase!' });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toBe(`error: CONSENT_KEY: is neither hex nor base64/base64url. Example: CONSENT_KEY=${CONSENT_KEY_EXAMPLE}\n`);
    const ttl = await run(['--stdio'], { CONSENT_TTL_SECONDS: '5' });
    expect(ttl.code).toBe(1);
    expect(ttl.stderr).toBe('error: CONSENT_TTL_SECONDS: "5" is not a whole number of seconds from 10 to 3600. Example: CONSENT_TTL_SECONDS=120\n');
  });

  it('#12 --print-config redacts CONSENT_KEY', async () => {
    const { code, stdout } = await run(['--stdio', '--print-config'], { CONSENT_KEY: KEY, CONSENT_TTL_SECONDS: '120' });
    expect(code).toBe(0);
    expect(stdout).not.toContain(KEY);
    expect(stdout).toMatch(/^CONSENT_KEY=\[redacted\] +# env$/m);
    expect(stdout).toMatch(/^CONSENT_TTL_SECONDS=120 +# env$/m);
    expect(stdout).toMatch(/^CONSENT=on +# default$/m);
  });

  it('#12 the start warns once when approvals are sealed with a key of this process only, or with the documented example', async () => {
    expect(warnings((await run(['--stdio'], {})).stderr).filter((message) => message.includes('CONSENT'))).toEqual([
      "CONSENT_KEY is not set: consent approvals are sealed with a random key of this process, so replicas will not accept each other's approvals and a restart voids open questions. Set CONSENT_KEY to the same value on every replica.",
    ]);
    expect(warnings((await run(['--stdio'], { CONSENT_KEY: KEY })).stderr).filter((message) => message.includes('CONSENT'))).toEqual([]);
    expect(warnings((await run(['--stdio'], { CONSENT_KEY: CONSENT_KEY_EXAMPLE })).stderr).filter((message) => message.includes('CONSENT'))).toEqual([
      'WARNING: CONSENT_KEY is the example of the documentation, which anyone can read and so forge approvals with. Generate a key: openssl rand -base64 32.',
    ]);
  });

  it('#12 CONSENT=off warns at start, naming the tools that will run without asking', async () => {
    expect(warnings((await run(['--stdio'], { CONSENT: 'off' })).stderr)).toContain(
      "WARNING: CONSENT=off — 3 tools (delete_ticket, close_ticket, delete_note) that need the user's approval run without asking. Use this only when the host asks the user itself.",
    );
  });
});

describe('#12 consent over stdio (legacy client)', () => {
  async function withClient<T>(elicitation: { action: 'accept'; content: { confirm: boolean } } | { action: 'decline' } | undefined, env: Record<string, string>, use: (client: Client, questions: string[]) => Promise<T>): Promise<T> {
    const transport = new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', ENTRY, '--stdio'], cwd: ROOT, env: { ...baseEnv(), CONSENT_KEY: KEY, MCP_STDIO_CLAIMS: '{"tenant":"acme"}', ...env }, stderr: 'pipe' });
    const client = new Client({ name: 'consent-stdio', version: '1.0.0' }, elicitation ? { capabilities: { elicitation: { form: {} } } } : {});
    const questions: string[] = [];
    if (elicitation) {
      client.setRequestHandler(ElicitRequestSchema, (request) => {
        questions.push((request.params as { message: string }).message);
        return Promise.resolve(elicitation);
      });
    }
    await client.connect(transport);
    try {
      return await use(client, questions);
    } finally {
      await client.close();
    }
  }

  it('#12 a client with elicitation is asked; accept sends the call upstream, decline does not', async () => {
    await withClient({ action: 'accept', content: { confirm: true } }, {}, async (client, questions) => {
      const result = await client.callTool({ name: 'delete_ticket', arguments: { ticketId: 'T-9' } });
      expect(result.isError).toBeFalsy();
      expect(questions).toEqual(['Helpdesk API: Delete a ticket (DELETE /tickets/{ticketId}).\nticketId: "T-9"\nThis cannot be undone.']);
    });
    expect(upstream.received.map((request) => `${request.method} ${request.url}`)).toEqual(['DELETE /api/tickets/T-9']);
    await withClient({ action: 'decline' }, {}, async (client) => {
      const result = await client.callTool({ name: 'delete_ticket', arguments: { ticketId: 'T-9' } });
      expect((result.content as { text: string }[])[0]!.text).toBe('The user declined this action. Nothing was done.');
    });
    expect(upstream.received).toHaveLength(1);
  });

  it('#12 a client without elicitation is refused before anything goes upstream; with CONSENT=off it is not asked', async () => {
    await withClient(undefined, {}, async (client) => {
      const result = await client.callTool({ name: 'delete_ticket', arguments: { ticketId: 'T-9' } });
      expect(result.isError).toBe(true);
      expect((result.content as { text: string }[])[0]!.text).toMatch(/^This tool needs the user's confirmation, and this client cannot ask for it/);
    });
    expect(upstream.received).toEqual([]);
    await withClient(undefined, { CONSENT: 'off' }, async (client) => {
      expect((await client.callTool({ name: 'delete_ticket', arguments: { ticketId: 'T-9' } })).isError).toBeFalsy();
    });
    expect(upstream.received).toHaveLength(1);
  });
});

describe('#12 CONSENT=off over HTTP', () => {
  let as: ScriptedIssuer;
  beforeAll(async () => {
    as = await startScriptedIssuer();
  });
  afterAll(async () => {
    await as?.close();
  });

  it('#12 CONSENT=off: a 2026-07-28 client without elicitation calls a consent tool straight through, with no consent audit', async () => {
    const mcp = await startProtected(as, `${upstream.origin}/api`, { CONSENT: 'off' }, {}, consentDefinition());
    try {
      const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
      const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_ticket', arguments: { ticketId: 'T-3' }, _meta: meta } };
      const token = await as.mint(mcp.server.publicUrl, { claims: { sub: 'alice', scope: '' } });
      const response = await rpc(mcp.url, token, body, { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'delete_ticket' });
      expect(response.body.result).toMatchObject({ resultType: 'complete' });
      expect(response.body.result.isError).toBeFalsy();
      expect(upstream.received.map((request) => request.url)).toEqual(['/api/tickets/T-3']);
      for (let i = 0; i < 200 && mcp.audit.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(mcp.audit[0]).toMatchObject({ tool: 'delete_ticket', decision: 'allow', reason: 'ok' });
      expect(mcp.audit[0]!.consent).toBeUndefined();
    } finally {
      await mcp.close();
    }
  });
});
