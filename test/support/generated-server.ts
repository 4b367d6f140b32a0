/** Builds a committed generated/<name> project with its own tsconfig and runs it as users do: `node dist/index.js`. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../scripts/examples.js';

const run = promisify(execFile);

/** `npm run build` of the emitted project (tsc from this repository, which the emitted package.json pins). */
export async function buildGenerated(name: string): Promise<void> {
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'generated', name, 'tsconfig.json')], { cwd: ROOT });
}

export interface RunningServer {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<number | null>;
}

/** Starts `generated/<name>/dist/index.js` on an ephemeral port and resolves once it listens. */
export async function startGenerated(name: string, env: Record<string, string>): Promise<RunningServer> {
  return startNodeServer([join(ROOT, 'generated', name, 'dist', 'index.js')], env, join(ROOT, 'generated', name));
}

/** Starts `node <args>` (an emitted server's entry) on an ephemeral loopback port and resolves once it listens. */
export async function startNodeServer(args: readonly string[], env: Record<string, string>, cwd: string): Promise<RunningServer> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    process: child,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}
