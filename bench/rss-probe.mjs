// Preloaded with `node --import` when GNU time is missing: writes this process's peak RSS (KiB) and CPU seconds
// (user, system) to $BENCH_RSS_FILE when it exits, however it exits (process.exit included), as GNU time would.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  delete process.env.BENCH_RSS_FILE;
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, `${usage.maxRSS} ${usage.userCPUTime / 1e6} ${usage.systemCPUTime / 1e6}\n`);
  });
}
