/**
 * Entry point of the emitted server: loads tools.json, reads the settings, serves over HTTP or (with --stdio) stdio.
 *
 * A setting the operator must fix is reported as one `error:` line on stderr and exit code 1 before anything listens.
 */

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describeUpstreamVariables } from './credentials.js';
import type { ServerDefinition } from './definition.js';
import { SettingError } from './errors.js';
import { startHttpServer } from './http.js';
import { describeSettings, readSettings, stderrLog } from './settings.js';
import type { Settings } from './settings.js';
import { startStdioServer } from './stdio.js';

/** Runs the server described by the tools.json at `definitionUrl` until SIGTERM/SIGINT (or, with --stdio, end of stdin). */
export async function main(definitionUrl: URL, argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const args = argv.slice(2);
  const unknown = args.find((arg) => !['--stdio', '--help', '-h'].includes(arg));
  if (unknown !== undefined) fail(`unknown option ${unknown}; try --help`);

  let definition: ServerDefinition;
  try {
    definition = JSON.parse(await readFile(definitionUrl, 'utf8')) as ServerDefinition;
    if (!Array.isArray(definition?.tools)) throw new Error('it has no "tools" list');
  } catch (error) {
    return fail(`cannot load ${fileURLToPath(definitionUrl)}: ${(error as Error).message}`);
  }

  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage(definition));
    return;
  }

  let settings: Settings;
  try {
    settings = readSettings(env, definition);
  } catch (error) {
    if (error instanceof SettingError) return fail(error.message);
    throw error;
  }
  const log = stderrLog(settings.logLevel);

  const running = args.includes('--stdio') ? await startStdioServer(definition, settings) : await listen(definition, settings);
  if ('url' in running) process.stderr.write(`MCP server listening on ${running.url}\n`);
  else void running.closed.then(() => process.exit(0));

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

/** startHttpServer, turning "cannot listen" (port taken, host unknown) into the operator's error it is. */
async function listen(definition: ServerDefinition, settings: Settings) {
  try {
    return await startHttpServer(definition, settings);
  } catch (error) {
    return fail(`cannot listen on ${settings.host}:${settings.port}: ${(error as Error).message}`);
  }
}

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

function usage(definition: ServerDefinition): string {
  const rows = [...describeSettings(definition).map((setting) => ({ ...setting, default: setting.default ?? '' })), ...describeUpstreamVariables(definition.securitySchemes)];
  const width = Math.max(...rows.map((row) => row.variable.length));
  const lines = rows.map((row) => `  ${row.variable.padEnd(width)}  ${row.description}${row.default ? ` (default: ${row.default})` : ''}`);
  return [
    `Usage: ${definition.name} [--stdio]`,
    '',
    `MCP server for ${definition.title} ${definition.version}.`,
    'Serves MCP over Streamable HTTP at http://HOST:PORT/mcp, or with --stdio over stdin and stdout.',
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
