/** Output shared by generate, check and diff: warnings (at most ten of each code) and the --report file. */
import { formatIssue, type Issue } from '../errors.js';
import type { Io } from './io.js';
import type { GenerateCommand } from './options.js';
import { writeReport } from './report.js';

const WARNINGS_PER_CODE = 10;

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

/** Writes the --report file, if asked for; false (after saying why) when it could not be written. */
export async function reported(command: GenerateCommand, issues: readonly Issue[], io: Io): Promise<boolean> {
  if (!command.reportFile) return true;
  const failure = await writeReport(command.reportFile, issues);
  if (failure) io.stderr(`error: ${failure}\n`);
  return failure === undefined;
}
