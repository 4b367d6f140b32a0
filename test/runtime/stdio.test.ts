/**
 * main() as a process: the emitted entry point over stdio, over HTTP with signals, and refusing bad settings.
 * Each test spawns `node --import tsx test/runtime/fixtures/server.ts`, which calls main() on the fixture tools.json.
 */

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = fileURLToPath(new URL('./fixtures/server.ts', import.meta.url));

let upstream: RecordingUpstream;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  upstream.answer = (res, request) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ ok: true, method: request.method, url: request.url }));
  };
});

afterAll(async () => {
  await upstream?.close();
});

beforeEach(() => {
  upstream.received.length = 0;
});

/** Only what the server needs: nothing (PORT, HOST…) leaks in from the environment running the tests. */
function serverEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', UPSTREAM_BASE_URL: `${upstream.origin}/api`, ...extra };
}

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawns the entry; `interact` may write to it and decide when it should end. */
function run(args: string[], env: Record<string, string>, interact?: (child: ReturnType<typeof spawn>, output: { stdout: string; stderr: string }) => void): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, ...output }));
    interact?.(child, output);
  });
}

/** The start-up line (JSON, from pino): the URL is followed by a space, so scrapers can take it with \S+. */
const LISTENING = /"msg":"MCP server listening on (http:\/\/127\.0\.0\.1:\d+\/mcp) /;

