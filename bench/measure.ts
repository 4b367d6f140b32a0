/**
 * Runs one command as a child process and measures its wall time, CPU time and peak memory (max RSS).
 *
 * Peak memory and CPU time come from GNU time (`/usr/bin/time -f '%M %U %S'`, the child's rusage). Where GNU time is missing (e.g. macOS,
 * or Debian without the `time` package) the child is a Node process run with `--import rss-probe.mjs`, which
 * reports `process.resourceUsage()` (maxRSS, userCPUTime, systemCPUTime) when it exits: the same figures, read from
 * inside.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type RssMethod = 'gnu-time' | 'node-probe';

export interface RunResult {
  readonly ok: boolean;
  /** Wall time from spawn to exit, in milliseconds. */
  readonly ms: number;
  /** Peak resident set size in KiB, when it could be read. */
  readonly rssKiB: number | undefined;
  /** CPU time (user + system) in milliseconds, when it could be read: less disturbed than wall time by other load. */
  readonly cpuMs: number | undefined;
  /** Exit code, or the signal / `timeout` that ended it. */
  readonly exit: string;
  /** Tail of stderr then stdout, kept to explain failures. */
  readonly output: string;
}

const GNU_TIME = '/usr/bin/time';
const PROBE = fileURLToPath(new URL('./rss-probe.mjs', import.meta.url));
/** Enough for every warning portcullis prints on GitHub's spec (≈270 kB) and the stage lines after them. */
const KEEP_CHARS = 4_000_000;

/** `gnu-time` when /usr/bin/time is GNU time (it accepts `-f` and `-o`), else `node-probe`. */
export function detectRssMethod(): RssMethod {
  if (!existsSync(GNU_TIME)) return 'node-probe';
  const probe = spawnSync(GNU_TIME, ['-f', '%M', '-o', '/dev/null', 'true'], { stdio: 'ignore' });
  return probe.status === 0 ? 'gnu-time' : 'node-probe';
}

/** Runs `node <nodeArgs…>` once; the child gets `env` minus NODE_OPTIONS (so the bench's own tsx loader stays out). */
export async function measureNode(nodeArgs: readonly string[], options: { method: RssMethod; cwd: string; timeoutMs: number }): Promise<RunResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'portcullis-bench-rss-'));
  const rssFile = join(scratch, 'rss');
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  let command: string;
  let args: string[];
  if (options.method === 'gnu-time') {
    command = GNU_TIME;
    args = ['-f', '%M %U %S', '-o', rssFile, process.execPath, ...nodeArgs];
  } else {
    command = process.execPath;
    args = ['--import', PROBE, ...nodeArgs];
    env.BENCH_RSS_FILE = rssFile;
  }
  try {
    const started = process.hrtime.bigint();
    const { exit, output } = await run(command, args, options.cwd, env, options.timeoutMs);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const { rssKiB, cpuMs } = readUsage(rssFile);
    return { ok: exit === '0', ms, rssKiB, cpuMs, exit, output };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The last line of the usage file: `<max RSS KiB> <user s> <system s>`. */
function readUsage(file: string): { rssKiB: number | undefined; cpuMs: number | undefined } {
  if (!existsSync(file)) return { rssKiB: undefined, cpuMs: undefined };
  // GNU time writes "Command exited with non-zero status N" before the figures when the child fails.
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const [rss, user, system] = (lines[lines.length - 1] ?? '').trim().split(/\s+/).map(Number);
  return {
    rssKiB: rss !== undefined && Number.isFinite(rss) && rss > 0 ? rss : undefined,
    cpuMs: user !== undefined && system !== undefined && Number.isFinite(user + system) ? (user + system) * 1000 : undefined,
  };
}

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

// Children run in their own process groups, out of reach of the terminal's Ctrl-C: end them with the bench.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of live) killGroup(child);
    process.exit(130);
  });
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ exit: string; output: string }> {
  return new Promise((resolve) => {
    // Own process group, so a timeout ends GNU time and the generator under it together.
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = keep(stdout + chunk)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = keep(stderr + chunk)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    const finish = (exit: string) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ exit, output: [stderr.trim(), stdout.trim()].filter(Boolean).join('\n') });
    };
    child.on('error', (error) => finish(`spawn error: ${error.message}`));
    child.on('close', (code, signal) => finish(timedOut ? `timeout after ${timeoutMs / 1000} s` : code !== null ? String(code) : `signal ${signal}`));
  });
}

/** Keeps the first part of a very long output (where errors usually start) and drops the rest. */
function keep(text: string): string {
  return text.length > KEEP_CHARS ? text.slice(0, KEEP_CHARS) : text;
}
