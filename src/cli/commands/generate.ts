/** `portcullis generate`: write a complete MCP server project, refusing hand-edited files and another API's folder. */
import { formatChanges, type Change } from '../../diff/diff-models.js';
import { writePlanned, type PlannedGeneration } from '../../generate.js';
import { ForeignOutputError } from '../../errors.js';
import type { Io } from '../io.js';
import type { GenerateCommand } from '../options.js';
import { runPlanned, type Progress } from '../planned-run.js';
import { watchAndRerun } from '../watch.js';

/** Runs `generate` (with --watch, again on every change until stopped); resolves to the exit code. */
export function runGenerate(command: GenerateCommand, io: Io): Promise<number> {
  if (command.watch) return watchAndRerun(command, io, () => generateOnce(command, io));
  return generateOnce(command, io);
}

/** Generates once: plan, print the changes, write. */
function generateOnce(command: GenerateCommand, io: Io): Promise<number> {
  const progress: Progress | undefined = command.quiet
    ? undefined
    : (stage, summary, ms) => io.stderr(`${stage.padEnd(9)} ${summary} (${Math.round(ms)} ms)\n`);
  return runPlanned(command, io, (planned) => write(planned, command, io, progress), progress);
}

async function write(planned: PlannedGeneration, command: GenerateCommand, io: Io, progress: Progress | undefined): Promise<number> {
  if (planned.foreign) throw new ForeignOutputError(command.outDir, planned.foreign.existing, planned.foreign.current);
  const changes = planned.changes || planned.hookChanges.length ? [...(planned.changes ?? []), ...planned.hookChanges] : undefined;
  printChanges(changes, command, io);
  if (command.failOnSecurityChange && changes?.some((change) => change.security)) {
    io.stderr('error: security-relevant changes (--fail-on-security-change); nothing was written\n');
    return 1;
  }
  const start = performance.now();
  const written = await writePlanned(planned);
  const removed = written.removed.length ? `, ${written.removed.length} removed` : '';
  progress?.('write', `${written.written.length} written, ${written.unchanged.length} unchanged${removed}`, performance.now() - start);
  if (!command.quiet) printSummary(planned, command, io);
  return 0;
}

/** The change summary on stderr; with --quiet only the security-relevant changes, which are worth a look. */
function printChanges(changes: readonly Change[] | undefined, command: GenerateCommand, io: Io): void {
  if (!changes) return;
  const shown = command.quiet ? changes.filter((change) => change.security) : changes;
  if (shown.length > 0 || !command.quiet) io.stderr(formatChanges(shown));
}

/** How many tools were written, and which operations were left out for having neither scopes nor roles. */
function printSummary(planned: PlannedGeneration, command: GenerateCommand, io: Io): void {
  io.stderr(`generated ${planned.model.tools.length} tools into ${command.outDir}\n`);
  const excluded = planned.model.excluded;
  if (excluded.length === 0) return;
  io.stderr(`left out ${excluded.length} operation${excluded.length === 1 ? '' : 's'} with neither scopes nor roles (unprotected: exclude):\n`);
  for (const operation of excluded) io.stderr(`  - ${operation.name} — ${operation.method} ${operation.path}\n`);
}
