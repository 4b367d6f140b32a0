/**
 * Round-trip benchmark (not a test): one MCP tools/call → the emitted server → a loopback upstream and back, with
 * authorization ON, next to the floor (the same upstream called directly) and the peer (openapi-mcp-generator's
 * Streamable HTTP server, which checks no token at all).
 *
 *   node --import tsx bench/roundtrip.ts
 *
 * Everything listens on 127.0.0.1 only; every child process is killed at the end, even on failure. Progress goes to
 * stderr; the Markdown report goes to stdout. Settings (environment variables):
 *   BENCH_CONCURRENCY=1,32   concurrency levels (closed loop: each worker waits for its answer before the next call)
 *   BENCH_CALLS_C1=2000      measured calls at concurrency 1
 *   BENCH_CALLS_CN=4000      measured calls at the other levels
 *   BENCH_WARMUP=200         warm-up calls before each cell, not measured
 *   BENCH_CELL_LIMIT_S=20    a cell stops after this long (and says so), however many calls it made
 *   BENCH_ROUNDS=1           repeat the interleaved floor/portcullis/peer cells this many times
 *   BENCH_SDK_CALLS=2000     calls through the SDK Client at concurrency 1, for reference (0: skip)
 *   BENCH_VERIFY_COUNT=10000 token verifications in the jose micro-benchmark
 *   BENCH_PROFILE=auto       auto: profile portcullis (node --cpu-prof) when it misses a target; 1: always; 0: never
 *   BENCH_PROFILE_PEER=0     1: profile the peer as well (same load)
 *   BENCH_QUIET_WAIT_S=120   before each cell, wait (up to this long in all) until other work uses < 10 % of the CPUs
 *   BENCH_SKIP_PEER=1        leave the peer out (no npm install)
 *   BENCH_SKIP_BUILD=1       run generated/petstore/dist as it is instead of building it first
 *   BENCH_POLICIES=1         also measure portcullis with a realistic Cedar policy set (40 policies, policy-set.ts)
 *   BENCH_PORTCULLIS_DIR=d   measure another build laid out like generated/petstore (d/dist/index.js, d/tools.json),
 *                            e.g. a patched copy under .bench/ to try a fix; implies BENCH_SKIP_BUILD
 */
import { spawnSync } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DEFAULT_ALGORITHMS } from '../templates/runtime/auth-settings.js';
import { createTokenVerifier } from '../templates/runtime/token-verifier.js';
import { freePort, machineBusyMicros, startChild, type Child } from './roundtrip/children.js';
import { startIssuer, type Issuer } from './roundtrip/issuer.js';
import { otherLoadOver, runCell, type Call, type CellResult } from './roundtrip/load.js';
import { checkContent, checkToolResult, modernToolCall, PROTOCOL_VERSION, rpc, toolCall } from './roundtrip/mcp.js';
import { buildWithPolicies, POLICY_COUNT } from './roundtrip/policy-set.js';
import { PEER_HONO_PIN, preparePeer, type PreparedPeer } from './roundtrip/peer.js';
import { PEER_STAGES, PORTCULLIS_STAGES, profileMarkdown, summarizeProfile } from './roundtrip/profile.js';
import { positiveInt } from './env.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string): void => void process.stderr.write(`[roundtrip] ${line}\n`);

const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,32')
  .split(',')
  .map((value) => Number(value.trim()))
  .filter((value) => Number.isInteger(value) && value > 0);
const callsC1 = positiveInt('BENCH_CALLS_C1', 2_000, log);
const callsCn = positiveInt('BENCH_CALLS_CN', 4_000, log);
const warmup = positiveInt('BENCH_WARMUP', 200, log, true);
const cellLimitMs = positiveInt('BENCH_CELL_LIMIT_S', 20, log) * 1000;
const sdkCalls = positiveInt('BENCH_SDK_CALLS', 2_000, log, true);
const verifyCount = positiveInt('BENCH_VERIFY_COUNT', 10_000, log);
const profileMode = (process.env.BENCH_PROFILE ?? 'auto').toLowerCase();
const profilePeer = process.env.BENCH_PROFILE_PEER === '1';
const skipPeer = process.env.BENCH_SKIP_PEER === '1';
const rounds = positiveInt('BENCH_ROUNDS', 1, log);
const withPolicies = (process.env.BENCH_POLICIES ?? '1') === '1';
const portcullisDir = process.env.BENCH_PORTCULLIS_DIR ? resolve(process.env.BENCH_PORTCULLIS_DIR) : undefined;
const quietWaitMs = positiveInt('BENCH_QUIET_WAIT_S', 120, log, true) * 1000;
let quietWaitedMs = 0;

