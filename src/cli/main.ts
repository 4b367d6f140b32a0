/** The `portcullis` command line. Exit codes: 0 success, 1 spec/config/usage problem (or drift, conflicts), 2 internal error. */
import { watch as watchFile } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { EMPTY_CONFIG } from '../config/types.js';
import { loadConfig } from '../config/load-config.js';
import { runDevAuth } from '../dev-auth/run-dev-auth.js';
import type { DevAuthFlags } from '../dev-auth/options.js';
import { diffModels, formatChanges, type Change } from '../diff/diff-models.js';
import { ConfigError, formatIssue, SpecError, type Issue } from '../errors.js';
import { planGeneration, writePlanned, type GenerateOptions } from '../generate.js';
import { DEFAULT_MAX_SPEC_MIB } from '../load/limits.js';
import { VERSION } from '../version.js';
import { ForeignOutputError } from '../write/api-identity.js';
import { WriteConflictError } from '../write/write-files.js';
import { conflictAdvice } from '../write/conflict-advice.js';
import { toGenerateCommand, type GenerateCommand, type GenerateFlags } from './options.js';
import { writeReport } from './report.js';

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Ends --watch (besides SIGINT); for tests and embedders. */
  signal?: AbortSignal;
}

type Mode = 'generate' | 'check' | 'diff';

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
      exitCode = await runCommand('generate', spec, flags, io);
    });
  common(program.command('check').description('Exit 0 when the output folder is up to date with the spec and config, 1 listing what would change (for CI).'))
    .action(async (spec: string, flags: GenerateFlags) => {
      exitCode = await runCommand('check', spec, flags, io);
    });
  common(program.command('diff').description('What regenerating would change, for people: tools, arguments, and every security-relevant change.'))
    .action(async (spec: string, flags: GenerateFlags) => {
      exitCode = await runCommand('diff', spec, flags, io);
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
      exitCode = await runDevAuth(flags, io);
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

async function runCommand(mode: Mode, spec: string, flags: GenerateFlags, io: Io): Promise<number> {
  const command = toGenerateCommand(spec, flags);
  if ('usage' in command) {
    io.stderr(`error: ${command.usage}\n`);
    return 1;
  }
  if (mode === 'generate' && command.watch) return watchAndGenerate(command, io);
  return runOnce(mode, command, io);
}

async function runOnce(mode: Mode, command: GenerateCommand, io: Io): Promise<number> {
  const progress =
    command.quiet || mode !== 'generate'
      ? undefined
      : (stage: string, summary: string, ms: number) => io.stderr(`${stage.padEnd(9)} ${summary} (${Math.round(ms)} ms)\n`);
  try {
    const config = command.configFile ? await loadConfig(command.configFile) : EMPTY_CONFIG;
    const options: GenerateOptions & { outDir: string; force: boolean } = {
      spec: command.spec,
      outDir: command.outDir,
      config,
      ...(command.name ? { name: command.name } : {}),
      allowRemoteRefs: command.allowRemoteRefs,
      maxSpecBytes: command.maxSpecBytes,
      strict: command.strict,
      force: command.force,
      ...(progress ? { progress } : {}),
    };
    const planned = await planGeneration(options);
    for (const line of warningLines(planned.warnings, command.verbose)) io.stderr(`${line}\n`);
    if (!(await reported(command, planned.warnings, io))) {
      io.stderr('error: nothing was written\n');
      return 1;
    }
    const securityChange = [...(planned.changes ?? []), ...planned.hookChanges].some((change) => change.security);

    if (mode === 'diff') {
      const changes = [...(planned.changes ?? diffModels({ securitySchemes: {}, tools: [] }, planned.manifest.model)), ...planned.hookChanges];
      if (!planned.changes) io.stdout(`no earlier generation in ${command.outDir} (no portcullis.manifest.json): everything is new\n`);
      io.stdout(formatChanges(changes));
      return command.failOnSecurityChange && changes.some((change) => change.security) ? 1 : 0;
    }

    if (mode === 'check') {
      const { plan } = planned;
      const lines = [
        ...plan.write.map((file) => `  ${file.owner === 'user' ? 'would create (yours)' : 'would write'} ${file.path}`),
        ...plan.remove.map((path) => `  would delete ${path}`),
        ...plan.conflicts.map((path) => `  edited by hand (generate refuses without --force) ${path}`),
      ];
      if (lines.length === 0) {
        if (!command.quiet) io.stdout(`${command.outDir} is up to date\n`);
      } else {
        io.stdout(`${command.outDir} is out of date:\n${lines.join('\n')}\n`);
        if (planned.changes?.length) io.stdout(formatChanges([...planned.changes, ...planned.hookChanges]));
      }
      if ((lines.length === 0 || !planned.changes?.length) && planned.hookChanges.length > 0) io.stdout(formatChanges(planned.hookChanges));
      return lines.length > 0 || (command.failOnSecurityChange && securityChange) ? 1 : 0;
    }

    if (planned.foreign) throw new ForeignOutputError(command.outDir, planned.foreign.existing, planned.foreign.current);
    printChanges(planned.changes || planned.hookChanges.length ? [...(planned.changes ?? []), ...planned.hookChanges] : undefined, command, io);
    if (command.failOnSecurityChange && securityChange) {
      io.stderr('error: security-relevant changes (--fail-on-security-change); nothing was written\n');
      return 1;
    }
    const start = performance.now();
    const write = await writePlanned(planned);
    const removed = write.removed.length ? `, ${write.removed.length} removed` : '';
    progress?.('write', `${write.written.length} written, ${write.unchanged.length} unchanged${removed}`, performance.now() - start);
    if (!command.quiet) {
      io.stderr(`generated ${planned.model.tools.length} tools into ${command.outDir}\n`);
      const excluded = planned.model.excluded;
      if (excluded.length > 0) {
        io.stderr(`left out ${excluded.length} operation${excluded.length === 1 ? '' : 's'} with neither scopes nor roles (unprotected: exclude):\n`);
        for (const operation of excluded) io.stderr(`  - ${operation.name} — ${operation.method} ${operation.path}\n`);
      }
    }
    return 0;
  } catch (error) {
    if (error instanceof SpecError || error instanceof ConfigError) {
      for (const issue of error.issues) io.stderr(`${formatIssue(issue)}\n`);
      await reported(command, error.issues, io);
      const errors = error.issues.filter((i) => i.severity === 'error').length;
      io.stderr(`error: ${errors} problem${errors === 1 ? '' : 's'} found; nothing was written\n`);
      return 1;
    }
    if (error instanceof ForeignOutputError) {
      io.stderr(`error: ${error.message} Nothing was written.\n`);
      return 1;
    }
    if (error instanceof WriteConflictError) {
      io.stderr(
        `error: ${error.files.length} generated file${error.files.length === 1 ? ' was' : 's were'} edited by hand and would be overwritten or deleted:\n` +
          error.files.map((file) => `  ${file}\n`).join('') +
          'Instead of editing them:\n' +
          conflictAdvice(error.files).map((line) => `  ${line}\n`).join('') +
          'Undo your edits to these files, or pass --force to overwrite them. Nothing was written.\n',
      );
      return 1;
    }
    io.stderr(`internal error (a bug in portcullis, please report it):\n${(error as Error).stack ?? String(error)}\n`);
    return 2;
  }
}

/** The change summary on stderr; with --quiet only the security-relevant changes, which are worth a look. */
function printChanges(changes: readonly Change[] | undefined, command: GenerateCommand, io: Io): void {
  if (!changes) return;
  const shown = command.quiet ? changes.filter((change) => change.security) : changes;
  if (shown.length > 0 || !command.quiet) io.stderr(formatChanges(shown));
}

/** Generates, then again whenever the spec or config file changes; runs until the process is stopped. */
async function watchAndGenerate(command: GenerateCommand, io: Io): Promise<number> {
  await runOnce('generate', command, io);
  const files = [command.spec, command.configFile].filter((file): file is string => file !== undefined && !/^https?:\/\//i.test(file));
  if (files.length === 0) {
    io.stderr('error: --watch needs a local spec or config file\n');
    return 1;
  }
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const rerun = () => {
    clearTimeout(timer);
    // Editors save in bursts (write, rename, chmod): wait for the burst to end.
    timer = setTimeout(() => {
      running = running.then(async () => {
        io.stderr(`\nchange detected, regenerating\n`);
        await runOnce('generate', command, io);
      });
    }, 150);
  };
  io.stderr(`watching ${files.join(', ')} (Ctrl-C to stop)\n`);
  // Watch the folders, not the files: editors often save by replacing the file, which ends a watch on it.
  const watchers = [...new Set(files.map((file) => dirname(resolve(file))))].map((dir) =>
    watchFile(dir, (_event, name) => {
      if (name && files.some((file) => resolve(dir, name) === resolve(file))) rerun();
    }),
  );
  return new Promise<number>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      io.signal?.removeEventListener('abort', stop);
      for (const watcher of watchers) watcher.close();
      clearTimeout(timer);
      void running.then(() => done(0));
    };
    process.once('SIGINT', stop);
    io.signal?.addEventListener('abort', stop);
  });
}

