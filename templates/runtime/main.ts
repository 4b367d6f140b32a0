/**
 * Entry point of the emitted server: loads tools.json, reads the settings, serves over HTTP or (with --stdio) stdio.
 *
 * A setting the operator must fix is reported as one `error:` line on stderr and exit code 1 before anything listens.
 * `--print-config` shows the effective settings (secrets redacted) and exits without listening. Over HTTP, SIGTERM
 * (or SIGINT) starts a graceful shutdown: readiness turns 503, no new connections are accepted, in-flight requests
 * finish within SHUTDOWN_TIMEOUT_MS, then the process exits 0.
 */

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { openAuditSink } from './audit.js';
import { NO_CLAIMS_OVER_HTTP, NO_CLAIMS_OVER_STDIO, unboundToolsWarning } from './bindings.js';
import { CALL_VARIABLES } from './call-settings.js';
import { consentWarnings } from './consent-setup.js';
import { exchangeUnavailableWarning, missingCredentialsWarning } from './credentials.js';
import type { ServerDefinition } from './definition.js';
import { PortcullisError, SettingError } from './errors.js';
import type { ServerHooks } from './hooks.js';
import { startHttpServer } from './http.js';
import { createLog } from './log.js';
import { loadPolicies, PolicyError } from './policies.js';
import type { PolicyEngine } from './policies.js';
import { describeAllSettings, readSettings } from './settings.js';
import type { Settings } from './settings.js';
import { startStdioServer } from './stdio.js';
import { createToolSearch, SEARCH_INDEX_FILE } from './tool-search.js';
import type { ToolSearch } from './tool-search.js';
import { findUnknownSettings } from './unknown-settings.js';

/** The operator's to fix: printed as one `error:` line, no stack, exit code 1. */
class StartupError extends PortcullisError {
  constructor(message: string) {
    super('ERR_STARTUP', message);
  }
}

export interface MainOptions {
  /** The user's hooks (src/hooks.ts), run around every tool call. */
  readonly hooks?: ServerHooks;
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The project's `policies/` folder (Cedar policies and their schema, policies.ts): checked before anything listens
   * (an invalid policy stops the server, naming file and line) and evaluated on every tool call. Without it, none.
   */
  readonly policies?: URL;
}

