/**
 * `npm run call -- <tool> '<json>'`: calls one tool of a running server with the MCP SDK's own client over Streamable
 * HTTP (2025-11-25 basic/transports#streamable-http), or lists the tools the caller may see. It prints the result on
 * stdout and exits 0; a tool error (2025-11-25 server/tools#error-handling) goes to stderr as the tool wrote it, a
 * protocol error or an HTTP refusal in one line that says what to do, exit 1; a malformed command line or variable
 * exits 2. The access token (MCP_TOKEN) is sent as a Bearer token (RFC 6750 §2.1) and never printed.
 */

import { Client, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import { PortcullisError } from './errors.js';


/** `npm run call -- --help`. */
export const CALL_USAGE = [
  "Usage: npm run call -- <tool> ['<json arguments>']   call a tool and print its result",
  '       npm run call -- --list                        list the tools you may call',
  '',
  'Environment:',
  '  MCP_URL    the MCP endpoint (default: http://127.0.0.1:${PORT:-3000}/mcp)',
  '  MCP_TOKEN  an access token, sent as "Authorization: Bearer <token>" (needed unless the server runs with AUTH_MODE=none)',
  '',
  'Exit codes: 0 success; 1 a tool error or a refusal by the server; 2 a malformed command line or variable.',
].join('\n');

/** What the command line asks for. */
export type CallCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'list' }
  | { readonly kind: 'call'; readonly tool: string; readonly arguments: Record<string, unknown> };

/** Where to send requests and with which token. */
export interface CallTarget {
  readonly url: URL;
  readonly token?: string;
}

/** A malformed command line or variable: one line on stderr, exit 2. */
export class CallUsageError extends PortcullisError {
  constructor(message: string) {
    super('ERR_CALL_USAGE', message);
  }
}

/** Where the call script writes; the process streams in production, buffers in tests. */
export interface CallOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const EXAMPLE_ARGUMENTS = `'{"id":1}'`;

/** The command of `argv` (the arguments after `npm run call --`): a tool with its JSON arguments, --list or --help. */
export function parseCallCommand(argv: readonly string[]): CallCommand {
  if (argv.some((arg) => arg === '--help' || arg === '-h')) return { kind: 'help' };
  if (argv.length === 0 || (argv.length === 1 && argv[0] === '--list')) return { kind: 'list' };
  const option = argv.find((arg) => arg.startsWith('-'));
  if (option !== undefined) throw new CallUsageError(`unknown option ${printable(option, 60)}; see npm run call -- --help`);
  if (argv.length > 2) {
    throw new CallUsageError(`expected a tool name and one JSON argument, got ${argv.length} arguments; quote the JSON, e.g. npm run call -- ${printable(argv[0]!, 60)} ${EXAMPLE_ARGUMENTS}`);
  }
  const [tool, json] = argv as [string, string | undefined];
  return { kind: 'call', tool, arguments: json === undefined ? {} : parseArguments(json) };
}

/** The tool arguments: one JSON object. */
function parseArguments(json: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new CallUsageError(`the arguments are not valid JSON (${printable((error as Error).message, 120)}); pass one JSON object in single quotes, e.g. ${EXAMPLE_ARGUMENTS}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CallUsageError(`the arguments must be one JSON object, e.g. ${EXAMPLE_ARGUMENTS}, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}`);
  }
  return value as Record<string, unknown>;
}

/** The endpoint (MCP_URL, else the local server on PORT or 3000) and the token (MCP_TOKEN) of `env`. */
export function readCallTarget(env: NodeJS.ProcessEnv): CallTarget {
  const url = env.MCP_URL?.trim() ? parseEndpoint(env.MCP_URL.trim()) : localEndpoint(env.PORT);
  const token = env.MCP_TOKEN === undefined || env.MCP_TOKEN.trim() === '' ? undefined : parseToken(env.MCP_TOKEN);
  return token === undefined ? { url } : { url, token };
}

function parseEndpoint(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CallUsageError(`MCP_URL is not a URL (${printable(text, 100)}); set it to the server's MCP endpoint, e.g. http://127.0.0.1:3000/mcp`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CallUsageError(`MCP_URL must be an http or https URL, e.g. http://127.0.0.1:3000/mcp`);
  // Credentials in a URL end up in logs and shell history; the token goes in MCP_TOKEN instead.
  if (url.username || url.password) throw new CallUsageError('MCP_URL must not contain a user name or password; put the access token in MCP_TOKEN');
  return url;
}

