/** `portcullis diff`: what regenerating would change, for people: tools, arguments, and every security-relevant change. */
import { diffModels, formatChanges } from '../../diff/diff-models.js';
import type { PlannedGeneration } from '../../generate.js';
import type { Io } from '../io.js';
import type { GenerateCommand } from '../options.js';
import { runPlanned } from '../planned-run.js';

/** Runs `diff`; resolves to the exit code (1 only for a security-relevant change with --fail-on-security-change). */
export function runDiff(command: GenerateCommand, io: Io): Promise<number> {
  return runPlanned(command, io, (planned) => printDiff(planned, command, io));
}

function printDiff(planned: PlannedGeneration, command: GenerateCommand, io: Io): number {
  // Without an earlier manifest, everything is new: the change from an empty model.
  const changes = [...(planned.changes ?? diffModels({ securitySchemes: {}, tools: [] }, planned.manifest.model)), ...planned.hookChanges];
  if (!planned.changes) io.stdout(`no earlier generation in ${command.outDir} (no portcullis.manifest.json): everything is new\n`);
  io.stdout(formatChanges(changes));
  return command.failOnSecurityChange && changes.some((change) => change.security) ? 1 : 0;
}