/** Every stderr line as JSON: the pino log lines and the audit lines; a line that is not JSON fails the test. */
function jsonLines(stderr: string): Record<string, unknown>[] {
  return stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Resolves when `output.stderr` matches `pattern`. */
async function waitFor(output: { stderr: string }, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = output.stderr.match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`stderr never matched ${pattern}: ${output.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('main --stdio', () => {
  it('serves tools/list and tools/call to the SDK stdio client', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', ENTRY, '--stdio'],
      cwd: ROOT,
      env: serverEnv({}),
      stderr: 'pipe',
    });
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect(client.getServerVersion()).toMatchObject({ name: 'petstore-test', version: '1.0.0' });
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['get_pet', 'create_pet', 'list_owners']);
      expect(Object.keys(tools[1]!.inputSchema.$defs as object).sort()).toEqual(['Owner', 'Pet']);

      const result = await client.callTool({ name: 'get_pet', arguments: { petId: 5, tags: ['x'] } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ ok: true, method: 'GET', url: '/api/pets/5?tags=x' });

      const invalid = await client.callTool({ name: 'get_pet', arguments: { petId: -1 } });
      expect(invalid.isError).toBe(true);
      expect(JSON.stringify(invalid.content)).toContain('/petId');
      expect(upstream.received.map((request) => request.url)).toEqual(['/api/pets/5?tags=x']);
    } finally {
      await client.close();
    }
  });

  it('writes nothing but JSON-RPC messages on stdout, and exits 0 when stdin ends', async () => {
    const messages = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'list_owners', arguments: { limit: 2 } } },
    ];
    const exited = await run(['--stdio'], serverEnv({ LOG_LEVEL: 'debug' }), (child, output) => {
      for (const message of messages) child.stdin!.write(`${JSON.stringify(message)}\n`);
      // End input once every request has been answered.
      const wait = setInterval(() => {
        if (output.stdout.split('\n').filter(Boolean).length >= 3) {
          clearInterval(wait);
          child.stdin!.end();
        }
      }, 20);
    });
    expect(exited.code).toBe(0);
    const lines = exited.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    const replies = lines.map((line) => JSON.parse(line) as { jsonrpc: string; id: number; result: Record<string, unknown> });
    expect(replies.map((reply) => [reply.jsonrpc, reply.id])).toEqual([['2.0', 1], ['2.0', 2], ['2.0', 3]]);
    expect(replies[2]!.result.structuredContent).toEqual({ ok: true, method: 'GET', url: '/api/owners?limit=2' });
    expect(exited.stdout.endsWith('\n')).toBe(true);
  });
});

describe('main over HTTP', () => {
  it('prints where it listens on stderr, serves, and closes on SIGTERM with exit code 0', async () => {
    let url = '';
    let listed: unknown;
    const exited = await run([], serverEnv({ PORT: '0', AUTH_MODE: 'none' }), (child, output) => {
      void (async () => {
        url = (await waitFor(output, LISTENING))[1]!;
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': LATEST_PROTOCOL_VERSION },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
        listed = ((await response.json()) as { result: { tools: { name: string }[] } }).result.tools.map((tool) => tool.name);
        child.kill('SIGTERM');
      })().catch(() => child.kill('SIGKILL'));
    });
    expect(listed).toEqual(['get_pet', 'create_pet', 'list_owners']);
    expect(exited).toMatchObject({ code: 0, signal: null, stdout: '' });
    // AUTH_MODE=none is loud about it; the audit goes to stderr, never stdout.
    expect(exited.stderr).toContain('WARNING: AUTH_MODE=none');
    const lines = jsonLines(exited.stderr);
    const audit = lines.filter((line) => 'decision' in line);
    expect(audit).toEqual([expect.objectContaining({ method: 'tools/list', decision: 'allow', reason: 'auth_disabled' })]);
    // Structured log lines (pino): start-up, one per request, shutdown.
    const logs = lines.filter((line) => !('decision' in line));
    expect(logs.map((line) => line.msg)).toEqual([
      expect.stringMatching(/^MCP server listening on http/),
      expect.stringMatching(/^WARNING: AUTH_MODE=none/),
      'request',
      expect.stringMatching(/^shutting down/),
      'stopped',
    ]);
    expect(logs[2]).toMatchObject({ level: 'info', method: 'POST', path: '/mcp', status: 200, requestId: expect.any(String), durationMs: expect.any(Number) });
    expect(logs[3]).toMatchObject({ level: 'info', signal: 'SIGTERM' });
    for (const line of logs) expect(line).toMatchObject({ time: expect.any(String), level: expect.stringMatching(/^(info|warn)$/) });
    await expect(fetch(url)).rejects.toThrow();
  });

  it('requires a token by default: 401 with the challenge, and the metadata document', async () => {
    let unauthorized: Response | undefined;
    let metadata: unknown;
    const exited = await run([], serverEnv({ PORT: '0', OAUTH_ISSUER: 'https://auth.example.com' }), (child, output) => {
      void (async () => {
        const url = (await waitFor(output, LISTENING))[1]!;
        unauthorized = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: '{}' });
        metadata = await (await fetch(new URL('/.well-known/oauth-protected-resource/mcp', url))).json();
        child.kill('SIGTERM');
      })().catch(() => child.kill('SIGKILL'));
    });
    expect(exited.code).toBe(0);
    expect(unauthorized?.status).toBe(401);
    const port = new URL((metadata as { resource: string }).resource).port;
    expect(unauthorized?.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp", scope="pets:write"`,
    );
    expect(metadata).toMatchObject({ resource: `http://127.0.0.1:${port}/mcp`, authorization_servers: ['https://auth.example.com'] });
    expect(exited.stderr).not.toContain('WARNING');
    expect(exited.stdout).toBe('');
  });

  it.each([
    [{}, /^error: OAUTH_ISSUER: is required .* Example: OAUTH_ISSUER=https:\/\/\S+\n$/],
    [{ OAUTH_ISSUER: 'http://auth.example.com' }, /^error: OAUTH_ISSUER: "http:\/\/auth\.example\.com" must use https .*\n$/],
    [{ AUTH_MODE: 'none', HOST: '0.0.0.0' }, /^error: AUTH_MODE: "none" is allowed only when HOST is a loopback address, not 0\.0\.0\.0\. Example: AUTH_MODE=oauth\n$/],
    [{ OAUTH_ISSUER: 'https://auth.example.com', AUDIT_LOG: '/nonexistent-dir/audit.log' }, /^error: AUDIT_LOG: cannot open "\/nonexistent-dir\/audit\.log" .*\n$/],
  ])('exits 1 before listening with %j', async (env, message) => {
    const exited = await run([], serverEnv({ PORT: '0', ...env }));
    expect(exited.code).toBe(1);
    expect(exited.stderr).toMatch(message);
    expect(exited.stdout).toBe('');
  });

  it('exits 1 naming the variable when PORT=abc, before listening', async () => {
    const exited = await run([], serverEnv({ PORT: 'abc' }));
    expect(exited.code).toBe(1);
    expect(exited.stderr).toBe('error: PORT: "abc" is not an integer from 0 to 65535. Example: PORT=8080\n');
    expect(exited.stdout).toBe('');
  });

  it('exits 1 naming UPSTREAM_BASE_URL when no base URL is absolute', async () => {
    const exited = await run([], serverEnv({ UPSTREAM_BASE_URL: 'api.example.com' }));
    expect(exited.code).toBe(1);
    expect(exited.stderr).toMatch(/^error: UPSTREAM_BASE_URL: .* Example: UPSTREAM_BASE_URL=https:\/\/\S+\n$/);
  });

  it('exits 1 when the port is taken', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      const exited = await run([], serverEnv({ PORT: String(port), AUTH_MODE: 'none' }));
      expect(exited.code).toBe(1);
      expect(exited.stderr).toMatch(new RegExp(`^error: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
    } finally {
      blocker.close();
    }
  });
});

describe('main --help', () => {
  it('prints the usage and every setting, then exits 0 without listening', async () => {
    const exited = await run(['--help'], serverEnv({ PORT: 'abc' }));
    expect(exited.code).toBe(0);
    expect(exited.stdout).toContain('Usage: petstore-test [--stdio]');
    for (const variable of ['HOST', 'PORT', 'UPSTREAM_BASE_URL', 'UPSTREAM_TIMEOUT_MS', 'UPSTREAM_MAX_RESPONSE_BYTES', 'LOG_LEVEL', 'MCP_PUBLIC_URL', 'AUTH_MODE', 'OAUTH_ISSUER', 'OAUTH_JWKS_URL', 'OAUTH_AUDIENCE', 'OAUTH_ROLES_CLAIM', 'OAUTH_ALGORITHMS', 'OAUTH_CLOCK_TOLERANCE', 'OAUTH_INTROSPECTION_URL', 'OAUTH_INTROSPECTION_CLIENT_ID', 'OAUTH_INTROSPECTION_CLIENT_SECRET', 'OAUTH_CHALLENGE_SCOPES', 'MCP_ALLOWED_ORIGINS', 'AUDIT_LOG']) {
      expect(exited.stdout).toMatch(new RegExp(`^  ${variable} +\\S`, 'm'));
    }
    expect(exited.stdout).toContain('(default: http://127.0.0.1:9/unused)');
    expect(exited.stderr).toBe('');
  });

  it('refuses an unknown option', async () => {
    const exited = await run(['--stdoi'], serverEnv({}));
    expect(exited.code).toBe(1);
    expect(exited.stderr).toBe('error: unknown option --stdoi; try --help\n');
  });
});
