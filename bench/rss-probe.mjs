// Preloaded with `node --import` when GNU time is missing: writes this process's peak RSS (KiB) to
// $BENCH_RSS_FILE when it exits, however it exits (process.exit included).
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  delete process.env.BENCH_RSS_FILE;
  process.on('exit', () => writeFileSync(file, `${process.resourceUsage().maxRSS}\n`));
}
