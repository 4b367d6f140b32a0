/**
 * What the shared rate limit costs per request (#14), apart from everything else a call does: the per-caller token
 * bucket taken in this process (limits.ts) against the same bucket taken in Redis (redis-rate-limit.ts, one Lua script
 * per request), from `BENCH_LIMITER_CONCURRENCY` concurrent takers over `BENCH_LIMITER_CALLERS` callers. Reports the
 * latency of a take (p50, p99) and the CPU time per take of this process and of redis-server, measured on the processes
 * themselves (/proc), which the machine's other load does not change much.
 *
 *   node --import tsx bench/redis-limiter.ts
 *
 *   BENCH_LIMITER_TAKES=20000       takes per variant
 *   BENCH_LIMITER_CONCURRENCY=64    takes in flight at once
 *   BENCH_LIMITER_CALLERS=1000      distinct caller keys
 * redis-server runs on a free loopback port, in a temporary folder; both are gone at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { positiveInt } from './env.js';
import { cpuMicros, freePort, startChild } from './roundtrip/children.js';
import { localRateLimit, RateLimiter } from '../templates/runtime/limits.js';
import type { RateLimit } from '../templates/runtime/limits.js';
import { createRedisRateLimit } from '../templates/runtime/redis-rate-limit.js';

const log = (line: string): void => void process.stderr.write(`[redis-limiter] ${line}\n`);
const takes = positiveInt('BENCH_LIMITER_TAKES', 20_000, log);
const concurrency = positiveInt('BENCH_LIMITER_CONCURRENCY', 64, log);
const callers = positiveInt('BENCH_LIMITER_CALLERS', 1_000, log);
// Never refuses during the run: the cost measured is the decision, not a refusal.
const PER_MINUTE = 1_000_000;
const BURST = 1_000_000;

async function measure(name: string, limit: RateLimit, redisPid?: number): Promise<string> {
  const latencies: number[] = [];
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const redisBefore = redisPid === undefined ? 0 : (cpuMicros(redisPid) ?? Number.NaN);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < takes) {
        const key = `sub:user-${next++ % callers}`;
        const t0 = performance.now();
        const decision = await limit.take(key);
        latencies.push(performance.now() - t0);
        if (!decision.allowed) throw new Error(`${name}: refused`);
      }
    }),
  );
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const redisCpu = redisPid === undefined ? undefined : ((cpuMicros(redisPid) ?? Number.NaN) - redisBefore) / takes;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  return `| ${name} | ${takes} | ${Math.round((takes / wallMs) * 1000)} | ${pct(50).toFixed(3)} | ${pct(99).toFixed(3)} | ${((cpu.user + cpu.system) / takes).toFixed(1)} | ${redisCpu === undefined ? '—' : redisCpu.toFixed(1)} |`;
}

// redis-server's folder and log, removed at the end whatever happens.
const scratch = mkdtempSync(join(tmpdir(), 'portcullis-bench-redis-limiter-'));
try {
  const port = await freePort();
  const redis = await startChild('redis', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    cwd: scratch,
    env: { PATH: process.env.PATH ?? '' },
    logFile: join(scratch, 'redis.log'),
    port,
  });
  const client = new Redis({ port, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 500 });
  try {
    await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    const local = localRateLimit(new RateLimiter(PER_MINUTE, BURST));
    const shared = createRedisRateLimit(client, { perMinute: PER_MINUTE, burst: BURST, keyPrefix: 'bench', up: () => client.status === 'ready', fallback: new RateLimiter(PER_MINUTE, BURST) });
    // Warm-up: JIT, the script loaded (EVALSHA), connections open.
    await measure('warm-up', shared);
    await measure('warm-up', local);
    const rows = [await measure('in process', local), await measure('Redis (Lua token bucket)', shared, redis.pid)];
    process.stdout.write(
      [
        `| bucket | takes | takes/s | p50 ms | p99 ms | this process CPU µs/take | redis-server CPU µs/take |`,
        `| --- | ---: | ---: | ---: | ---: | ---: | ---: |`,
        ...rows,
        '',
        `Concurrency ${concurrency}, ${callers} callers, Node ${process.version}, load average ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}.`,
        '',
      ].join('\n'),
    );
  } finally {
    client.disconnect();
    await redis.stop();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
