/** Regenerates generated/<name>/ for every example spec (`npm run regenerate`). */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.js';
import { listExamples, ROOT } from './examples.js';

process.chdir(ROOT);
let failed = 0;
for (const example of listExamples()) {
  // Start from an empty folder so files the generator no longer emits do not linger.
  const entries = await readdir(join(ROOT, example.outDir)).catch(() => []);
  for (const entry of entries.filter((e) => e !== 'node_modules' && e !== 'dist')) {
    await rm(join(ROOT, example.outDir, entry), { recursive: true, force: true });
  }
  const args = ['generate', example.spec, '--out', example.outDir, '--quiet', ...(example.config ? ['--config', example.config] : [])];
  const code = await runCli(['node', 'portcullis', ...args]);
  console.error(`${code === 0 ? 'ok  ' : 'FAIL'} ${example.spec} -> ${example.outDir}`);
  if (code !== 0) failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
