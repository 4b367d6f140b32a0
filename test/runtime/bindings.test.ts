/**
 * #11: arguments bound to the caller's claims at run time, over a real HTTP server with a real token verifier and a
 * recording upstream: values filled from the verified token (literal and dotted claim paths, strings, numbers and
 * booleans, converted like any argument), refusals before anything goes upstream (missing, empty, non-scalar claims; a
 * bound argument supplied by the caller) with their audit reasons, and over stdio with and without MCP_STDIO_CLAIMS.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindArguments } from '../../templates/runtime/bindings.js';
import { startRecordingUpstream } from '../support/upstream.js';
import type { RecordingUpstream } from '../support/upstream.js';
import type { ScriptedIssuer } from '../support/scripted-issuer.js';
import { boundDefinition } from './fixtures/bound-definition.js';
import { rpc, startProtected, toolsCall, TOOLS_LIST, useProtectedStack } from './fixtures/protected.js';
import type { ProtectedServer } from './fixtures/protected.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = fileURLToPath(new URL('./fixtures/bound-server.ts', import.meta.url));

describe('#11 bindings over HTTP', () => {
  let as: ScriptedIssuer;
  let upstream: RecordingUpstream;
  let mcp: ProtectedServer;

  useProtectedStack((stack) => ({ as, upstream, mcp } = stack), (issuer, upstreamBaseUrl) => startProtected(issuer, upstreamBaseUrl, {}, {}, boundDefinition()));

  const token = (claims: Record<string, unknown>) => as.mint(mcp.server.publicUrl, { claims: { scope: '', ...claims } });
  const call = async (claims: Record<string, unknown>, tool: string, args: Record<string, unknown>, id = 1) => (await rpc(mcp.url, await token(claims), toolsCall(tool, args, id))).body.result;
  /** The audit line of the call with JSON-RPC id `id`, once written. */
  const auditOf = async (tool: string) => {
    for (let i = 0; i < 200 && !mcp.audit.some((line) => line.tool === tool); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const line = mcp.audit.filter((entry) => entry.tool === tool).at(-1)!;
    mcp.audit.length = 0;
    return line;
  };
  const CLAIMS = { tenant: 'acme', org: { id: 42 }, flags: { vip: true }, level: '3' };

  it('#11 tools/list never shows a bound argument', async () => {
    const listed = (await rpc(mcp.url, await token(CLAIMS), TOOLS_LIST)).body.result.tools as { name: string; inputSchema: Record<string, unknown> }[];
    expect(listed.map((tool) => [tool.name, Object.keys(tool.inputSchema.properties as object)])).toEqual([
      ['tenant_pet', ['petId']],
      ['tenant_note', ['body']],
      ['plain_pet', ['petId']],
    ]);
    expect(JSON.stringify(listed)).not.toMatch(/tenantId|"tenant"|X-Org|level|\$defs/);
  });

  it('#11 fills bound parameters from the token: string, number (dotted path) and boolean claims, converted to the schema', async () => {
    const result = await call(CLAIMS, 'tenant_pet', { petId: 7 });
    expect(result.isError).toBeFalsy();
    expect(upstream.received.map((request) => [request.url, request.headers['x-org']])).toEqual([['/api/tenants/acme/pets/7?vip=true', '42']]);
    expect(await auditOf('tenant_pet')).toMatchObject({ decision: 'allow', reason: 'ok', upstreamStatus: 200 });
  });

  it('#11 reads a literal claim name before a dotted path, and converts a text claim for an integer parameter', async () => {
    await call({ ...CLAIMS, 'org.id': '7' }, 'tenant_pet', { petId: 8 });
    expect(upstream.received.map((request) => [request.url, request.headers['x-org']])).toEqual([['/api/tenants/acme/pets/8?vip=true', '7']]);
  });

  it('#11 a claim that fails the parameter schema is refused by validation, nothing sent upstream', async () => {
    const result = await call({ ...CLAIMS, tenant: 'Not A Slug' }, 'tenant_pet', { petId: 8 });
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toContain('/tenant');
    expect(upstream.received).toHaveLength(0);
  });

  it('#11 fills bound properties of a JSON body, converting a text claim to the property type', async () => {
    const result = await call({ org: { id: 'acme' }, level: '3' }, 'tenant_note', { body: { text: 'hello' } });
    expect(result.isError).toBeFalsy();
    expect(upstream.received.map((request) => JSON.parse(request.body.toString('utf8')))).toEqual([{ text: 'hello', level: 3, tenantId: 'acme' }]);
  });

  it('#11 refuses a missing, empty or non-scalar claim before anything is sent upstream, without showing claim values', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...CLAIMS, tenant: undefined }, 'binding_missing_claim', 'The argument "tenant" is bound to the claim "tenant", which the caller\'s token does not carry (or is empty)'],
      [{ ...CLAIMS, tenant: '  ' }, 'binding_missing_claim', 'The argument "tenant" is bound to the claim "tenant", which the caller\'s token does not carry (or is empty)'],
      [{ ...CLAIMS, org: { id: { secret: 's3cr3t-value' } } }, 'binding_invalid_claim', 'The argument "X-Org" is bound to the claim "org.id", which is not a string, number or boolean in the caller\'s token'],
      [{ ...CLAIMS, flags: { vip: ['s3cr3t-value'] } }, 'binding_invalid_claim', 'The argument "vip" is bound to the claim "flags.vip", which is not a string, number or boolean in the caller\'s token'],
    ];
    for (const [claims, reason, message] of cases) {
      const result = await call(claims, 'tenant_pet', { petId: 1 });
      expect(result).toEqual({ isError: true, content: [{ type: 'text', text: message }] });
      expect(await auditOf('tenant_pet')).toMatchObject({ tool: 'tenant_pet', decision: 'deny', reason });
    }
    expect(upstream.received).toHaveLength(0);
  });

  it('#11 refuses an argument supplied for a bound name (never overwritten), audited', async () => {
    const pet = await call(CLAIMS, 'tenant_pet', { petId: 1, tenant: 'other-tenant' });
    expect(pet.isError).toBe(true);
    expect(pet.content[0].text).toBe('The argument "tenant" is set by the server from the caller\'s identity and must not be supplied; call again without it');
    expect(await auditOf('tenant_pet')).toMatchObject({ decision: 'deny', reason: 'binding_argument_supplied' });
    const note = await call(CLAIMS, 'tenant_note', { body: { text: 'x', tenantId: 'other-tenant' } });
    expect(note.content[0].text).toBe('The property "tenantId" of the argument "body" is set by the server from the caller\'s identity and must not be supplied; call again without it');
    expect(await auditOf('tenant_note')).toMatchObject({ decision: 'deny', reason: 'binding_argument_supplied' });
    expect(upstream.received).toHaveLength(0);
  });

  it('#11 a tool without bindings is unaffected by missing claims', async () => {
    const result = await call({}, 'plain_pet', { petId: 3 });
    expect(result.isError).toBeFalsy();
    expect(upstream.received.map((request) => request.url)).toEqual(['/api/pets/3']);
  });
});

