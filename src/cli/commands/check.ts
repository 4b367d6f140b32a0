/** `portcullis check`: exit 0 when the output folder is up to date with the spec and config, 1 listing what would change (for CI). */
import { formatChanges } from '../../diff/diff-models.js';
import type { PlannedGeneration } from '../../generate.js';
import type { Io } from '../io.js';
import type { GenerateCommand } from '../options.js';
import { runPlanned } from '../planned-run.js';

/** Runs `check`; resolves to the exit code (1 on drift, or on a security-relevant change with --fail-on-security-change). */
export function runCheck(command: GenerateCommand, io: Io): Promise<number> {
  return runPlanned(command, io, (planned) => reportDrift(planned, command, io));
}

function reportDrift(planned: PlannedGeneration, command: GenerateCommand, io: Io): number {
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
  const securityChange = [...(planned.changes ?? []), ...planned.hookChanges].some((change) => change.security);
  return lines.length > 0 || (command.failOnSecurityChange && securityChange) ? 1 : 0;
}
