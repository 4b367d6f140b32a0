/** Writes emitted files into the output folder, touching only files whose contents changed. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EmittedFile } from '../emit/emit-server.js';

export interface WriteResult {
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
}

/** Writes `files` under `outDir`; a file already holding the same bytes is left alone (its mtime too). */
export async function writeFiles(outDir: string, files: readonly EmittedFile[]): Promise<WriteResult> {
  const written: string[] = [];
  const unchanged: string[] = [];
  for (const file of files) {
    const target = join(outDir, file.path);
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current === file.contents) {
      unchanged.push(file.path);
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.contents);
    written.push(file.path);
  }
  return { written, unchanged };
}