function defaultIo(): Io {
  return { stdout: (text: string) => void process.stdout.write(text), stderr: (text: string) => void process.stderr.write(text) };
}

/** Writes the --report file, if asked for; false (after saying why) when it could not be written. */
async function reported(command: GenerateCommand, issues: readonly Issue[], io: Io): Promise<boolean> {
  if (!command.reportFile) return true;
  const failure = await writeReport(command.reportFile, issues);
  if (failure) io.stderr(`error: ${failure}\n`);
  return failure === undefined;
}

/**
 * At most {@link WARNINGS_PER_CODE} warnings of each code, then how many more (every one with `all`, --verbose):
 * a 1,000-operation spec stays readable.
 */
export function warningLines(warnings: readonly Issue[], all = false): string[] {
  const lines: string[] = [];
  const counts = new Map<string, number>();
  for (const warning of warnings) {
    const seen = (counts.get(warning.code) ?? 0) + 1;
    counts.set(warning.code, seen);
    if (all || seen <= WARNINGS_PER_CODE) lines.push(formatIssue(warning));
  }
  for (const [code, count] of counts) {
    if (!all && count > WARNINGS_PER_CODE) {
      lines.push(`warning: ... and ${count - WARNINGS_PER_CODE} more [${code}] (--verbose prints them all, --report <file> writes every issue; --strict fails on all of them)`);
    }
  }
  return lines;
}

const WARNINGS_PER_CODE = 10;