function localEndpoint(port: string | undefined): URL {
  const text = port?.trim() || '3000';
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new CallUsageError(`PORT must be the server's port, 1-65535 (got ${printable(text, 20)}), or set MCP_URL`);
  }
  return new URL(`http://127.0.0.1:${Number(text)}/mcp`);
}

/** The token of MCP_TOKEN, without a pasted `Bearer ` prefix; RFC 6750 §2.1 b64token syntax, so it is a valid header value. */
function parseToken(text: string): string {
  const token = text.trim().replace(/^bearer\s+/i, '');
  // The value itself is never echoed: it is a secret.
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) {
    throw new CallUsageError('MCP_TOKEN is not an access token: it may hold only letters, digits and -._~+/ (with trailing =); set it to the token alone');
  }
  return token;
}

/** What the last refused POST was answered: its status, challenge and message, for the error line. */
interface HttpRefusal {
  readonly status: number;
  readonly challenge: Record<string, string>;
  readonly message: string;
}

/**
 * Runs the call script: parses `argv`, connects to the server of `env`, calls or lists, prints, and returns the exit
 * code (0 success, 1 tool error or refusal, 2 usage). Never throws and never prints a stack or the token.
 */
export async function runCall(argv: readonly string[], env: NodeJS.ProcessEnv, output: CallOutput): Promise<number> {
  let command: CallCommand;
  let target: CallTarget;
  try {
    command = parseCallCommand(argv);
    if (command.kind === 'help') {
      output.stdout(`${CALL_USAGE}\n`);
      return 0;
    }
    target = readCallTarget(env);
  } catch (error) {
    output.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof CallUsageError ? 2 : 1;
  }

  let refusal: HttpRefusal | undefined;
  const transport = new StreamableHTTPClientTransport(target.url, {
    ...(target.token === undefined ? {} : { requestInit: { headers: { Authorization: `Bearer ${target.token}` } } }),
    fetch: async (url, init) => {
      const response = await fetch(url, init);
      // The SDK's error keeps the status but not the challenge: remember it (POSTs only; a GET answered 405 is normal).
      if (!response.ok && (init?.method ?? 'GET') === 'POST') refusal = await readRefusal(response.clone());
      return response;
    },
  });
  const client = new Client({ name: 'npm-run-call', version: '1.0.0' });
  try {
    await client.connect(transport);
    if (command.kind === 'list') {
      output.stdout(formatToolList(await listAllTools(client)));
      return 0;
    }
    const result = (await client.callTool({ name: command.tool, arguments: command.arguments })) as CallToolResult;
    const text = formatResult(result);
    if (result.isError) {
      output.stderr(`error: the tool ${printable(command.tool, 100)} failed:\n${text}`);
      return 1;
    }
    output.stdout(text);
    return 0;
  } catch (error) {
    output.stderr(`error: ${describeFailure(error, target, refusal, command.kind === 'call' ? command.tool : undefined)}\n`);
    return 1;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Every page of tools/list (2025-11-25 server/tools#listing-tools: follow nextCursor). */
async function listAllTools(client: Client): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  // Bounded: a server that keeps returning cursors cannot keep the script running forever.
  for (let page = 0; page < 1000; page++) {
    const result = await client.listTools(cursor === undefined ? {} : { cursor });
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined) break;
  }
  return tools;
}

/** One line per tool: its name, then the first line of its title or description. */
export function formatToolList(tools: readonly Tool[]): string {
  if (tools.length === 0) return 'No tools: this caller may call none (check the scopes and roles of MCP_TOKEN).\n';
  const names = tools.map((tool) => printable(tool.name, 100));
  const width = Math.max(...names.map((name) => name.length));
  const lines = tools.map((tool, index) => {
    const about = (tool.title ?? tool.annotations?.title ?? tool.description ?? '').split('\n')[0]!.trim();
    return about ? `${names[index]!.padEnd(width)}  ${printable(about, 120)}` : names[index]!;
  });
  return `${lines.join('\n')}\n`;
}

/**
 * A tool result for people: structuredContent as indented JSON (it repeats the text content, 2025-11-25
 * server/tools#structured-content), else each content block, text as text and anything binary described.
 */
export function formatResult(result: CallToolResult): string {
  if (!result.isError && result.structuredContent !== undefined) return `${JSON.stringify(result.structuredContent, null, 2)}\n`;
  const blocks = (result.content ?? []).map((block) => {
    switch (block.type) {
      case 'text':
        return terminalSafe(block.text);
      case 'image':
      case 'audio':
        return `[${block.type}: ${printable(block.mimeType, 100)}, ${base64Bytes(block.data)} bytes]`;
      case 'resource':
        return 'text' in block.resource
          ? terminalSafe(block.resource.text)
          : `[resource ${printable(block.resource.uri, 200)}: ${printable(block.resource.mimeType ?? 'binary', 100)}, ${base64Bytes(block.resource.blob)} bytes]`;
      case 'resource_link':
        return `[resource link ${printable(block.uri, 200)}]`;
      default:
        return `[${printable(String((block as { type: unknown }).type), 50)} content]`;
    }
  });
  return blocks.map((block) => (block.endsWith('\n') ? block : `${block}\n`)).join('');
}

/** One line saying what went wrong and what to do, from a failed connect/list/call. */
export function describeFailure(error: unknown, target: CallTarget, refusal: HttpRefusal | undefined, tool?: string): string {
  const where = target.url.href;
  // A refusal seen on the wire explains the error: the SDK's HTTP error carries its status, and a 401 or 403 ends the
  // call whatever the SDK makes of it (its 2.x client throws InsufficientScopeError, without the status, for a 403).
  const status = (error as { status?: unknown }).status ?? (error as { code?: unknown }).code;
  if (refusal && (status === refusal.status || refusal.status === 401 || refusal.status === 403)) return describeRefusal(refusal, where, target.token !== undefined);
  if (error instanceof ProtocolError) {
    const hint = tool !== undefined && /unknown tool/i.test(error.message) ? '; npm run call -- --list lists the tools you may call' : '';
    // The SDK prefixes `MCP error <code>: ` on each side of the wire; the code says nothing a person can act on.
    return `${printable(error.message.replace(/^(MCP error -?\d+: )+/, ''), 500)}${hint}`;
  }
  const cause = (error as { cause?: { code?: unknown } }).cause;
  const networkCode = typeof cause?.code === 'string' ? cause.code : undefined;
  if (networkCode !== undefined || (error instanceof TypeError && error.message === 'fetch failed')) {
    return `cannot reach ${where}${networkCode ? ` (${printable(networkCode, 40)})` : ''}: is the server running (npm start)? Set MCP_URL, or PORT, to call another address`;
  }
  return printable(error instanceof Error ? error.message : String(error), 500);
}

/** The line for an HTTP refusal: 401 says to set MCP_TOKEN, 403 insufficient_scope names the scopes to ask for. */
function describeRefusal(refusal: HttpRefusal, where: string, hasToken: boolean): string {
  const said = refusal.message ? `: ${refusal.message}` : '';
  const scope = refusal.challenge.scope;
  if (refusal.status === 401) {
    // RFC 6750 §3.1: a challenge without error means no token was sent; invalid_token means it was refused.
    const advice = hasToken
      ? 'the token in MCP_TOKEN was refused: get a new one and set MCP_TOKEN to it'
      : `set MCP_TOKEN to an access token for this server${scope ? ` (it accepts the scopes "${scope}")` : ''}`;
    const metadata = refusal.challenge.resource_metadata ? `; how to get one: ${refusal.challenge.resource_metadata}` : '';
    return `${where} answered 401${said}; ${advice}${metadata}`;
  }
  if (refusal.status === 403 && refusal.challenge.error === 'insufficient_scope') {
    return `${where} answered 403 insufficient_scope${said}; get a token with the scopes "${scope ?? ''}" and set MCP_TOKEN to it`;
  }
  if (refusal.status === 429 || refusal.status === 503) return `${where} answered ${refusal.status}${said}; try again later`;
  return `${where} answered ${refusal.status}${said}`;
}

/** The status, the Bearer challenge's parameters (RFC 6750 §3) and the JSON-RPC error message of a refused POST. */
async function readRefusal(response: Response): Promise<HttpRefusal> {
  const text = await response.text().catch(() => '');
  let message = text;
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // Not JSON-RPC (a proxy's page, say): its text, cut short, is the message.
  }
  return { status: response.status, challenge: challengeParams(response.headers.get('www-authenticate')), message: printable(message, 300) };
}

/** The quoted auth-params of a challenge (RFC 6750 §3: values are quoted strings without `"` or `\`). */
export function challengeParams(header: string | null): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of (header ?? '').matchAll(/([A-Za-z_]+)="([^"]*)"/g)) params[match[1]!] ??= printable(match[2]!, 300);
  return params;
}

function base64Bytes(data: string): number {
  return Buffer.byteLength(data, 'base64');
}

/** `text` on one line, at most `max` characters: control characters escaped, so nothing can steer the terminal. */
function printable(text: string, max: number): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}

/** Text from the API as it is, lines and tabs kept, other control characters (escape sequences) escaped. */
function terminalSafe(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
