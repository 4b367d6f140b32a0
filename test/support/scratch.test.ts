/**
 * #15 Tests leave no temporary folders behind: scratchDir makes a named folder under the OS temp folder, and
 * removeScratchDirs (run around every test file by the setup file vitest.config.ts names) removes it, whether the
 * file's tests and hooks passed, failed or threw.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pendingScratchDirs, removeScratchDirs, scratchDir } from './scratch.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const CONFIG = fileURLToPath(new URL('./fixtures/scratch.vitest.config.ts', import.meta.url));

/** Runs vitest on fixtures/scratch-file.ts in its own process, reporting to `report`; resolves with its exit code. */
function runFixtureFile(report: string): Promise<number | null> {
  // The child is a vitest of its own: nothing of this worker's VITEST_* environment may leak in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITEST, 'run', '--config', CONFIG], { cwd: ROOT, env: { ...env, SCRATCH_REPORT: report }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', resolve);
  });
}

describe('#15 scratch folders', () => {
  it('#15 scratchDir makes an empty folder portcullis-<prefix>-XXXXXX under the OS temp folder, pending removal', () => {
    const folder = scratchDir('scratch-unit');
    expect(dirname(folder)).toBe(tmpdir());
    expect(basename(folder)).toMatch(/^portcullis-scratch-unit-[A-Za-z0-9]{6}$/);
    expect(readdirSync(folder)).toEqual([]);
    expect(pendingScratchDirs()).toContain(folder);
    expect(scratchDir('scratch-unit')).not.toBe(folder);
  });

  it('#15 removeScratchDirs removes every pending folder with its contents, tolerates one already gone, and forgets them', () => {
    const full = scratchDir('scratch-full');
    mkdirSync(join(full, 'a', 'b'), { recursive: true });
    writeFileSync(join(full, 'a', 'b', 'file.txt'), 'x');
    const gone = scratchDir('scratch-gone');
    removeScratchDirs();
    expect(existsSync(full)).toBe(false);
    expect(existsSync(gone)).toBe(false);
    expect(pendingScratchDirs()).toEqual([]);
    expect(() => removeScratchDirs()).not.toThrow();
  });

  it.each(['', '../escape', 'a/b', 'Upper', 'trailing-', 'two--dashes'])('#15 refuses the prefix %j: a prefix is a name, never a path', (prefix) => {
    expect(() => scratchDir(prefix)).toThrow(TypeError);
  });

  it('#15 after a test file ends, its folders are gone: from a hook and from tests that passed, failed or threw, past a throwing afterAll', async () => {
    const report = join(scratchDir('scratch-report'), 'report.jsonl');
    writeFileSync(report, '');
    // One test fails, one throws and an afterAll throws, on purpose: vitest exits 1, and the cleanup runs all the same.
    expect(await runFixtureFile(report)).toBe(1);
    const lines = readFileSync(report, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { event: string; folder: string });
    const made = lines.filter((line) => line.event === 'made').map((line) => basename(line.folder).replace(/-[A-Za-z0-9]{6}$/, ''));
    expect(made).toEqual(['portcullis-fixture-shared', 'portcullis-fixture-pass', 'portcullis-fixture-fail', 'portcullis-fixture-throw']);
    // A folder made in beforeAll lives as long as the file, not one test.
    expect(lines.map((line) => line.event)).toContain('shared-present');
    for (const { folder } of lines) expect(existsSync(folder), folder).toBe(false);
  });
});
