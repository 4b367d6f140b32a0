/**
 * What generate, check and diff share: read the config, plan the generation (nothing written), print its warnings and
 * write the --report file, then hand the plan to the command; every failure on the way becomes its message and exit
 * code (1 for a spec, config or output-folder problem, 2 with a stack for a bug).
 */
import { loadConfig } from '../config/load-config.js';
import { EMPTY_CONFIG } from '../config/types.js';
import { ConfigError, ForeignOutputError, formatIssue, SpecError, WriteConflictError } from '../errors.js';
import { planGeneration, type GenerateOptions, type PlannedGeneration } from '../generate.js';
import { conflictAdvice } from '../write/conflict-advice.js';
import type { Io } from './io.js';
import type { GenerateCommand } from './options.js';
import { reported, warningLines } from './output.js';

export type Progress = NonNullable<GenerateOptions['progress']>;

/** Plans the generation `command` asks for and runs `next` on the plan; resolves to the exit code. */
export async function runPlanned(
  command: GenerateCommand,
  io: Io,
  next: (planned: PlannedGeneration) => Promise<number> | number,
  progress?: Progress,
): Promise<number> {
  try {
    const config = command.configFile ? await loadConfig(command.configFile) : EMPTY_CONFIG;
    const planned = await planGeneration({
      spec: command.spec,
      outDir: command.outDir,
      config,
      ...(command.name ? { name: command.name } : {}),
      allowRemoteRefs: command.allowRemoteRefs,
      maxSpecBytes: command.maxSpecBytes,
      strict: command.strict,
      force: command.force,
      ...(progress ? { progress } : {}),
    });
    for (const line of warningLines(planned.warnings, command.verbose)) io.stderr(`${line}\n`);
    if (!(await reported(command, planned.warnings, io))) {
      io.stderr('error: nothing was written\n');
      return 1;
    }
    return await next(planned);
  } catch (error) {
    return failed(error, command, io);
  }
}

/** Prints what went wrong; resolves to the exit code (1 for the user's problem, 2 for a bug). */
async function failed(error: unknown, command: GenerateCommand, io: Io): Promise<number> {
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
