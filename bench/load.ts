/**
 * Load test (a benchmark, not a test): many concurrent authenticated clients, each with its own token (its own
 * subject), against one emitted server (generated/petstore, authorization on) and a loopback upstream, for a bounded
 * time. Reports throughput, latency percentiles, errors and lost calls. Target: zero errors, zero lost calls.
 *
 *   node --import tsx bench/load.ts          (npm run bench:load)
 *
 * A call is lost when the client got no answer, or when the server's audit log has no allowed line with the upstream's
 * 200 for it: every answered call must also have been recorded. Settings (environment variables):
 *   BENCH_LOAD_CLIENTS=64   concurrent clients (closed loop: each waits for its answer before the next call)
 *   BENCH_LOAD_SECONDS=20   how long the load runs
 *   BENCH_SKIP_BUILD=1      run generated/petstore/dist as it is
 *   BENCH_LOAD_REPLICAS=1   replicas of the server; the clients spread their calls round-robin over them, as a load
 *                           balancer would (each replica's audit log is counted)
 *   BENCH_LOAD_REDIS=1      start a redis-server on loopback and give every replica REDIS_URL: the rate limit of
 *                           every call is then taken from the shared bucket in Redis (#14)
 *   BENCH_LOAD_KEEP=1       keep .bench/load/run-XXXXXX/ (the children's logs and audit files) to look into afterwards
 * Everything listens on 127.0.0.1; every child process is stopped at the end, even on failure, and the run's folder
 * is removed (a child that fails to start has the end of its log in the error).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { positiveInt } from './env.js';
import { cpuMicros, freePort, startChild, type Child } from './roundtrip/children.js';
import { startIssuer } from './roundtrip/issuer.js';
import { checkToolResult, PROTOCOL_VERSION, rpc, toolCall } from './roundtrip/mcp.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string): void => void process.stderr.write(`[load] ${line}\n`);
const clients = positiveInt('BENCH_LOAD_CLIENTS', 64, log);
const seconds = positiveInt('BENCH_LOAD_SECONDS', 20, log);
const replicaCount = positiveInt('BENCH_LOAD_REPLICAS', 1, log);
const withRedis = process.env.BENCH_LOAD_REDIS === '1';
const keep = process.env.BENCH_LOAD_KEEP === '1';

const work = join(ROOT, '.bench', 'load');
mkdirSync(work, { recursive: true });
const runDir = mkdtempSync(join(work, 'run-'));
const children: Child[] = [];

try {
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    log('building generated/petstore');
    const built = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'generated/petstore/tsconfig.json')], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('tsc failed');
  }
  const issuer = await startIssuer();
  const upstreamPort = await freePort();
  children.push(
    await startChild('upstream', process.execPath, ['--import', 'tsx', join(ROOT, 'bench/roundtrip/upstream.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', UPSTREAM_PORT: String(upstreamPort) },
      logFile: join(runDir, 'upstream.log'),
      port: upstreamPort,
    }),
  );
  let redisUrl: string | undefined;
  if (withRedis) {
    const redisPort = await freePort();
    children.push(
      await startChild('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        cwd: runDir,
        env: { PATH: process.env.PATH ?? '' },
        logFile: join(runDir, 'redis.log'),
        port: redisPort,
      }),
    );
    redisUrl = `redis://127.0.0.1:${redisPort}/0`;
  }
  const ports = await Promise.all(Array.from({ length: replicaCount }, () => freePort()));
  // One public URL (the tokens' audience) for every replica, as behind one Service; loopback Hosts are accepted.
  const url = `http://127.0.0.1:${ports[0]}/mcp`;
  const replicaUrls = ports.map((port) => `http://127.0.0.1:${port}/mcp`);
  const auditFiles = ports.map((_, index) => join(runDir, `audit-${index}.log`));
  for (const [index, port] of ports.entries()) {
    children.push(
      await startChild(`portcullis-${index}`, process.execPath, [join(ROOT, 'generated/petstore/dist/index.js')], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          OAUTH_ISSUER: issuer.issuer,
          MCP_PUBLIC_URL: url,
          ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
          PORT: String(port),
          UPSTREAM_BASE_URL: `http://127.0.0.1:${upstreamPort}/v3`,
          UPSTREAM_API_KEY_API_KEY: 'k',
          UPSTREAM_PETSTORE_AUTH_TOKEN: 't',
          AUDIT_LOG: auditFiles[index]!,
          // Each client is its own subject; the per-subject limit (default 600/min) would turn a load test into a
          // rate-limit test, so it is raised (it still runs).
          RATE_LIMIT_PER_MINUTE: '1000000',
          RATE_LIMIT_BURST: '1000000',
          // 64 clients at once: above the default in-flight cap of 16, which is sized for a 256Mi pod.
          MCP_MAX_CONCURRENT_REQUESTS: '64',
          LOG_LEVEL: 'warn',
        },
        logFile: join(runDir, `portcullis-${index}.log`),
        port,
      }),
    );
  }
  const tokens = await Promise.all(
    Array.from({ length: clients }, (_, i) => issuer.mint({ audience: url, scope: 'read:pets write:pets', subject: `client-${i}` })),
  );

  log(`${clients} clients for ${seconds} s against ${replicaCount} replica(s)${redisUrl ? ' sharing one Redis' : ''}`);
  let nextReplica = 0;
  // CPU time is measured on the processes themselves: unlike calls/s, it does not depend on what else the machine runs.
  const servers = children.filter((child) => child.name.startsWith('portcullis-'));
  const redisChild = children.find((child) => child.name === 'redis');
  const cpuOf = (list: readonly Child[]) => list.reduce((sum, child) => sum + (cpuMicros(child.pid) ?? Number.NaN), 0);
  const serverCpuBefore = cpuOf(servers);
  const redisCpuBefore = redisChild ? cpuOf([redisChild]) : 0;
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let sent = 0;
  let answered = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    tokens.map(async (token, client) => {
      const headers = { authorization: `Bearer ${token}`, 'mcp-protocol-version': PROTOCOL_VERSION };
      for (let seq = 0; performance.now() < deadline; seq++) {
        sent++;
        const t0 = performance.now();
        try {
          const answer = await rpc(replicaUrls[nextReplica++ % replicaUrls.length]!, headers, toolCall(client * 1_000_000 + seq, 'getPetById', { petId: 1 }));
          answered++;
          checkToolResult(answer, /"name":\s*"Rex"/);
          latencies.push(performance.now() - t0);
        } catch (error) {
          const key = String((error as Error).message).slice(0, 120);
          errors.set(key, (errors.get(key) ?? 0) + 1);
        }
      }
    }),
  );
  const wallMs = performance.now() - started;
  const serverCpuPerCall = (cpuOf(servers) - serverCpuBefore) / Math.max(1, answered);
  const redisCpuPerCall = redisChild ? (cpuOf([redisChild]) - redisCpuBefore) / Math.max(1, answered) : undefined;
  // Audit lines are written when each response closes; give the last ones a moment.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const audited = auditFiles
    .flatMap((file) => readFileSync(file, 'utf8').split('\n'))
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { decision?: string; tool?: string; upstreamStatus?: number })
    .filter((line) => line.decision === 'allow' && line.tool === 'getPetById' && line.upstreamStatus === 200).length;

  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
  const lost = sent - answered + Math.max(0, latencies.length - audited);
  const lines = [
    `| replicas | Redis | clients | seconds | calls | calls/s | p50 ms | p99 ms | max ms | errors | lost | server CPU µs/call | Redis CPU µs/call |`,
    `| ---: | :---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
    `| ${replicaCount} | ${redisUrl ? 'yes' : 'no'} | ${clients} | ${(wallMs / 1000).toFixed(1)} | ${latencies.length} | ${Math.round((latencies.length / wallMs) * 1000)} | ${pct(50).toFixed(2)} | ${pct(99).toFixed(2)} | ${(latencies.at(-1) ?? NaN).toFixed(2)} | ${errorCount} | ${lost} | ${Math.round(serverCpuPerCall)} | ${redisCpuPerCall === undefined ? '—' : Math.round(redisCpuPerCall)} |`,
    '',
    `Machine: ${availableParallelism()} CPUs, Node ${process.version}, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} at the end. Audit lines allowed with upstream 200: ${audited} (calls answered correctly: ${latencies.length}).`,
    ...[...errors].map(([message, count]) => `- error ×${count}: ${message}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await issuer.close();
} finally {
  for (const child of children.reverse()) await child.stop().catch(() => undefined);
  if (keep) log(`kept ${runDir}`);
  else rmSync(runDir, { recursive: true, force: true });
}
