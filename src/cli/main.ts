/**
 * The `portcullis` command line: commander wiring only. Each command's module is imported when that command runs, so
 * `generate` does not load what only `dev-auth` (oidc-provider) needs, and `--help` loads no generator stage.
 * Exit codes: 0 success, 1 spec/config/usage problem (or drift, conflicts), 2 internal error.
 */
import { Command } from 'commander';
import type { DevAuthFlags } from '../dev-auth/options.js';
import { DEFAULT_MAX_SPEC_MIB } from '../load/limits.js';
import { VERSION } from '../version.js';
import { defaultIo, type Io } from './io.js';
import { toGenerateCommand, type GenerateCommand, type GenerateFlags } from './options.js';

export type { Io } from './io.js';

/** A command that plans a generation (generate, check, diff), loaded on demand. */
type PlanningCommand = () => Promise<(command: GenerateCommand, io: Io) => Promise<number>>;

const generate: PlanningCommand = async () => (await import('./commands/generate.js')).runGenerate;
const check: PlanningCommand = async () => (await import('./commands/check.js')).runCheck;
const diff: PlanningCommand = async () => (await import('./commands/diff.js')).runDiff;

/** Runs the CLI with `argv` (as process.argv); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  let exitCode = 0;
  const program = new Command('portcullis')
    .description('Generate an OAuth-protected MCP server from an OpenAPI description.')
    .version(VERSION)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const common = (command: Command) =>
    command
      .argument('<spec>', 'the OpenAPI description: a local YAML/JSON file or an http(s) URL')
      .requiredOption('-o, --out <dir>', 'folder of the server project (created if missing)')
      .option('-c, --config <file>', 'portcullis config file (YAML or JSON): tool selection, roles, scopes')
      .option('-n, --name <package-name>', 'npm package name of the emitted project (default: from the spec title)')
      .option('--allow-remote-refs', 'follow $refs to http(s) URLs (off: a spec must not make the generator fetch arbitrary URLs)')
      .option('--max-spec-size <MiB>', `largest file read, the spec and each file it references (default: ${DEFAULT_MAX_SPEC_MIB})`)
      .option('--strict', 'treat warnings as errors')
      .option('-v, --verbose', 'print every warning (by default at most ten of each code, then a count)')
      .option('--report <file>', 'write every warning and error to <file>, one JSON object a line (code, severity, file, pointer, message, hint)')
      .option('--fail-on-security-change', 'exit 1 when a change loosens authorization or widens what the server can do')
      .option('-q, --quiet', 'print nothing but problems');

  common(program.command('generate').description('Generate a complete MCP server project from an OpenAPI 2.0, 3.0 or 3.1 description.'))
    .option('--force', 'overwrite generated files even when edited by hand (files you own are never overwritten)')
    .option('-w, --watch', 'regenerate whenever the spec or config file changes')
    .action(async (spec: string, flags: GenerateFlags) => {
      exitCode = await runPlanning(generate, spec, flags, io);
    });
  common(program.command('check').description('Exit 0 when the output folder is up to date with the spec and config, 1 listing what would change (for CI).'))
    .action(async (spec: string, flags: GenerateFlags) => {
      exitCode = await runPlanning(check, spec, flags, io);
    });
  common(program.command('diff').description('What regenerating would change, for people: tools, arguments, and every security-relevant change.'))
    .action(async (spec: string, flags: GenerateFlags) => {
      exitCode = await runPlanning(diff, spec, flags, io);
    });

  program
    .command('dev-auth')
    .description('Run a development OAuth authorization server on loopback and print ready-to-use tokens (never in production).')
    .option('--port <port>', 'TCP port (default: 4000; 0 picks a free one)')
    .option('--host <address>', 'loopback address to listen on: 127.0.0.1 (default) or ::1; any other is refused')
    .option('--resource <url>', 'the MCP server\'s MCP_PUBLIC_URL, the audience of every token (default: http://127.0.0.1:3000/mcp)')
    .option('--tools <tools.json>', 'take the scopes and roles of a generated server from its tools.json')
    .option('--scopes <scopes>', 'space-separated scopes to grant (added to those of --tools)')
    .option('--roles <roles>', 'space-separated roles of the dev user and the printed token (added to those of --tools)')
    .option('--token-scopes <scopes>', 'scopes of the printed token (default: all)')
    .action(async (flags: DevAuthFlags) => {
      const { runDevAuthCommand } = await import('./commands/dev-auth.js');
      exitCode = await runDevAuthCommand(flags, io);
    });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    // commander throws after printing its own message (help, version, usage errors).
    const code = (error as { exitCode?: number }).exitCode;
    if (typeof code === 'number') return code === 0 ? 0 : 1;
    throw error;
  }
  return exitCode;
}

/** Validates the flags (a usage error exits 1 before anything is loaded), then loads and runs the command. */
async function runPlanning(load: PlanningCommand, spec: string, flags: GenerateFlags, io: Io): Promise<number> {
  const command = toGenerateCommand(spec, flags);
  if ('usage' in command) {
    io.stderr(`error: ${command.usage}\n`);
    return 1;
  }
  const run = await load();
  return run(command, io);
}
