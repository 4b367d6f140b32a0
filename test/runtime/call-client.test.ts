/**
 * `npm run call` (templates/runtime/call-client.ts): the command line and variables it accepts, and what it prints
 * and exits with against a real protected server (a real loopback authorization server, a real recording upstream,
 * the SDK's real client): results on stdout, tool errors and HTTP refusals on stderr in one actionable line, never the
 * token, never a stack.
 */

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { CallUsageError, challengeParams, formatResult, parseCallCommand, readCallTarget, runCall } from '../../templates/runtime/call-client.js';
import { freePort } from '../support/free-port.js';
import type { RecordingUpstream } from '../support/upstream.js';
import type { ScriptedIssuer } from '../support/scripted-issuer.js';
import { startProtected, useProtectedStack } from './fixtures/protected.js';
import type { ProtectedServer } from './fixtures/protected.js';

const run = promisify(execFile);

/** Runs the call script in-process with `env`, collecting what it prints. */
async function call(argv: readonly string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCall(argv, env, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) });
  return { code, stdout, stderr };
}

/** The usage error `argv` is refused with. */
function usageError(argv: readonly string[]): string {
  try {
    parseCallCommand(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CallUsageError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(argv)}`);
}

describe('#9 npm run call: command line and variables', () => {
  it('#9 takes a tool and one JSON object, lists with --list or no argument, and helps with --help', () => {
    expect(parseCallCommand(['getPetById', '{"petId":1}'])).toEqual({ kind: 'call', tool: 'getPetById', arguments: { petId: 1 } });
    expect(parseCallCommand(['getPetById'])).toEqual({ kind: 'call', tool: 'getPetById', arguments: {} });
    expect(parseCallCommand([])).toEqual({ kind: 'list' });
    expect(parseCallCommand(['--list'])).toEqual({ kind: 'list' });
    expect(parseCallCommand(['getPetById', '--help'])).toEqual({ kind: 'help' });
  });

  it('#9 refuses malformed JSON, non-object arguments, extra arguments and unknown options in one line', () => {
    expect(usageError(['getPetById', '{petId:1}'])).toMatch(
      /^the arguments are not valid JSON \([^\n]+\); pass one JSON object in single quotes, e\.g\. '\{"id":1\}'$/,
    );
    expect(usageError(['getPetById', '[1]'])).toBe(`the arguments must be one JSON object, e.g. '{"id":1}', not an array`);
    expect(usageError(['getPetById', '1'])).toBe(`the arguments must be one JSON object, e.g. '{"id":1}', not a number`);
    expect(usageError(['getPetById', 'null'])).toBe(`the arguments must be one JSON object, e.g. '{"id":1}', not null`);
    expect(usageError(['getPetById', '{"petId":', '1}'])).toBe(
      `expected a tool name and one JSON argument, got 3 arguments; quote the JSON, e.g. npm run call -- getPetById '{"id":1}'`,
    );
    expect(usageError(['--lsit'])).toBe('unknown option --lsit; see npm run call -- --help');
    expect(usageError(['getPetById', '{"a":"\u001b[2J'])).not.toContain('\u001b');
  });

  it('#9 calls MCP_URL, else the local server on PORT (default 3000), with MCP_TOKEN as the bearer token', () => {
    expect(readCallTarget({})).toEqual({ url: new URL('http://127.0.0.1:3000/mcp') });
    expect(readCallTarget({ PORT: '3100' })).toEqual({ url: new URL('http://127.0.0.1:3100/mcp') });
    expect(readCallTarget({ PORT: '3100', MCP_URL: 'https://mcp.example.com/mcp', MCP_TOKEN: 'abc.def-ghi' })).toEqual({
      url: new URL('https://mcp.example.com/mcp'),
      token: 'abc.def-ghi',
    });
    // A pasted "Bearer " prefix is dropped; an empty MCP_TOKEN is no token.
    expect(readCallTarget({ MCP_TOKEN: 'Bearer abc==' }).token).toBe('abc==');
    expect(readCallTarget({ MCP_TOKEN: '  ' }).token).toBeUndefined();
  });

  it('#9 refuses a malformed MCP_URL, PORT or MCP_TOKEN with exit 2, never echoing the token', async () => {
    const secret = 'top secret\ntoken';
    const refused = await call(['getPetById', '{}'], { MCP_TOKEN: secret });
    expect(refused).toEqual({
      code: 2,
      stdout: '',
      stderr: 'error: MCP_TOKEN is not an access token: it may hold only letters, digits and -._~+/ (with trailing =); set it to the token alone\n',
    });
    expect(await call([], { MCP_URL: 'ftp://x/mcp' })).toMatchObject({ code: 2, stderr: 'error: MCP_URL must be an http or https URL, e.g. http://127.0.0.1:3000/mcp\n' });
    expect(await call([], { MCP_URL: 'http://me:pw@127.0.0.1:3000/mcp' })).toMatchObject({
      code: 2,
      stderr: 'error: MCP_URL must not contain a user name or password; put the access token in MCP_TOKEN\n',
    });
    expect(await call([], { PORT: 'http' })).toMatchObject({ code: 2, stderr: 'error: PORT must be the server\'s port, 1-65535 (got http), or set MCP_URL\n' });
    expect(await call(['x', '{'])).toMatchObject({ code: 2, stdout: '' });
    expect((await call(['--help'])).stdout).toContain("npm run call -- <tool> ['<json arguments>']");
  });

  it('#9 reads the parameters of a Bearer challenge (RFC 6750 §3)', () => {
    expect(challengeParams('Bearer error="insufficient_scope", scope="a b", resource_metadata="http://x/.well-known/oauth-protected-resource/mcp"')).toEqual({
      error: 'insufficient_scope',
      scope: 'a b',
      resource_metadata: 'http://x/.well-known/oauth-protected-resource/mcp',
    });
    expect(challengeParams(null)).toEqual({});
  });

  it('#9 prints structuredContent as indented JSON, text as text with escape sequences neutralised, binary described', () => {
    expect(formatResult({ structuredContent: { id: 1 }, content: [{ type: 'text', text: '{"id":1}' }] })).toBe('{\n  "id": 1\n}\n');
    expect(formatResult({ content: [{ type: 'text', text: 'line 1\r\n\tline 2\u001b]0;pwned\u0007' }] })).toBe('line 1\n\tline 2\\u001b]0;pwned\\u0007\n');
    expect(
      formatResult({
        content: [
          { type: 'text', text: '200 OK: 4 bytes of image/png, attached as an embedded resource (base64).' },
          { type: 'resource', resource: { uri: 'https://api.example.com/logo', mimeType: 'image/png', blob: 'iVBORw==' } },
        ],
      }),
    ).toBe('200 OK: 4 bytes of image/png, attached as an embedded resource (base64).\n[resource https://api.example.com/logo: image/png, 4 bytes]\n');
  });
});

describe('#9 npm run call against a protected server', () => {
  let as: ScriptedIssuer;
  let upstream: RecordingUpstream;
  let mcp: ProtectedServer;
  let env: (token?: string) => Record<string, string>;

  useProtectedStack((stack) => {
    ({ as, upstream, mcp } = stack);
    env = (token) => ({ MCP_URL: mcp.url, ...(token === undefined ? {} : { MCP_TOKEN: token }) });
  });

  beforeEach(() => {
    upstream.answer = (res, request) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 7, name: 'Rex', url: request.url }));
    };
  });

  it('#9 calls a tool with MCP_TOKEN and prints its structured result; the token never goes upstream', async () => {
    const token = await as.mint(mcp.server.publicUrl);
    const result = await call(['get_pet', '{"petId":7}'], env(token));
    expect(result).toEqual({ code: 0, stdout: '{\n  "id": 7,\n  "name": "Rex",\n  "url": "/api/pets/7"\n}\n', stderr: '' });
    expect(upstream.received).toHaveLength(1);
    expect(JSON.stringify(upstream.received[0]!.headers)).not.toContain(token);
  });

  it('#9 lists only the tools the caller may see, following every page', async () => {
    const paged = await startProtected(as, `${upstream.origin}/api`, { MCP_TOOLS_PAGE_SIZE: '1' });
    try {
      const token = await as.mint(paged.server.publicUrl, { claims: { scope: 'pets:write owners:read', roles: ['auditor'] } });
      const listed = await call(['--list'], { MCP_URL: paged.url, MCP_TOKEN: token });
      expect(listed).toMatchObject({ code: 0, stderr: '' });
      expect(listed.stdout.split('\n').map((line) => line.split(' ')[0])).toEqual(['get_pet', 'create_pet', 'audit_owners', '']);
    } finally {
      await paged.close();
    }
  });

  it('#9 without a token: 401, says to set MCP_TOKEN with the scopes the server accepts and where to get one', async () => {
    const result = await call(['get_pet', '{"petId":7}'], env());
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `error: ${mcp.url} answered 401: Unauthorized: an access token is required; set MCP_TOKEN to an access token for this server ` +
        `(it accepts the scopes "owners:read owners:write pets:delete pets:read pets:write"); how to get one: ` +
        `${new URL(mcp.server.publicUrl).origin}/.well-known/oauth-protected-resource/mcp\n`,
    });
    expect(upstream.received).toHaveLength(0);
  });

  it('#9 with a refused token: 401, says the token was refused, without printing it', async () => {
    const token = await as.mint('http://127.0.0.1:1/other-audience');
    const result = await call(['get_pet', '{"petId":7}'], env(token));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^error: ${mcp.url.replace(/[.]/g, '\\.')} answered 401: Unauthorized: [^\\n]+; the token in MCP_TOKEN was refused: get a new one and set MCP_TOKEN to it; how to get one: http://[^\\n]+\\n$`));
    expect(result.stderr).not.toContain(token);
    expect(result.stderr.split('.').some((part) => part.length > 20 && token.includes(part))).toBe(false);
  });

  it('#9 without the scopes of the tool: 403 insufficient_scope, names the scopes to ask for', async () => {
    const token = await as.mint(mcp.server.publicUrl, { claims: { scope: 'pets:read' } });
    const result = await call(['create_pet', '{"body":{"name":"Rex"}}'], env(token));
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `error: ${mcp.url} answered 403 insufficient_scope: Forbidden: The access token lacks scopes needed by create_pet; ` +
        'get a token with the scopes "pets:write pets:read" and set MCP_TOKEN to it\n',
    });
    expect(upstream.received).toHaveLength(0);
  });

  it('#9 a tool error (the API answered 500) goes to stderr with exit 1', async () => {
    upstream.answer = (res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('database down\u001b[2J');
    };
    const result = await call(['get_pet', '{"petId":7}'], env(await as.mint(mcp.server.publicUrl)));
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: the tool get_pet failed:\nThe upstream API answered HTTP 500 Internal Server Error.\n\ndatabase down\\u001b[2J\n' });
  });

  it('#9 an unknown tool or invalid arguments: the server\'s message, and --list for unknown tools', async () => {
    const token = await as.mint(mcp.server.publicUrl);
    expect(await call(['get_pte', '{}'], env(token))).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: Unknown tool: get_pte; npm run call -- --list lists the tools you may call\n',
    });
    const invalid = await call(['get_pet', '{"petId":0}'], env(token));
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^error: the tool get_pet failed:\n.*petId.*\n/);
  });

  it('#9 no server listening: says so and how to point elsewhere', async () => {
    const port = await freePort();
    expect(await call(['get_pet', '{"petId":7}'], { PORT: String(port) })).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: cannot reach http://127.0.0.1:${port}/mcp (ECONNREFUSED): is the server running (npm start)? Set MCP_URL, or PORT, to call another address\n`,
    });
  });
});

describe('#9 npm run call as a process', () => {
  it('#9 exits 2 on malformed JSON and 1 when the server cannot be reached, one line on stderr and no stack', async () => {
    const script = new URL('../../templates/runtime/call.ts', import.meta.url).pathname;
    const node = (args: string[], env: Record<string, string>) =>
      run(process.execPath, ['--import', 'tsx', script, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
      );
    const bad = await node(['getPetById', '{petId:1}'], {});
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^error: the arguments are not valid JSON \([^\n]*\); [^\n]*\n$/);
    const port = await freePort();
    const unreachable = await node(['getPetById', '{"petId":1}'], { PORT: String(port), MCP_TOKEN: 'secret-token-value' });
    expect(unreachable).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: cannot reach http://127.0.0.1:${port}/mcp (ECONNREFUSED): is the server running (npm start)? Set MCP_URL, or PORT, to call another address\n`,
    });
  });
});
