/**
 * `npm run bench`: generation time and peak memory of portcullis next to openapi-mcp-generator (its most used peer)
 * on petstore, Stripe and GitHub. A benchmark, not a test: it always exits 0 and prints failures in the table.
 *
 * Progress goes to stderr; the Markdown report goes to stdout. Settings (environment variables):
 *   BENCH_RUNS=5         measured runs per tool and spec (the median and min are over these)
 *   BENCH_WARMUP=1       warm-up runs per tool and spec, discarded
 *   BENCH_SPECS=a,b      only these specs (petstore, stripe, github)
 *   BENCH_TIMEOUT_S=120  a run taking longer is killed and reported as failed
 *   BENCH_STAGE_RUNS=3   extra portcullis runs without --quiet that read its per-stage timings (0: none)
 *   BENCH_SKIP_BUILD=1   measure dist/ as it is instead of running `npm run build` first
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchSpec, generatorTools, type Measurement } from './generation.js';
import { detectRssMethod } from './measure.js';
import { comparisonTable, stageTable, verdicts } from './report.js';
import { benchSpecs, countOperations, ROOT } from './specs.js';
import { portcullisStages, type StageRun } from './stages.js';
import { positiveInt } from './env.js';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

const runs = positiveInt('BENCH_RUNS', 5, log);
const warmup = positiveInt('BENCH_WARMUP', 1, log, true);
const timeoutMs = positiveInt('BENCH_TIMEOUT_S', 120, log) * 1000;
const stageRunCount = positiveInt('BENCH_STAGE_RUNS', 3, log, true);
const only = process.env.BENCH_SPECS?.split(',').map((s) => s.trim()).filter(Boolean);

const method = detectRssMethod();
if (method === 'node-probe') {
  log('GNU time (/usr/bin/time) is missing or is not GNU time: peak RSS is read instead by a `node --import` probe');
  log('inside each child (process.resourceUsage().maxRSS). To use GNU time on Debian/Ubuntu: apt-get install time');
}

if (process.env.BENCH_SKIP_BUILD === '1') {
  log('BENCH_SKIP_BUILD=1: measuring dist/ as it is');
} else {
  log('npm run build (the bench measures the built CLI, bin/portcullis.cjs)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) log(`build failed (exit ${build.status ?? build.signal}); measuring whatever dist/ holds`);
}
if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) log('dist/cli/main.js is missing: every portcullis run will fail');

const tools = generatorTools();
const specs = benchSpecs().filter((spec) => !only || only.includes(spec.name));
const measurements: Measurement[] = [];
const stageRuns: StageRun[] = [];
const started = Date.now();
const loadBefore = loadavg()[0]!;
for (const spec of specs) {
  const operations = countOperations(spec.path);
  log(`${spec.name}: ${operations} operations (${spec.origin})`);
  measurements.push(...(await benchSpec(spec, operations, tools, { runs, warmup, timeoutMs, method, log })));
  if (stageRunCount > 0) stageRuns.push(await portcullisStages(tools[0]!, spec, { method, timeoutMs, count: stageRunCount }));
}
const loadAfter = loadavg()[0]!;
log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);

const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
const lines = [
  `## Generation: ${tools.map((t) => t.label).join(' vs ')}`,
  '',
  `Machine: ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, Node ${process.version}; 1-min load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after (above ~0.5, other work shared the cores).`,
  `Method: each run is a separate child process into a fresh folder; ${warmup} warm-up + ${runs} measured runs per tool and spec, alternating tools;`,
  `wall time from spawn to exit; CPU = user + system time of the child; peak RSS = max over the measured runs of the child's max RSS`,
  `(${method === 'gnu-time' ? "/usr/bin/time -f '%M %U %S'" : 'process.resourceUsage() in the child'}).`,
  '',
  comparisonTable(measurements),
  '',
  'Target: portcullis no slower and no hungrier than the peer on each spec.',
  ...verdicts(measurements),
];
if (stageRuns.length > 0) {
  lines.push('', `portcullis per stage (median of ${stageRunCount} extra run${stageRunCount === 1 ? '' : 's'} without --quiet; stage times as the CLI prints them):`, '', stageTable(stageRuns));
}
lines.push('', `Specs: ${specs.map((s) => `${s.name} = ${s.origin}`).join('; ')}.`);
process.stdout.write(`${lines.join('\n')}\n`);
process.exitCode = 0;