describe('#11 bindArguments', () => {
  const [tenantPet, tenantNote] = boundDefinition().tools;
  it('#11 creates the body for bound body properties when the caller sends none (validation then judges it)', () => {
    expect(bindArguments(tenantNote!, { org: { id: 'acme' }, level: 2 }, {})).toEqual({ args: { body: { level: 2, tenantId: 'acme' } } });
    // A body that is not an object is left as sent, for validation to refuse.
    expect(bindArguments(tenantNote!, { org: { id: 'acme' }, level: 2 }, { body: 'text' })).toEqual({ args: { body: 'text' } });
  });
  it('#11 keeps every own argument, `__proto__` included, and never mutates the arguments', () => {
    const args = JSON.parse('{"petId":1,"__proto__":{"x":1}}') as Record<string, unknown>;
    const outcome = bindArguments(tenantPet!, { tenant: 'a', org: { id: 1 }, flags: { vip: false } }, args);
    expect('args' in outcome && Object.hasOwn(outcome.args as object, '__proto__')).toBe(true);
    expect(Object.keys(args)).toEqual(['petId', '__proto__']);
  });
  it('#11 without claims (AUTH_MODE=none) refuses and says why', () => {
    expect(bindArguments(tenantPet!, undefined, { petId: 1 })).toEqual({
      refused: { reason: 'binding_missing_claim', message: "tenant_pet has arguments bound to the caller's identity, but this server verifies no access token (AUTH_MODE=none), so it has no claims to fill them from" },
    });
  });
});

