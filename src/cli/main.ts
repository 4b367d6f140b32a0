/** The `portcullis` command line. Exit codes: 0 success, 1 spec/config/usage problem, 2 internal error. */
import { Command } from 'commander';
import { EMPTY_CONFIG } from '../config/types.js';
import { loadConfig } from '../config/load-config.js';
import { ConfigError, formatIssue, SpecError } from '../errors.js';
import { generate } from '../generate.js';
import { toGenerateCommand, type GenerateFlags } from './options.js';

const VERSION = '0.1.0';

/** Runs the CLI with `argv` (as process.argv); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: { stdout: (text: string) => void; stderr: (text: string) => void } = defaultIo()): Promise<number> {
  let exitCode = 0;
  const program = new Command('portcullis')
    .description('Generate an OAuth-protected MCP server from an OpenAPI description.')
    .version(VERSION)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  program
    .command('generate')
    .description('Generate a complete MCP server project from an OpenAPI 2.0, 3.0 or 3.1 description.')
    .argument('<spec>', 'the OpenAPI description: a local YAML/JSON file or an http(s) URL')
    .requiredOption('-o, --out <dir>', 'folder to write the server project into (created if missing)')
    .option('-c, --config <file>', 'portcullis config file (YAML or JSON): tool selection, roles, scopes')
    .option('-n, --name <package-name>', 'npm package name of the emitted project (default: from the spec title)')
    .option('--allow-remote-refs', 'follow $refs to http(s) URLs (off: a spec must not make the generator fetch arbitrary URLs)')
    .option('--strict', 'treat warnings as errors')
    .option('-q, --quiet', 'print nothing but problems')
    .action(async (spec: string, flags: GenerateFlags) => {
      exitCode = await runGenerate(spec, flags, io);
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

async function runGenerate(spec: string, flags: GenerateFlags, io: { stdout: (text: string) => void; stderr: (text: string) => void }): Promise<number> {
  const command = toGenerateCommand(spec, flags);
  if ('usage' in command) {
    io.stderr(`error: ${command.usage}\n`);
    return 1;
  }
  const progress = command.quiet
    ? undefined
    : (stage: string, summary: string, ms: number) => io.stderr(`${stage.padEnd(9)} ${summary} (${Math.round(ms)} ms)\n`);
  try {
    const config = command.configFile ? await loadConfig(command.configFile) : EMPTY_CONFIG;
    const result = await generate({
      spec: command.spec,
      outDir: command.outDir,
      config,
      ...(command.name ? { name: command.name } : {}),
      allowRemoteRefs: command.allowRemoteRefs,
      strict: command.strict,
      ...(progress ? { progress } : {}),
    });
    for (const warning of result.warnings) io.stderr(`${formatIssue(warning)}\n`);
    if (!command.quiet) io.stderr(`generated ${result.model.tools.length} tools into ${command.outDir}\n`);
    return 0;
  } catch (error) {
    if (error instanceof SpecError || error instanceof ConfigError) {
      for (const issue of error.issues) io.stderr(`${formatIssue(issue)}\n`);
      const errors = error.issues.filter((i) => i.severity === 'error').length;
      io.stderr(`error: ${errors} problem${errors === 1 ? '' : 's'} found; nothing was written\n`);
      return 1;
    }
    io.stderr(`internal error (a bug in portcullis, please report it):\n${(error as Error).stack ?? String(error)}\n`);
    return 2;
  }
}

function defaultIo() {
  return { stdout: (text: string) => void process.stdout.write(text), stderr: (text: string) => void process.stderr.write(text) };
}
