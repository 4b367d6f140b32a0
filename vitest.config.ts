import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Removes the folders test/support/scratch.ts made, after each test file.
    setupFiles: ['test/support/scratch-cleanup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
