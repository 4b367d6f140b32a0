/** A vitest setup file (vitest.config.ts `setupFiles`): after each test file, remove the scratch folders it made. */
import { aroundAll } from 'vitest';
import { removeScratchDirs } from './scratch.js';

// Around the whole file, its own beforeAll/afterAll included: the folders go after the file's hooks have stopped the
// servers writing into them, and even when one of those hooks throws (which would skip a later afterAll).
aroundAll(async (runFile) => {
  try {
    await runFile();
  } finally {
    removeScratchDirs();
  }
});
