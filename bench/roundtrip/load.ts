/**
 * The closed-loop load generator of the round-trip benchmark: `concurrency` workers each send one call, wait for its
 * checked answer, and send the next, until `calls` have been made or the time limit is reached. Every answer is
 * checked by the call itself (it throws on anything but the expected result); a throw is an error, not a latency.
 */
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { cpuMicros, machineBusyMicros } from './children.js';

/** One call; `seq` is unique per call (used as the JSON-RPC id). Throws when the answer is not the expected one. */
export type Call = (seq: number) => Promise<void>;

export interface CellOptions {
  readonly concurrency: number;
  readonly calls: number;
  readonly warmup: number;
  readonly timeLimitMs: number;
  /** Processes whose CPU time is charged per call (e.g. the server under test, the upstream). */
  readonly pids?: Readonly<Record<string, number>>;
}

export interface CellResult {
  readonly concurrency: number;
  /** Calls answered as expected. */
  readonly ok: number;
  readonly errors: number;
  /** A few distinct error messages. */
  readonly errorSamples: readonly string[];
  readonly warmupErrors: number;
  /** Milliseconds, over the successful calls. */
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  /** Successful calls per second of wall time. */
  readonly throughput: number;
  readonly wallMs: number;
  /** Whether the time limit ended the cell before `calls` were made. */
  readonly truncated: boolean;
  /** CPU microseconds per call of each process in `pids`, and of the load generator itself (`client`). */
  readonly cpuPerCall: Readonly<Record<string, number | undefined>>;
  /**
   * Share of the machine's CPU capacity (all CPUs × wall time) used during the cell by processes other than the ones
   * measured (the load generator and `pids`): other work on the machine, which disturbs the figures.
   */
  readonly otherLoad: number | undefined;
}

let sequence = 0;

export async function runCell(call: Call, options: CellOptions): Promise<CellResult> {
  const warm = await drive(call, options.warmup, options.concurrency, options.timeLimitMs);
  const pids = options.pids ?? {};
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMicros(pid)]));
  const clientBefore = process.cpuUsage();
  const machineBefore = machineBusyMicros();
  const run = await drive(call, options.calls, options.concurrency, options.timeLimitMs);
  const machineAfter = machineBusyMicros();
  const client = process.cpuUsage(clientBefore);
  const made = run.latencies.length + run.errors;
  const cpuPerCall: Record<string, number | undefined> = { client: made ? (client.user + client.system) / made : undefined };
  for (const [name, pid] of Object.entries(pids)) {
    const before = cpuBefore[name];
    const after = cpuMicros(pid);
    cpuPerCall[name] = before !== undefined && after !== undefined && made ? (after - before) / made : undefined;
  }
  let ours = client.user + client.system;
  let known = true;
  for (const [name, pid] of Object.entries(pids)) {
    const before = cpuBefore[name];
    const after = cpuMicros(pid);
    if (before === undefined || after === undefined) known = false;
    else ours += after - before;
  }
  const otherLoad =
    known && machineBefore !== undefined && machineAfter !== undefined
      ? Math.max(0, machineAfter - machineBefore - ours) / (run.wallMs * 1000 * availableParallelism())
      : undefined;
  const sorted = Float64Array.from(run.latencies).sort();
  return {
    concurrency: options.concurrency,
    ok: sorted.length,
    errors: run.errors,
    errorSamples: run.samples,
    warmupErrors: warm.errors,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    mean: sorted.length ? sorted.reduce((sum, value) => sum + value, 0) / sorted.length : Number.NaN,
    throughput: sorted.length / (run.wallMs / 1000),
    wallMs: run.wallMs,
    truncated: made < options.calls,
    cpuPerCall,
    otherLoad,
  };
}

async function drive(call: Call, calls: number, concurrency: number, timeLimitMs: number) {
  const latencies: number[] = [];
  const samples = new Set<string>();
  let errors = 0;
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + timeLimitMs;
  const worker = async () => {
    while (started < calls && performance.now() < deadline) {
      started++;
      const seq = ++sequence;
      const begin = performance.now();
      try {
        await call(seq);
        latencies.push(performance.now() - begin);
      } catch (error) {
        errors++;
        if (samples.size < 3) samples.add(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, errors, samples: [...samples], wallMs: performance.now() - t0 };
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Share of the machine's CPU capacity used over `ms` by anything but this process and `pids`. */
export async function otherLoadOver(ms: number, pids: readonly number[]): Promise<number | undefined> {
  const machineBefore = machineBusyMicros();
  const oursBefore = pids.map(cpuMicros);
  const selfBefore = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const self = process.cpuUsage(selfBefore);
  const machineAfter = machineBusyMicros();
  const wall = performance.now() - t0;
  if (machineBefore === undefined || machineAfter === undefined) return undefined;
  let ours = self.user + self.system;
  for (const [i, pid] of pids.entries()) {
    const before = oursBefore[i];
    const after = cpuMicros(pid);
    if (before !== undefined && after !== undefined) ours += after - before;
  }
  return Math.max(0, machineAfter - machineBefore - ours) / (wall * 1000 * availableParallelism());
}
