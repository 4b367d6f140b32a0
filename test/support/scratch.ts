/**
 * Scratch folders for tests: one way to get a temporary folder that does not outlive its test file.
 *
 * `scratchDir(prefix)` makes `<os.tmpdir()>/portcullis-<prefix>-XXXXXX` and records it; `removeScratchDirs()` removes
 * every recorded folder. vitest.config.ts runs it at the end of every test file (test/support/scratch-cleanup.ts, an
 * `aroundAll` in `setupFiles`), whether the file's tests and hooks pass, fail or throw; a process that is not a vitest
 * worker (a fixture server a test spawns) calls it itself.
 *
 * This module imports nothing from vitest so that such child processes can use it too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Lower-case words joined by '-': the prefix is a name, never a path. */
const PREFIX = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

interface Registry {
  readonly folders: Set<string>;
}

/**
 * The folders of this process, on globalThis: a test file and the setup file that cleans up after it share one list
 * even when they load this module as two instances.
 */
function registry(): Registry {
  const key = Symbol.for('portcullis.test.scratchDirs');
  const holder = globalThis as { [key]?: Registry };
  let found = holder[key];
  if (!found) {
    found = { folders: new Set() };
    holder[key] = found;
  }
  return found;
}

/** A new empty folder `<os tmpdir>/portcullis-<prefix>-XXXXXX`, removed when the current test file finishes. */
export function scratchDir(prefix: string): string {
  if (!PREFIX.test(prefix)) throw new TypeError(`scratchDir: prefix must be lower-case words joined by "-", got ${JSON.stringify(prefix)}`);
  const folder = mkdtempSync(join(tmpdir(), `portcullis-${prefix}-`));
  registry().folders.add(folder);
  return folder;
}

/** The folders scratchDir made that are not removed yet, oldest first. */
export function pendingScratchDirs(): readonly string[] {
  return [...registry().folders];
}

/** Removes every folder scratchDir made (and their contents); never throws, so cleaning up cannot fail a run. */
export function removeScratchDirs(): void {
  const { folders } = registry();
  for (const folder of folders) {
    try {
      // maxRetries: a child process the test just stopped may still be closing a file in it (EBUSY/ENOTEMPTY).
      rmSync(folder, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // Left behind rather than failing the run: the OS temp folder is cleaned by the OS in the end.
    }
    folders.delete(folder);
  }
}