describe('#11 bindings with AUTH_MODE=none', () => {
  it('#11 warns at start and refuses tools with bound arguments (no token, no claims), audited', async () => {
    const upstream = await startRecordingUpstream();
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', AUTH_MODE: 'none', UPSTREAM_BASE_URL: `${upstream.origin}/api` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    try {
      const waitFor = async (pattern: RegExp) => {
        for (let i = 0; i < 400; i++) {
          const match = stderr.match(pattern);
          if (match) return match;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        throw new Error(`stderr never matched ${pattern}: ${stderr}`);
      };
      const [, url] = (await waitFor(/listening on (http:\/\/\S+) /))!;
      await waitFor(/2 tools bind arguments to the caller's claims and will refuse every call: this server verifies no access token \(AUTH_MODE=none\)/);
      const result = (await rpc(url!, undefined, toolsCall('tenant_pet', { petId: 1 }, 7))).body.result;
      expect(result).toEqual({
        isError: true,
        content: [{ type: 'text', text: "tenant_pet has arguments bound to the caller's identity, but this server verifies no access token (AUTH_MODE=none), so it has no claims to fill them from" }],
      });
      const audit = await waitFor(/\{[^\n]*"tool":"tenant_pet"[^\n]*\}/);
      expect(JSON.parse(audit[0])).toMatchObject({ decision: 'deny', reason: 'binding_missing_claim' });
      expect(upstream.received).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      await upstream.close();
    }
  });
});

describe('#11 bindings over stdio', () => {
  let upstream: RecordingUpstream;
  beforeAll(async () => {
    upstream = await startRecordingUpstream();
  });
  afterAll(async () => {
    await upstream?.close();
  });

  const env = (extra: Record<string, string>) => ({ PATH: process.env.PATH ?? '', UPSTREAM_BASE_URL: `${upstream.origin}/api`, LOG_LEVEL: 'warn', ...extra });
  async function withClient<T>(extra: Record<string, string>, use: (client: Client, stderr: () => string) => Promise<T>): Promise<T> {
    const transport = new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', ENTRY, '--stdio'], cwd: ROOT, env: env(extra), stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const client = new Client({ name: 'bound-stdio', version: '1.0.0' });
    await client.connect(transport);
    try {
      return await use(client, () => stderr);
    } finally {
      await client.close();
    }
  }

  it('#11 fills bound arguments from MCP_STDIO_CLAIMS', async () => {
    upstream.received.length = 0;
    await withClient({ MCP_STDIO_CLAIMS: JSON.stringify({ tenant: 'acme', org: { id: 5 }, flags: { vip: false } }) }, async (client) => {
      const result = await client.callTool({ name: 'tenant_pet', arguments: { petId: 2 } });
      expect(result.isError).toBeFalsy();
    });
    expect(upstream.received.map((request) => [request.url, request.headers['x-org']])).toEqual([['/api/tenants/acme/pets/2?vip=false', '5']]);
  });

  it('#11 without MCP_STDIO_CLAIMS, tools with bound arguments refuse naming the setting, and the start warns', async () => {
    upstream.received.length = 0;
    await withClient({}, async (client, stderr) => {
      const result = await client.callTool({ name: 'tenant_pet', arguments: { petId: 2 } });
      expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringContaining('set MCP_STDIO_CLAIMS to a JSON object of claims') }] });
      expect((await client.callTool({ name: 'plain_pet', arguments: { petId: 2 } })).isError).toBeFalsy();
      expect(stderr()).toContain('2 tools bind arguments to the caller\'s claims and will refuse every call: no claims are configured for this stdio server: set MCP_STDIO_CLAIMS to a JSON object of claims (tenant_pet, tenant_note)');
    });
    expect(upstream.received.map((request) => request.url)).toEqual(['/api/pets/2']);
  });

  it('#11 refuses to start when MCP_STDIO_CLAIMS is not a JSON object, without echoing it', async () => {
    const exited = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, '--stdio'], { cwd: ROOT, env: env({ MCP_STDIO_CLAIMS: '["s3cr3t"]' }), stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(exited.code).toBe(1);
    expect(exited.stderr).toContain('error: MCP_STDIO_CLAIMS: must be a JSON object of claims. Example: MCP_STDIO_CLAIMS={"tenant":"acme","sub":"alice"}');
    expect(exited.stderr).not.toContain('s3cr3t');
  });
});