/** Runs the server described by the tools.json at `definitionUrl` until SIGTERM/SIGINT (or, with --stdio, end of stdin). */
export async function main(definitionUrl: URL, options: MainOptions = {}): Promise<void> {
  try {
    await run(definitionUrl, (options.argv ?? process.argv).slice(2), options.env ?? process.env, options.hooks, options.policies);
  } catch (error) {
    if (!(error instanceof StartupError || error instanceof SettingError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    // exitCode rather than exit(): the process ends once stderr is flushed, as nothing else is running yet.
    process.exitCode = 1;
  }
}

async function run(definitionUrl: URL, args: readonly string[], env: NodeJS.ProcessEnv, hooks: ServerHooks | undefined, policyFolder: URL | undefined): Promise<void> {
  const unknown = args.find((arg) => !['--stdio', '--help', '-h', '--print-config'].includes(arg));
  if (unknown !== undefined) throw new StartupError(`unknown option ${unknown}; try --help`);

  const definition = await loadDefinition(definitionUrl);
  // Read and checked before anything else: an index that does not match tools.json stops the start (tool-search.ts).
  const searchUrl = new URL(SEARCH_INDEX_FILE, definitionUrl);
  const search = await loadSearch(searchUrl, definition);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(helpText(definition));
    return;
  }

  // Before anything listens: a malformed setting stops the server here (SettingError). Over stdio no token is checked
  // (2025-11-25 basic/authorization), so the authorization settings are neither read nor required.
  const stdio = args.includes('--stdio');
  const settings = readSettings(env, definition, { transport: stdio ? 'stdio' : 'http' });
  if (args.includes('--print-config')) {
    process.stdout.write(printConfig(definition, env, stdio));
    return;
  }
  const log = createLog(settings.logLevel);
  if (!search) log('debug', `${fileURLToPath(searchUrl)} is missing: the tool search index is built from tools.json (without tags) when first needed; regenerate the project to ship it`);
  const policies = policyFolder === undefined ? undefined : await startupPolicies(policyFolder);
  // Once at start: variables that look like ours but are not read (a typo), by name only — values may be secrets.
  for (const unknownSetting of findUnknownSettings(env, knownVariables(definition))) {
    log('warn', unknownSetting.message, { variable: unknownSetting.variable, ...(unknownSetting.suggestion ? { suggestion: unknownSetting.suggestion } : {}) });
  }
  // Once at start: tools whose calls go upstream without the server's credentials, and the variables to set.
  const missing = missingCredentialsWarning(settings.credentials.missing(definition.tools));
  if (missing) log('warn', missing);
  // Once at start: consent turned off, or approvals that only this process can check.
  for (const warning of consentWarnings(settings, definition.tools)) log('warn', warning);
  // Without a caller's token (stdio, AUTH_MODE=none) a scheme set to exchange it has nothing to exchange.
  if (stdio || settings.auth?.mode === 'none') {
    const unavailable = exchangeUnavailableWarning(settings.credentials, definition.tools);
    if (unavailable) log('warn', unavailable);
  }
  let running: { close(): Promise<void> };
  if (stdio) {
    const server = await startStdioServer(definition, settings, hooks, env, policies, search);
    const unbound = env.MCP_STDIO_CLAIMS?.trim() ? undefined : unboundToolsWarning(definition.tools, NO_CLAIMS_OVER_STDIO);
    if (unbound) log('warn', unbound);
    void server.closed.then(() => process.exit(0));
    // stdout carries only the protocol; this line on stderr tells the person who started the process that it serves.
    const count = definition.tools.length;
    log('info', `MCP server serving ${count} ${count === 1 ? 'tool' : 'tools'} over stdio (no token checks: the caller is whoever started this process)`, { transport: 'stdio', tools: count });
    running = server;
  } else {
    const audit = openAuditSink(settings.auth?.auditLog);
    const options = { audit, ...(search ? { search } : {}), ...(hooks ? { hooks } : {}), ...(policies ? { policies } : {}) };
    const http = await startHttpServer(definition, settings, options).catch((error: Error) => {
      throw new StartupError(`cannot listen on ${settings.host}:${settings.port}: ${error.message}`);
    });
    const auth = settings.auth!;
    // The URL is followed by a space so that log scrapers can take it with /listening on (\S+)/.
    log('info', `MCP server listening on ${http.url} (AUTH_MODE=${auth.mode})`, { url: http.url, publicUrl: http.publicUrl, authMode: auth.mode });
    if (auth.mode === 'none') {
      log(
        'warn',
        "WARNING: AUTH_MODE=none — caller authorization is OFF. Anyone who can reach this address may call every tool with the server's upstream credentials. Use this for local development only.",
      );
      const unbound = unboundToolsWarning(definition.tools, NO_CLAIMS_OVER_HTTP);
      if (unbound) log('warn', unbound);
    } else {
      log('info', `Protected resource ${http.publicUrl}, accepting access tokens of ${auth.issuer}`, { issuer: auth.issuer });
    }
    running = http;
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal while draining means "now".
    if (stopping) process.exit(1);
    stopping = true;
    const started = Date.now();
    log('info', 'shutting down: no new connections, finishing in-flight requests', { signal, timeoutMs: settings.shutdownTimeoutMs });
    running.close().then(
      () => {
        log('info', 'stopped', { durationMs: Date.now() - started });
        process.exit(0);
      },
      (error: unknown) => {
        log('error', 'shutdown failed', { error: (error as Error).message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** The policies of `folder`, or a StartupError naming every invalid policy by file and line. */
async function startupPolicies(folder: URL): Promise<PolicyEngine | undefined> {
  try {
    return await loadPolicies(folder);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    throw new StartupError(`invalid policies, not starting (check them with npm run check:policies):\n${error.message}`);
  }
}

/**
 * The tool search over `definition`, from the index at `url` (search-index.json next to tools.json), or a
 * StartupError when that file is unreadable, malformed or built for other tools. Undefined for a project without the
 * file (made before tool search): the server builds an index from tools.json when discovery first needs one
 * (mcp-server.ts), lacking only the spec's tags.
 */
async function loadSearch(url: URL, definition: ServerDefinition): Promise<ToolSearch | undefined> {
  let index: unknown;
  try {
    index = JSON.parse(await readFile(url, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StartupError(`cannot load ${fileURLToPath(url)}: ${(error as Error).message}; regenerate the project (portcullis generate)`);
  }
  try {
    return createToolSearch(definition, index);
  } catch (error) {
    throw new StartupError(`cannot load ${fileURLToPath(url)}: ${(error as Error).message}`);
  }
}

async function loadDefinition(url: URL): Promise<ServerDefinition> {
  try {
    const definition = JSON.parse(await readFile(url, 'utf8')) as ServerDefinition;
    if (!Array.isArray(definition?.tools)) throw new Error('it has no "tools" list');
    return definition;
  } catch (error) {
    throw new StartupError(`cannot load ${fileURLToPath(url)}: ${(error as Error).message}`);
  }
}

/** Every variable the server reads: its settings (authorization included) and the upstream credentials of its schemes. */
/** Every variable the project reads: the server's settings and `npm run call`'s (a shell may export them for both). */
function knownVariables(definition: ServerDefinition): string[] {
  return [...describeAllSettings(definition).map((row) => row.variable), ...CALL_VARIABLES];
}

/** The text of --help: usage, options, and every setting with its default, marked when secret or HTTP-only. */
export function helpText(definition: ServerDefinition): string {
  const rows = describeAllSettings(definition);
  const width = Math.max(...rows.map((row) => row.variable.length));
  const lines = rows.map((row) => {
    const notes = [row.default ? `default: ${row.default}` : '', row.transport === 'http' ? 'HTTP only' : row.transport === 'stdio' ? 'stdio only' : '', row.secret ? 'secret' : ''].filter(Boolean);
    return `  ${row.variable.padEnd(width)}  ${row.description}${notes.length ? ` (${notes.join('; ')})` : ''}`;
  });
  return [
    `Usage: ${definition.name} [--stdio] [--print-config]`,
    '',
    `MCP server for ${definition.title} ${definition.version}.`,
    'Serves MCP over Streamable HTTP at http://HOST:PORT/mcp (the path of MCP_PUBLIC_URL), every request needing an',
    'OAuth access token from OAUTH_ISSUER; or with --stdio over stdin and stdout, with no token checks.',
    '',
    'Options:',
    '  --stdio         serve one client over stdin/stdout instead of HTTP',
    '  --print-config  print the effective settings (secrets redacted) and where each comes from, then exit',
    '  --help          show this help',
    '',
    'Environment variables (an empty value counts as unset; "HTTP only": unused with --stdio; "stdio only": unused over HTTP; "secret": never printed):',
    ...lines,
    '',
  ].join('\n');
}

/**
 * The effective configuration, one `VARIABLE=value  # env|default|unset` line per setting, the value of every secret
 * setting shown as `[redacted]`. Run after readSettings, so every value printed has been accepted.
 */
export function printConfig(definition: ServerDefinition, env: NodeJS.ProcessEnv, stdio = false): string {
  const rows = describeAllSettings(definition);
  const width = Math.max(...rows.map((row) => row.variable.length));
  const lines = rows.map((row) => {
    // An empty value counts as unset, as everywhere in the settings.
    const raw = env[row.variable]?.trim() ? env[row.variable]! : undefined;
    const value = raw === undefined ? (row.default ?? '') : row.secret ? '[redacted]' : raw.trim();
    const source = raw === undefined ? (row.default === undefined ? 'unset' : 'default') : 'env';
    const unused = row.transport === (stdio ? 'http' : 'stdio') ? ` (not used over ${stdio ? 'stdio' : 'HTTP'})` : '';
    return `${`${row.variable}=${printable(value)}`.padEnd(width + 40)}  # ${source}${unused}`;
  });
  return [`# Effective configuration of ${definition.name} (${stdio ? 'stdio' : 'HTTP'}); secrets are redacted.`, ...lines, ''].join('\n');
}

/** A value on one line: control characters escaped. */
function printable(value: string): string {
  return value.replace(/[\x00-\x1f\x7f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
