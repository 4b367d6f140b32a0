/**
 * Entry point of the emitted server: loads tools.json, reads the settings, serves over HTTP or (with --stdio) stdio.
 *
 * A setting the operator must fix is reported as one `error:` line on stderr and exit code 1 before anything listens.
 */

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { openAuditSink } from './audit.js';
import { describeUpstreamVariables } from './credentials.js';
import type { ServerDefinition } from './definition.js';
import { SettingError } from './errors.js';
import type { ServerHooks } from './hooks.js';
import { startHttpServer } from './http.js';
import { describeSettings, readSettings, stderrLog } from './settings.js';
import type { Settings } from './settings.js';
import { startStdioServer } from './stdio.js';

/** The operator's to fix: printed as one `error:` line, no stack, exit code 1. */
class StartupError extends Error {}

export interface MainOptions {
  /** The user's hooks (src/hooks.ts), run around every tool call. */
  readonly hooks?: ServerHooks;
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs the server described by the tools.json at `definitionUrl` until SIGTERM/SIGINT (or, with --stdio, end of stdin). */
export async function main(definitionUrl: URL, options: MainOptions = {}): Promise<void> {
  try {
    await run(definitionUrl, (options.argv ?? process.argv).slice(2), options.env ?? process.env, options.hooks);
  } catch (error) {
    if (!(error instanceof StartupError || error instanceof SettingError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    // exitCode rather than exit(): the process ends once stderr is flushed, as nothing else is running yet.
    process.exitCode = 1;
  }
}

async function run(definitionUrl: URL, args: readonly string[], env: NodeJS.ProcessEnv, hooks: ServerHooks | undefined): Promise<void> {
  const unknown = args.find((arg) => !['--stdio', '--help', '-h'].includes(arg));
  if (unknown !== undefined) throw new StartupError(`unknown option ${unknown}; try --help`);

  const definition = await loadDefinition(definitionUrl);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage(definition));
    return;
  }

  // Before anything listens: a malformed setting stops the server here (SettingError). Over stdio no token is checked
  // (2025-11-25 basic/authorization), so the authorization settings are neither read nor required.
  const stdio = args.includes('--stdio');
  const settings = readSettings(env, definition, { transport: stdio ? 'stdio' : 'http' });
  const log = stderrLog(settings.logLevel);
  let running: { close(): Promise<void> };
  if (stdio) {
    const server = await startStdioServer(definition, settings, hooks);
    void server.closed.then(() => process.exit(0));
    running = server;
  } else {
    const audit = openAuditSink(settings.auth?.auditLog);
    const http = await startHttpServer(definition, settings, { audit, ...(hooks ? { hooks } : {}) }).catch((error: Error) => {
      throw new StartupError(`cannot listen on ${settings.host}:${settings.port}: ${error.message}`);
    });
    process.stderr.write(`MCP server listening on ${http.url}\n`);
    const auth = settings.auth!;
    if (auth.mode === 'none') {
      process.stderr.write(
        [
          '',
          '!!! WARNING: AUTH_MODE=none — caller authorization is OFF. !!!',
          '!!! Anyone who can reach this address may call every tool with the server\'s upstream credentials. !!!',
          '!!! Use this for local development only. !!!',
          '',
        ].join('\n'),
      );
    } else {
      process.stderr.write(`Protected resource ${http.publicUrl}, accepting access tokens of ${auth.issuer}\n`);
    }
    running = http;
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal while draining means "now".
    if (stopping) process.exit(1);
    stopping = true;
    log('info', `${signal}: closing`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log('error', `while closing: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
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

function usage(definition: ServerDefinition): string {
  const rows: { variable: string; description: string; default?: string | undefined }[] = [
    ...describeSettings(definition),
    ...describeUpstreamVariables(definition.securitySchemes),
  ];
  const width = Math.max(...rows.map((row) => row.variable.length));
  const lines = rows.map((row) => `  ${row.variable.padEnd(width)}  ${row.description}${row.default ? ` (default: ${row.default})` : ''}`);
  return [
    `Usage: ${definition.name} [--stdio]`,
    '',
    `MCP server for ${definition.title} ${definition.version}.`,
    'Serves MCP over Streamable HTTP at http://HOST:PORT/mcp (the path of MCP_PUBLIC_URL), every request needing an',
    'OAuth access token from OAUTH_ISSUER; or with --stdio over stdin and stdout, with no token checks.',
    '',
    'Options:',
    '  --stdio  serve one client over stdin/stdout instead of HTTP',
    '  --help   show this help',
    '',
    'Environment variables:',
    ...lines,
    '',
  ].join('\n');
}
