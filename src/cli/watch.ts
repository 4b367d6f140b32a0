/** `generate --watch`: run, then run again whenever the spec or config file changes, until SIGINT or the abort signal. */
import { watch as watchFolder } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Io } from './io.js';
import type { GenerateCommand } from './options.js';

/** Editors save in bursts (write, rename, chmod): a rerun waits for this long without another change. */
const SETTLE_MS = 150;

/** Runs `run`, then again after each change of the command's local spec or config file; resolves to 0 once stopped. */
export async function watchAndRerun(command: GenerateCommand, io: Io, run: () => Promise<number>): Promise<number> {
  await run();
  const files = [command.spec, command.configFile].filter((file): file is string => file !== undefined && !/^https?:\/\//i.test(file));
  if (files.length === 0) {
    io.stderr('error: --watch needs a local spec or config file\n');
    return 1;
  }
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const rerun = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(async () => {
        io.stderr(`\nchange detected, regenerating\n`);
        await run();
      });
    }, SETTLE_MS);
  };
  io.stderr(`watching ${files.join(', ')} (Ctrl-C to stop)\n`);
  // Watch the folders, not the files: editors often save by replacing the file, which ends a watch on it.
  const watchers = [...new Set(files.map((file) => dirname(resolve(file))))].map((dir) =>
    watchFolder(dir, (_event, name) => {
      if (name && files.some((file) => resolve(dir, name) === resolve(file))) rerun();
    }),
  );
  return new Promise<number>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      io.signal?.removeEventListener('abort', stop);
      for (const watcher of watchers) watcher.close();
      clearTimeout(timer);
      void running.then(() => done(0));
    };
    process.once('SIGINT', stop);
    io.signal?.addEventListener('abort', stop);
  });
}