/** Run directories (.bench/roundtrip/run-*) kept, this one included. */
const KEEP_RUNS = 5;

/** Above this share of the machine used by other work during a cell, its figures are flagged as disturbed. */
const DISTURBED = 0.1;

const disturbed = (...cells: (CellResult | undefined)[]) => cells.some((cell) => cell?.otherLoad !== undefined && cell.otherLoad > DISTURBED);

/** The tool called, its arguments, and what its answer must contain (both servers render the upstream JSON as text). */
const TOOL = 'getPetById';
const ARGS = { petId: 1 };
const EXPECT = /"name":\s*"Rex"/;
const SCOPE = 'read:pets write:pets';

interface Row {
  readonly round: number;
  readonly target: string;
  readonly how: string;
  readonly cell: CellResult;
  readonly serverKey?: string;
}

interface Server {
  readonly child: Child;
  readonly url: string;
  readonly call: Call;
}

const work = join(ROOT, '.bench', 'roundtrip');
mkdirSync(work, { recursive: true });
// Each run keeps its logs, audit lines and profiles in its own directory (several MB): only the last few are kept.
for (const old of readdirSync(work)
  .filter((entry) => entry.startsWith('run-'))
  .map((entry) => ({ path: join(work, entry), time: statSync(join(work, entry)).mtimeMs }))
  .sort((a, b) => b.time - a.time)
  .slice(KEEP_RUNS - 1)) {
  rmSync(old.path, { recursive: true, force: true });
}
const runDir = mkdtempSync(join(work, 'run-'));
const children: Child[] = [];
const rows: Row[] = [];
const notes: string[] = [];
const loadBefore = loadavg()[0]!;
const started = performance.now();
let issuer: Issuer | undefined;

