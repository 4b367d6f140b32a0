/** Reads a table of the repository's README, so a test can hold the documentation to the code. */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const README = join(import.meta.dirname, '../../README.md');

/** The body rows (cells trimmed) of the first table under the README heading `#### <heading>`; throws when absent. */
export function readmeTable(heading: string): string[][] {
  const lines = readFileSync(README, 'utf8').split('\n');
  const start = lines.findIndex((line) => /^#+ /.test(line) && line.replace(/^#+ /, '') === heading);
  if (start < 0) throw new Error(`README.md has no heading "${heading}"`);
  const first = lines.findIndex((line, index) => index > start && line.startsWith('|'));
  if (first < 0 || lines.slice(start + 1, first).some((line) => /^#+ /.test(line))) throw new Error(`README.md has no table under "${heading}"`);
  const rows: string[][] = [];
  for (let index = first + 2; index < lines.length && lines[index]!.startsWith('|'); index++) {
    rows.push(lines[index]!.slice(1, -1).split('|').map((cell) => cell.trim()));
  }
  return rows;
}
