/** The --report file: every issue of a run, warnings and errors, one JSON object a line (JSON Lines). */
import { writeFile } from 'node:fs/promises';
import type { Issue } from '../errors.js';

/** One JSON object per issue, in the order found: `{"code","severity","file","pointer","message","hint"}`. */
export function issueReport(issues: readonly Issue[]): string {
  return issues
    .map(({ code, severity, file, pointer, message, hint }) => `${JSON.stringify({ code, severity, file, pointer, message, hint })}\n`)
    .join('');
}

/** Writes the report of `issues` to `file` (replacing it); resolves to a message for the user when that fails. */
export async function writeReport(file: string, issues: readonly Issue[]): Promise<string | undefined> {
  try {
    await writeFile(file, issueReport(issues));
    return undefined;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    return `cannot write the report file ${file} (${reason}); check that its folder exists and is writable`;
  }
}