try {
  buildPortcullis();
  const peerPort = await freePort();
  let prepared: PreparedPeer | undefined;
  try {
    prepared = skipPeer ? undefined : preparePeer(ROOT, peerPort, log);
  } catch (error) {
    // No peer (e.g. the npm registry is unreachable) still leaves the floor and portcullis worth measuring.
    log(`peer unavailable: ${(error as Error).message}`);
    notes.push(`peer unavailable, left out: ${(error as Error).message.split('\n')[0]}`);
  }
  issuer = await startIssuer();
  log(`issuer ${issuer.issuer}`);

  const upstreamPort = await freePort();
  const upstream = await startChild('upstream', process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./roundtrip/upstream.ts', import.meta.url))], {
    cwd: ROOT,
    env: { ...cleanEnv(), UPSTREAM_PORT: String(upstreamPort) },
    logFile: join(runDir, 'upstream.log'),
    port: upstreamPort,
  });
  children.push(upstream);
  const upstreamBase = `http://127.0.0.1:${upstreamPort}/v3`;

  // 1. The floor: the same upstream, the same client (global fetch = undici, keep-alive), no MCP server in between.
  const floorCall: Call = async () => {
    const response = await fetch(`${upstreamBase}/pet/1`, { headers: { accept: 'application/json', api_key: 'k' } });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as { id?: unknown; name?: unknown };
    if (body.id !== 1 || body.name !== 'Rex') throw new Error(`unexpected body ${text.slice(0, 200)}`);
  };

  // 2. portcullis, authorization on.
  const portcullis = await startPortcullis(issuer, upstreamBase, 'portcullis');
  children.push(portcullis.child);
  await sanityPortcullis(portcullis.url, portcullis.token);

  // 2b. The same build with a realistic Cedar policy set, so the per-call cost of object-level policies shows.
  let policied: (Server & { token: string; modernCall: Call }) | undefined;
  if (withPolicies) {
    const dir = buildWithPolicies(portcullisDir ?? join(ROOT, 'generated/petstore'), join(runDir, 'petstore-policies'));
    policied = await startPortcullis(issuer, upstreamBase, 'portcullis-policies', [], dir);
    children.push(policied.child);
    await sanityPortcullis(policied.url, policied.token);
  }

  // 3. The peer: openapi-mcp-generator, Streamable HTTP, stateful, no authorization. Built before anything is measured.
  let peer: { child: Child; url: string; call: Call; sessionId: string } | undefined;
  if (prepared) {
    const peerChild = await startChild('peer', process.execPath, [prepared.entry, '--transport=streamable-http'], {
      cwd: prepared.dir,
      env: { ...cleanEnv(), API_BASE_URL: upstreamBase, API_KEY_API_KEY: 'k' },
      logFile: join(runDir, 'peer.log'),
      port: peerPort,
    });
    children.push(peerChild);
    const peerUrl = `http://127.0.0.1:${peerPort}/mcp`;
    const session = await openPeerSession(peerUrl);
    peer = {
      child: peerChild,
      url: peerUrl,
      sessionId: session.id,
      call: async (seq) => checkToolResult(await rpc(peerUrl, session.headers, toolCall(seq, session.tool, ARGS)), EXPECT),
    };
  }

  // Interleaved (floor, portcullis, peer at each concurrency in turn), so that other work on the machine, if any,
  // falls on the compared cells alike rather than on one target.
  for (let round = 1; round <= rounds; round++) {
    for (const concurrency of concurrencies) {
      rows.push({ round, target: 'floor', how: 'fetch GET', cell: await measure('floor', floorCall, concurrency, { upstream: upstream.pid }) });
      rows.push({ round, target: 'portcullis', how: 'raw POST', serverKey: 'server', cell: await measure('portcullis', portcullis.call, concurrency, { server: portcullis.child.pid, upstream: upstream.pid }) });
      rows.push({ round, target: 'portcullis', how: 'raw POST 2026-07-28', serverKey: 'server', cell: await measure('portcullis', portcullis.modernCall, concurrency, { server: portcullis.child.pid, upstream: upstream.pid }) });
      if (policied) rows.push({ round, target: 'portcullis', how: `raw POST, ${POLICY_COUNT} Cedar policies`, serverKey: 'server', cell: await measure('portcullis-policies', policied.call, concurrency, { server: policied.child.pid, upstream: upstream.pid }) });
      if (peer) rows.push({ round, target: 'peer', how: 'raw POST', serverKey: 'server', cell: await measure('peer', peer.call, concurrency, { server: peer.child.pid, upstream: upstream.pid }) });
    }
  }
  if (sdkCalls > 0) {
    // The SDK's client transport adds an abort listener per request to one AbortSignal and, with SSE answers (the
    // peer), does not remove it: Node would print a MaxListenersExceededWarning per call past 1500.
    setMaxListeners(0);
    rows.push({ round: 1, target: 'portcullis', how: 'SDK Client', serverKey: 'server', cell: await sdkCell('portcullis', portcullis.url, { Authorization: `Bearer ${portcullis.token}` }, undefined, { server: portcullis.child.pid, upstream: upstream.pid }) });
    // The peer's one Server can be connected to one transport only, so a second initialize fails: the SDK Client
    // joins the existing session (StreamableHTTPClientTransport's sessionId option, which skips initialize).
    if (peer) rows.push({ round: 1, target: 'peer', how: 'SDK Client', serverKey: 'server', cell: await sdkCell('peer', peer.url, {}, peer.sessionId, { server: peer.child.pid, upstream: upstream.pid }) });
  }
  const discovery = [...issuer.hits.entries()].map(([path, count]) => `${path} ×${count}`).join(', ');
  notes.push(`portcullis fetched from the issuer during the whole run: ${discovery} (discovery and JWKS once, not per call).`);
  await portcullis.child.stop();
  await policied?.child.stop();
  await peer?.child.stop();

  // 4. Token verification alone.
  await waitForQuiet([]);
  const verification = await verifyBench(issuer);

  // Report.
  const report = reportLines(prepared, verification);
  const missed = targetsMissed();
  const wantProfile = profileMode === '1' || (profileMode === 'auto' && missed.length > 0);
  if (wantProfile) {
    log(`profiling portcullis${missed.length ? ` (missed: ${missed.join('; ')})` : ''}`);
    report.push(...(await profileServer('portcullis', upstreamBase, upstream)));
    if (profilePeer && prepared) report.push(...(await profileServer('peer', upstreamBase, upstream)));
  }
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; logs in ${runDir}`);
  process.stdout.write(`${report.join('\n')}\n`);
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  for (const child of children.reverse()) await child.stop(2_000);
  await issuer?.close();
}

// ————————————————————————————————————————————————————————————————————————————————————————————————

function buildPortcullis(): void {
  if (portcullisDir) return log(`BENCH_PORTCULLIS_DIR: measuring ${portcullisDir}/dist as it is`);
  if (process.env.BENCH_SKIP_BUILD === '1') return log('BENCH_SKIP_BUILD=1: running generated/petstore/dist as it is');
  log('building generated/petstore (tsc)');
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'generated/petstore/tsconfig.json')], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) throw new Error(`building generated/petstore failed (exit ${result.status ?? result.signal})`);
}

/** The environment children inherit: ours minus anything that would configure them behind our back. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(NODE_OPTIONS|OAUTH_|AUTH_MODE|MCP_|UPSTREAM_|AUDIT_LOG|RATE_LIMIT_|HOST$|PORT$|LOG_|API_)/.test(key)) delete env[key];
  }
  return env;
}

async function startPortcullis(iss: Issuer, upstreamBase: string, name: string, nodeArgs: readonly string[] = [], dir = portcullisDir ?? join(ROOT, 'generated/petstore')): Promise<Server & { token: string; modernCall: Call }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  const child = await startChild(name, process.execPath, [...nodeArgs, join(dir, 'dist/index.js')], {
    cwd: ROOT,
    env: {
      ...cleanEnv(),
      OAUTH_ISSUER: iss.issuer,
      MCP_PUBLIC_URL: url,
      PORT: String(port),
      UPSTREAM_BASE_URL: upstreamBase,
      UPSTREAM_API_KEY_API_KEY: 'k',
      UPSTREAM_PETSTORE_AUTH_TOKEN: 't',
      AUDIT_LOG: join(runDir, `${name}-audit.log`),
      // One caller sending hundreds of calls a second is what a benchmark does and what the per-caller rate limit is
      // there to stop (default 600/min, burst 100: answered 429): set as high as it goes, so the limiter still runs.
      RATE_LIMIT_PER_MINUTE: '1000000',
      RATE_LIMIT_BURST: '1000000',
      // c=32 is above the default in-flight cap (16, sized for a 256Mi pod; beyond it 503): raised, so it still runs.
      MCP_MAX_CONCURRENT_REQUESTS: '64',
    },
    logFile: join(runDir, `${name}.log`),
    port,
  });
  const token = await iss.mint({ audience: url, scope: SCOPE, subject: 'bench-user' });
  const headers = { authorization: `Bearer ${token}`, 'mcp-protocol-version': PROTOCOL_VERSION };
  const call: Call = async (seq) => checkToolResult(await rpc(url, headers, toolCall(seq, TOOL, ARGS)), EXPECT);
  const modernCall: Call = async (seq) => {
    const request = modernToolCall(seq, TOOL, ARGS);
    return checkToolResult(await rpc(url, { authorization: `Bearer ${token}`, ...request.headers }, request.body), EXPECT);
  };
  return { child, url, call, modernCall, token };
}

/** Authorization is really on, the tool is listed, and a bare tools/call (no initialize: stateless) is answered. */
async function sanityPortcullis(url: string, token: string): Promise<void> {
  const anonymous = await rpc(url, { 'mcp-protocol-version': PROTOCOL_VERSION }, toolCall(0, TOOL, ARGS));
  if (anonymous.status !== 401 || !anonymous.headers.get('www-authenticate')) throw new Error(`portcullis answered a call without a token with HTTP ${anonymous.status}`);
  const headers = { authorization: `Bearer ${token}`, 'mcp-protocol-version': PROTOCOL_VERSION };
  const listed = await rpc(url, headers, { jsonrpc: '2.0', id: 'list', method: 'tools/list' });
  const tools = ((listed.message?.result as { tools?: { name: string }[] } | undefined)?.tools ?? []).map((tool) => tool.name);
  if (!tools.includes(TOOL)) throw new Error(`portcullis does not list ${TOOL}: HTTP ${listed.status} ${listed.raw.slice(0, 200)}`);
  const bare = await rpc(url, headers, toolCall(1, TOOL, ARGS));
  checkToolResult(bare, EXPECT);
  notes.push(
    `portcullis: a call without a token is answered 401 with WWW-Authenticate (authorization is on); with the token, a bare tools/call POST (no initialize, no session: the server is stateless) is answered ${bare.status} ${bare.headers.get('content-type')}, Mcp-Session-Id ${bare.headers.get('mcp-session-id') ?? 'absent'}; tools/list shows ${tools.length} tools.`,
  );
}

/** initialize → Mcp-Session-Id → notifications/initialized → tools/list, as the peer's stateful transport requires. */
async function openPeerSession(url: string): Promise<{ id: string; tool: string; headers: Record<string, string> }> {
  const init = await rpc(url, {}, { jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'roundtrip-bench', version: '1.0.0' } } });
  const id = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !id) throw new Error(`peer initialize: HTTP ${init.status}, session ${id}: ${init.raw.slice(0, 300)}`);
  const version = String((init.message?.result as { protocolVersion?: unknown } | undefined)?.protocolVersion ?? PROTOCOL_VERSION);
  const headers = { 'mcp-session-id': id, 'mcp-protocol-version': version };
  const initialized = await rpc(url, headers, { jsonrpc: '2.0', method: 'notifications/initialized' });
  const bare = await rpc(url, { 'mcp-protocol-version': PROTOCOL_VERSION }, toolCall(0, TOOL, ARGS));
  const again = await rpc(url, {}, { jsonrpc: '2.0', id: 'init2', method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'second', version: '1.0.0' } } });
  const listed = await rpc(url, headers, { jsonrpc: '2.0', id: 'list', method: 'tools/list' });
  const names = ((listed.message?.result as { tools?: { name: string }[] } | undefined)?.tools ?? []).map((tool) => tool.name);
  const tool = names.find((name) => name === TOOL) ?? names.find((name) => /getpetbyid/i.test(name.replace(/[-_]/g, '')));
  if (!tool) throw new Error(`the peer lists no getPetById tool: ${names.join(', ')}`);
  const first = await rpc(url, headers, toolCall(1, tool, ARGS));
  checkToolResult(first, EXPECT);
  notes.push(
    `peer: stateful. initialize → HTTP ${init.status} ${init.headers.get('content-type')} with Mcp-Session-Id (protocol ${version}); notifications/initialized → ${initialized.status}; a tools/call without the session header → ${bare.status}; a second initialize → ${again.status}${again.status !== 200 ? ` (${again.raw.replace(/\s+/g, ' ').slice(0, 120)})` : ''}. All calls therefore share one session (one Server, one transport), with Mcp-Session-Id and MCP-Protocol-Version headers; answers are SSE (text/event-stream, it does not enable JSON responses), parsed for the data: event with the call's id. Tool name: ${tool} (${names.length} tools). Its tool errors come back as text content without isError, so every answer's text is also checked for the pet.`,
  );
  return { id, tool, headers };
}

async function measure(name: string, call: Call, concurrency: number, pids: Record<string, number>): Promise<CellResult> {
  const calls = concurrency === 1 ? callsC1 : callsCn;
  await waitForQuiet(children.map((child) => child.pid));
  const cell = await runCell(call, { concurrency, calls, warmup, timeLimitMs: cellLimitMs, pids });
  log(`${name} c=${concurrency}: ${cell.ok} ok, ${cell.errors} errors, p50 ${cell.p50.toFixed(3)} ms, p99 ${cell.p99.toFixed(3)} ms, ${cell.throughput.toFixed(0)}/s${cell.errorSamples.length ? `; e.g. ${cell.errorSamples[0]}` : ''}`);
  return cell;
}

/**
 * On a shared machine, waits until other work uses less than DISTURBED of the CPUs (sampled over 1 s), for at most
 * BENCH_QUIET_WAIT_S over the whole run; the cells still report how much other work ran during them.
 */
async function waitForQuiet(pids: readonly number[]): Promise<void> {
  while (quietWaitedMs < quietWaitMs) {
    const t0 = performance.now();
    const other = await otherLoadOver(1_000, pids);
    quietWaitedMs += performance.now() - t0;
    if (other === undefined || other < DISTURBED) return;
    log(`other work uses ${(other * 100).toFixed(0)} % of the CPUs; waiting (${(quietWaitedMs / 1000).toFixed(0)} s of ${quietWaitMs / 1000} s waited)`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    quietWaitedMs += 1_000;
  }
}

/** tools/call through the SDK's Client and StreamableHTTPClientTransport, at concurrency 1. */
async function sdkCell(name: string, url: string, headers: Record<string, string>, sessionId: string | undefined, pids: Record<string, number>): Promise<CellResult> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, ...(sessionId ? { sessionId } : {}) });
  const client = new Client({ name: 'roundtrip-bench', version: '1.0.0' });
  await client.connect(transport);
  const tools = await client.listTools();
  const tool = tools.tools.find((candidate) => candidate.name === TOOL)?.name ?? TOOL;
  const call: Call = async () => {
    const result = (await client.callTool({ name: tool, arguments: ARGS })) as { isError?: boolean; content?: unknown };
    if (result.isError) throw new Error(`isError: ${JSON.stringify(result).slice(0, 200)}`);
    checkContent(result, EXPECT);
  };
  try {
    await waitForQuiet(children.map((child) => child.pid));
  const cell = await runCell(call, { concurrency: 1, calls: sdkCalls, warmup, timeLimitMs: cellLimitMs, pids });
    log(`${name} SDK Client c=1: ${cell.ok} ok, ${cell.errors} errors, p50 ${cell.p50.toFixed(3)} ms`);
    return cell;
  } finally {
    // Not terminateSession(): the peer's session must survive (nothing follows it, but the raw cells reuse it first).
    await client.close();
  }
}

interface Verification {
  readonly rows: readonly { what: string; micros: number; cpuMicros: number; errors: number; otherLoad: number | undefined }[];
}

/** µs per verification of one token: jose alone with a warm remote JWKS, and the runtime's verifier (jose + checks). */
async function verifyBench(iss: Issuer): Promise<Verification> {
  const audience = 'http://127.0.0.1:1/mcp';
  const token = await iss.mint({ audience, scope: SCOPE, subject: 'bench-user' });
  const jwks = createRemoteJWKSet(new URL(iss.jwksUri));
  const verifier = createTokenVerifier({ issuer: iss.issuer, audience, algorithms: DEFAULT_ALGORITHMS, clockToleranceSeconds: 30, rolesClaim: 'roles', resource: audience });
  const cases: [string, () => Promise<unknown>][] = [
    ['jose jwtVerify + warm createRemoteJWKSet (RS256, 2048-bit)', () => jwtVerify(token, jwks, { issuer: iss.issuer, audience, algorithms: ['RS256'] })],
    ['runtime createTokenVerifier().verify (templates/runtime/token-verifier.ts)', () => verifier.verify(token)],
  ];
  const rowsOut: Verification['rows'][number][] = [];
  for (const [what, verify] of cases) {
    let errors = 0;
    for (let i = 0; i < 500; i++) await verify().catch(() => errors++);
    errors = 0;
    const machineBefore = machineBusyMicros();
    const selfBefore = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < verifyCount; i++) await verify().catch(() => errors++);
    const wallMs = performance.now() - t0;
    const self = process.cpuUsage(selfBefore);
    const machineAfter = machineBusyMicros();
    const micros = (wallMs * 1000) / verifyCount;
    const otherLoad = machineBefore !== undefined && machineAfter !== undefined ? Math.max(0, machineAfter - machineBefore - self.user - self.system) / (wallMs * 1000 * availableParallelism()) : undefined;
    rowsOut.push({ what, micros, cpuMicros: (self.user + self.system) / verifyCount, errors, otherLoad });
    log(`verify: ${what}: ${micros.toFixed(1)} µs (${errors} errors)`);
  }
  return { rows: rowsOut };
}

function find(target: string, how: string, concurrency: number, round = 1): CellResult | undefined {
  return rows.find((row) => row.round === round && row.target === target && row.how === how && row.cell.concurrency === concurrency)?.cell;
}

/** Which targets portcullis missed, in any round (empty: none). */
function targetsMissed(): string[] {
  const missed: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    const floor1 = find('floor', 'fetch GET', 1, round);
    const ours1 = find('portcullis', 'raw POST', 1, round);
    if (floor1 && ours1 && !(ours1.p50 - floor1.p50 < 1)) missed.push(`p50 overhead at c=1 is ${(ours1.p50 - floor1.p50).toFixed(3)} ms`);
    for (const concurrency of concurrencies) {
      const ours = find('portcullis', 'raw POST', concurrency, round);
      const theirs = find('peer', 'raw POST', concurrency, round);
      if (ours && (ours.errors > 0 || ours.ok === 0)) missed.push(`${ours.errors} errors at c=${concurrency}`);
      if (ours && theirs && !beats(ours, theirs)) missed.push(`does not beat the peer at c=${concurrency}`);
    }
  }
  return missed;
}

/** Lower p50 and higher throughput. */
function beats(ours: CellResult, theirs: CellResult): boolean {
  return ours.p50 < theirs.p50 && ours.throughput > theirs.throughput;
}

function reportLines(peer: PreparedPeer | undefined, verification: Verification): string[] {
  const fmt = (value: number | undefined, digits = 3) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));
  const cpu = (cell: CellResult, key: string | undefined) => (key ? fmt(cell.cpuPerCall[key], 0) : '–');
  const lines: string[] = [];
  const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
  lines.push('## MCP tools/call round trip (authorization on)', '');
  lines.push(
    `Machine: ${availableParallelism()} CPUs (nproc), ${cpuModel}, ${platform()} ${release()}, Node ${process.version}; load average before ${loadBefore.toFixed(2)}, after ${loadavg()[0]!.toFixed(2)}. Total ${((performance.now() - started) / 1000).toFixed(0)} s, of which ${(quietWaitedMs / 1000).toFixed(0)} s waiting for other work on the machine to stop.`,
    '',
    `Tool \`${TOOL}\` ${JSON.stringify(ARGS)} → GET /v3/pet/1 on a loopback node:http upstream (own process) answering {"id":1,"name":"Rex"}. Closed loop: ${warmup} warm-up calls per cell, then ${callsC1} calls at c=1 and ${callsCn} at higher concurrency (at most ${cellLimitMs / 1000} s per cell); the cells run interleaved (floor, portcullis, peer at one concurrency, then the next${rounds > 1 ? `; ${rounds} rounds` : ''}), all servers up throughout, the SDK Client cells last. Client: global fetch (undici, keep-alive), one POST per call. Latencies in ms over successful calls; an error is anything but HTTP 200 with a non-error result containing the pet. CPU columns: CPU time per call of the server process, the upstream process and the load generator (/proc, 10 ms ticks). Other load: share of the machine's CPU capacity used by anything else during the cell (other work on the machine; above a few % the latencies are disturbed).`,
    '',
    `|${rounds > 1 ? ' round |' : ''} target | client | conc. | ok | errors | p50 ms | p99 ms | mean ms | calls/s | server CPU µs/call | upstream CPU µs/call | client CPU µs/call | other load |`,
    `|${rounds > 1 ? '---:|' : ''}---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
  );
  for (const row of rows) {
    const c = row.cell;
    const errors = c.errors + (c.warmupErrors ? ` (+${c.warmupErrors} warm-up)` : '') + (c.truncated ? ' (time limit)' : '');
    lines.push(
      `|${rounds > 1 ? ` ${row.round} |` : ''} ${row.target} | ${row.how} | ${c.concurrency} | ${c.ok} | ${errors} | ${fmt(c.p50)} | ${fmt(c.p99)} | ${fmt(c.mean)} | ${fmt(c.throughput, 0)} | ${cpu(c, row.serverKey)} | ${cpu(c, 'upstream')} | ${cpu(c, 'client')} | ${c.otherLoad === undefined ? '–' : `${(c.otherLoad * 100).toFixed(0)} %${c.otherLoad > DISTURBED ? ' ⚠' : ''}`} |`,
    );
  }
  lines.push('');
  const errorRows = rows.filter((row) => row.cell.errorSamples.length > 0);
  for (const row of errorRows) lines.push(`- errors of ${row.target} ${row.how} c=${row.cell.concurrency}: ${row.cell.errorSamples.map((s) => `\`${s.replace(/`/g, "'")}\``).join('; ')}`);
  if (errorRows.length) lines.push('');

  lines.push('### Targets', '');
  for (let round = 1; round <= rounds; round++) {
    const tag = rounds > 1 ? `round ${round}, ` : '';
    const floor1 = find('floor', 'fetch GET', 1, round);
    const ours1 = find('portcullis', 'raw POST', 1, round);
    if (floor1 && ours1) {
      const overhead = ours1.p50 - floor1.p50;
      lines.push(
        `- ${tag}portcullis p50 overhead over the floor at c=1: **${overhead.toFixed(3)} ms** (target < 1 ms): ${overhead < 1 ? 'met' : 'MISSED'}; mean overhead ${(ours1.mean - floor1.mean).toFixed(3)} ms${disturbed(floor1, ours1) ? ' (⚠ other work on the machine during these cells)' : ''}.`,
      );
    }
    for (const concurrency of concurrencies) {
      const plain = find('portcullis', 'raw POST', concurrency, round);
      const policied = find('portcullis', `raw POST, ${POLICY_COUNT} Cedar policies`, concurrency, round);
      if (!plain || !policied) continue;
      lines.push(
        `- ${tag}c=${concurrency}: ${POLICY_COUNT} Cedar policies cost ${(policied.p50 - plain.p50).toFixed(3)} ms p50 and ${fmt((policied.cpuPerCall.server ?? Number.NaN) - (plain.cpuPerCall.server ?? Number.NaN), 0)} µs server CPU per call (${policied.throughput.toFixed(0)} vs ${plain.throughput.toFixed(0)} calls/s)${disturbed(plain, policied) ? ' (⚠ other work on the machine during these cells)' : ''}.`,
      );
    }
    for (const concurrency of concurrencies) {
      const ours = find('portcullis', 'raw POST', concurrency, round);
      const theirs = find('peer', 'raw POST', concurrency, round);
      if (!ours || !theirs) continue;
      lines.push(
        `- ${tag}c=${concurrency}: portcullis p50 ${ours.p50.toFixed(3)} ms vs peer ${theirs.p50.toFixed(3)} ms (peer/portcullis ×${(theirs.p50 / ours.p50).toFixed(2)}), ${ours.throughput.toFixed(0)} vs ${theirs.throughput.toFixed(0)} calls/s (×${(ours.throughput / theirs.throughput).toFixed(2)}), server CPU ${fmt(ours.cpuPerCall.server, 0)} vs ${fmt(theirs.cpuPerCall.server, 0)} µs/call: ${beats(ours, theirs) ? 'beats the peer' : '**does not beat the peer**'} (lower p50 and higher throughput), with authorization on against none${disturbed(ours, theirs) ? ' (⚠ other work on the machine during these cells)' : ''}.`,
      );
    }
  }
  lines.push('');

  lines.push('### Token verification alone', '', `${verifyCount} sequential verifications of one RS256 access token (warm key cache), in the benchmark process.`, '', '| verifier | µs / verification (wall) | CPU µs / verification | errors | other load |', '|---|---:|---:|---:|---:|');
  for (const row of verification.rows) {
    const other = row.otherLoad === undefined ? '–' : `${(row.otherLoad * 100).toFixed(0)} %${row.otherLoad > DISTURBED ? ' ⚠' : ''}`;
    lines.push(`| ${row.what} | ${row.micros.toFixed(1)} | ${row.cpuMicros.toFixed(1)} | ${row.errors} | ${other} |`);
  }
  lines.push('');

  lines.push('### Notes', '');
  for (const note of notes) lines.push(`- ${note}`);
  if (peer) {
    lines.push(
      `- peer: openapi-mcp-generator@${peer.generatorVersion} \`--transport=streamable-http --port=<port>\` on specs/petstore.yaml into .bench/roundtrip/peer (the port is baked into the source, so it is regenerated with --force each run), \`npm install\`${peer.installed ? ' (this run)' : ' (cached: package.json unchanged)'}, \`npm run build\`, run as \`node build/index.js --transport=streamable-http\` with API_BASE_URL=<upstream>/v3 and API_KEY_API_KEY=k; ${Object.entries(peer.versions).map(([name, version]) => `${name}@${version}`).join(', ')}. One change to what it generates: @hono/node-server pinned to ${PEER_HONO_PIN} (dependency + npm override), without which it crashes after its first answer (\`ERR_INVALID_STATE: ReadableStream is locked\`: its handler reads the body with c.req.json() and hands the same Request to fetch-to-node, whose stream @hono/node-server ≥ 1.19.12 then drains; see bench/roundtrip/peer.ts). It logs several stderr lines per call (into a file here), as it does by default.`,
    );
  }
  lines.push(`- portcullis: ${portcullisDir ? `${portcullisDir}/dist (BENCH_PORTCULLIS_DIR, not generated/petstore)` : 'generated/petstore/dist'}, AUTH_MODE oauth (default), OAUTH_ISSUER=<local issuer>, audit lines to a file, stderr to a file, RATE_LIMIT_PER_MINUTE and RATE_LIMIT_BURST 1000000 (the per-caller limit, where the build has one, stays on but never bites); token RS256 typ at+jwt with scope "${SCOPE}".`);
  lines.push('');
  return lines;
}

