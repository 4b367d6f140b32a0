/**
 * Child processes of the round-trip benchmark: started with their output in a log file (no pipe to drain), waited for
 * until their port accepts connections, and always killed when the benchmark ends, however it ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

const running = new Set<ChildProcess>();

function killEverything(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
}

// Whatever happens (an exception, Ctrl-C, a kill), no child outlives the benchmark.
process.on('exit', killEverything);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    killEverything();
    process.exit(130);
  });
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** The tail of its log, to explain a failure. */
  tail(chars?: number): string;
}

export interface StartOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  /** The port it listens on on 127.0.0.1: start() resolves once it accepts connections. */
  readonly port: number;
  readonly timeoutMs?: number;
}

/** Spawns `command args…` and resolves once 127.0.0.1:port accepts connections (rejects if it exits first). */
export async function startChild(name: string, command: string, args: readonly string[], options: StartOptions): Promise<Child> {
  const fd = openSync(options.logFile, 'a');
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  const tail = (chars = 4_000) => {
    try {
      return readFileSync(options.logFile, 'utf8').slice(-chars);
    } catch {
      return '';
    }
  };
  const handle: Child = {
    name,
    pid: child.pid ?? -1,
    logFile: options.logFile,
    tail,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let gone = false;
  void exited.then(() => (gone = true));
  while (!(await accepts(options.port))) {
    if (gone) throw new Error(`${name} exited (code ${child.exitCode ?? child.signalCode}) before listening:\n${tail()}`);
    if (Date.now() > deadline) {
      await handle.stop(0);
      throw new Error(`${name} did not listen on 127.0.0.1:${options.port} in time:\n${tail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return handle;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** User + system CPU time of a process so far, in microseconds (Linux /proc); undefined elsewhere. */
export function cpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at field 3; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1_000_000) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time the whole machine has been busy (all CPUs, everything but idle and iowait), in microseconds (Linux /proc). */
export function machineBusyMicros(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const ticks = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
    return Number.isFinite(ticks) && line.startsWith('cpu ') ? (ticks * 1_000_000) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

/** sysconf(_SC_CLK_TCK): 100 on every mainstream Linux. */
const CLOCK_TICKS = 100;