/** Runs `name` under `node --cpu-prof` through the same cells, then summarizes where its main thread spent time. */
async function profileServer(name: 'portcullis' | 'peer', upstreamBase: string, upstream: Child): Promise<string[]> {
  const dir = join(runDir, `profile-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  let server: Server;
  if (name === 'portcullis') {
    server = await startPortcullis(issuer!, upstreamBase, 'portcullis-profiled', nodeArgs);
  } else {
    const port = await freePort();
    const prepared = preparePeer(ROOT, port, log);
    const child = await startChild('peer-profiled', process.execPath, [...nodeArgs, prepared.entry, '--transport=streamable-http'], {
      cwd: prepared.dir,
      env: { ...cleanEnv(), API_BASE_URL: upstreamBase, API_KEY_API_KEY: 'k' },
      logFile: join(runDir, 'peer-profiled.log'),
      port,
    });
    const url = `http://127.0.0.1:${port}/mcp`;
    const session = await openPeerSession(url);
    server = { child, url, call: async (seq) => checkToolResult(await rpc(url, session.headers, toolCall(seq, session.tool, ARGS)), EXPECT) };
  }
  children.push(server.child);
  let calls = 0;
  for (const concurrency of concurrencies) {
    await waitForQuiet(children.map((child) => child.pid));
    const cell = await runCell(server.call, { concurrency, calls: concurrency === 1 ? callsC1 : callsCn, warmup, timeLimitMs: cellLimitMs, pids: { server: server.child.pid, upstream: upstream.pid } });
    calls += cell.ok + cell.errors + warmup;
  }
  await server.child.stop(10_000);
  const file = readdirSync(dir).find((entry) => entry.endsWith('.cpuprofile'));
  if (!file) return [`(no CPU profile was written for ${name}; see ${server.child.logFile})`];
  const summary = summarizeProfile(join(dir, file), ROOT, name === 'portcullis' ? PORTCULLIS_STAGES : PEER_STAGES);
  return ['### CPU profile', '', `\`node --cpu-prof\` on the ${name} process, same cells (warm-up included), ${join(dir, file).slice(ROOT.length)}.`, '', ...profileMarkdown(name, summary, calls)];
}

