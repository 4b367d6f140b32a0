/**
 * The README's quick start, run as a newcomer runs it: every shell block of its "Quick start" section marked
 * `<!-- quick-start test: run -->` or `<!-- quick-start test: serve -->` is read from README.md (so a changed README
 * is what gets tested) and run with bash, as written, each from the top of a fresh copy of this repository (like a
 * new terminal opened in a clone), in README order. A `serve` block's last command keeps running (the server): the
 * test waits until it listens and stops its whole process group at the end. The last block's output is checked.
 *
 * The commands get the environment of a new terminal (PATH without any node_modules/.bin, HOME, no npm lifecycle
 * variables) plus two variables, the only substitutions: UPSTREAM_BASE_URL, pointing the server at a loopback
 * stand-in of the petstore API instead of the internet (it answers getPetById, and only with the
 * `api_key: special-key` header the README passes), and PORT, a free port instead of the README's 3000, which another
 * program on the machine may hold. The server and `npm run call` both read PORT, so the commands are unchanged.
 *
 * This installs portcullis in the copy (`npm install`, which builds it) and the emitted project's dependencies from
 * the npm registry (CI reaches it), into an npm cache of the copy's own (npm_config_cache): the user's cache is
 * not shared because test/e2e/container-commands.test.ts runs the Dockerfile's `npm cache clean --force` on it,
 * which breaks an install running at the same time (npm: ENOENT renaming into _cacache). About a minute, cold.
 */

import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { freePort } from '../support/free-port.js';
import { scratchDir } from '../support/scratch.js';
import { startRecordingUpstream } from '../support/upstream.js';
import type { RecordingUpstream } from '../support/upstream.js';

/** One block of the quick start to run. */
export interface QuickStartBlock {
  readonly mode: 'run' | 'serve';
  readonly script: string;
}

const MARKER = /^<!--\s*quick-start test:\s*(run|serve)\b.*-->\s*$/;

/** The marked shell blocks of README's "## Quick start" section, in order; throws when a marker has no block. */
export function quickStartBlocks(readme: string): QuickStartBlock[] {
  const lines = readme.split('\n');
  const start = lines.indexOf('## Quick start');
  if (start < 0) throw new Error('README.md has no "## Quick start" section');
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  const section = lines.slice(start + 1, end < 0 ? undefined : end);
  const blocks: QuickStartBlock[] = [];
  for (let index = 0; index < section.length; index++) {
    const mode = MARKER.exec(section[index]!)?.[1] as QuickStartBlock['mode'] | undefined;
    if (!mode) continue;
    let open = index + 1;
    while (section[open]?.trim() === '') open++;
    if (!/^```(sh|bash|shell)\s*$/.test(section[open] ?? '')) throw new Error(`README.md quick start: the marker "${section[index]}" is not followed by a \`\`\`sh block`);
    const close = section.findIndex((line, at) => at > open && line.startsWith('```'));
    if (close < 0) throw new Error('README.md quick start: a shell block is not closed');
    blocks.push({ mode, script: section.slice(open + 1, close).join('\n') });
    index = close;
  }
  return blocks;
}

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The pet the stand-in answers for /pet/1. */
const PET = { id: 1, category: { id: 1, name: 'Dogs' }, name: 'doggie', photoUrls: ['https://example.com/doggie.jpg'], tags: [], status: 'available' };

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Started {
  readonly pid: number;
  output(): string;
  readonly exited: Promise<number | null>;
}

/** `bash -e -o pipefail -c script` in `cwd`, in its own process group (so it and everything it starts can be stopped). */
function startBlock(script: string, cwd: string, env: NodeJS.ProcessEnv): Started & { stdout(): string; stderr(): string } {
  const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => void (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { pid: child.pid!, exited, output: () => stdout + stderr, stdout: () => stdout, stderr: () => stderr };
}

/** Runs a block to its end; a block still running after `timeoutMs` is stopped and reported. */
async function runBlock(script: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Finished> {
  const block = startBlock(script, cwd, env);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const outcome = await Promise.race([block.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    await stopGroup(block);
    throw new Error(`README quick start: this block did not finish within ${timeoutMs / 1000} s:\n${script}\n--- output ---\n${tail(block.output())}`);
  }
  return { code: outcome, stdout: block.stdout(), stderr: block.stderr() };
}

/** SIGTERM to the block's process group, SIGKILL if it is still there after 10 s. */
async function stopGroup(block: Started): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-block.pid, name);
    } catch {
      // The group is gone already.
    }
  };
  signal('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([block.exited.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 10_000)))]);
  clearTimeout(timer);
  if (late) signal('SIGKILL');
  // The server (grandchild of bash, through npm) may outlive bash: make sure nothing of the group is left.
  signal('SIGKILL');
}

function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** This checkout's files as a fresh clone has them (tracked, plus new files not ignored), copied to `dir`. */
function copyCheckout(dir: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  for (const file of new Set(listed.split('\0').filter(Boolean))) {
    // A tracked file deleted in the work tree is not part of the checkout being tested.
    if (existsSync(join(ROOT, file))) cpSync(join(ROOT, file), join(dir, file), { recursive: false });
  }
}

/** The environment of a new terminal: no npm lifecycle variables, no node_modules/.bin of this checkout on PATH. */
function terminalEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const path = (process.env.PATH ?? '').split(delimiter).filter((entry) => entry && !entry.includes('node_modules')).join(delimiter);
  const kept = ['HOME', 'USER', 'LANG', 'TMPDIR', 'npm_config_registry', 'npm_config_userconfig'];
  return {
    ...Object.fromEntries(kept.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]])),
    PATH: path,
    ...extra,
  };
}

describe('#9 README quick start', () => {
  let work: string | undefined;
  let upstream: RecordingUpstream;
  let server: Started | undefined;
  const blocks = quickStartBlocks(README);
  const existedBefore = existsSync(join(ROOT, 'petstore-mcp'));

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    upstream.answer = (res, request) => {
      const json = (status: number, body: unknown) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      // The petstore API: api_key in a header, and the demo key the README passes.
      if (request.headers.api_key !== 'special-key') return json(401, { code: 401, type: 'error', message: 'api_key missing or wrong' });
      if (request.method === 'GET' && request.url === '/v2/pet/1') return json(200, PET);
      return json(404, { code: 1, type: 'error', message: 'Pet not found' });
    };
    work = scratchDir('quickstart');
  });

  afterAll(async () => {
    if (server) await stopGroup(server);
    await upstream?.close();
  });

  it('#9 the README marks a quick start to run: commands that finish, a server, then a call', () => {
    expect(blocks.map((block) => block.mode)).toEqual(['run', 'serve', 'run']);
    expect(blocks.at(-1)!.script).toContain('npm run call');
  });

  it(
    '#9 runs the quick start as written from a copy of the checkout: generate, install, build, start, call a tool; the pet comes back',
    async () => {
      // The clone and, beside it, its npm cache.
      const clone = join(work!, 'portcullis');
      copyCheckout(clone);
      const port = await freePort();
      const env = terminalEnvironment({ UPSTREAM_BASE_URL: `${upstream.origin}/v2`, PORT: String(port), npm_config_cache: join(work!, 'npm-cache') });

      let last: Finished | undefined;
      for (const block of blocks) {
        if (block.mode === 'serve') {
          const started = startBlock(block.script, clone, env);
          server = started;
          const listening = new Promise<void>((resolve, reject) => {
            const poll = setInterval(() => {
              if (new RegExp(`listening on http://127\\.0\\.0\\.1:${port}/mcp`).test(started.output())) {
                clearInterval(poll);
                resolve();
              }
            }, 100);
            void started.exited.then((code) => {
              clearInterval(poll);
              reject(new Error(`README quick start: the server block exited (${code}) instead of serving:\n${block.script}\n--- output ---\n${tail(started.output())}`));
            });
          });
          await listening;
          continue;
        }
        last = await runBlock(block.script, clone, env, 8 * 60_000);
        expect(last.code, `README quick start block failed:\n${block.script}\n--- stdout ---\n${tail(last.stdout)}\n--- stderr ---\n${tail(last.stderr)}`).toBe(0);
      }

      // `npm run` prints its banner ("> name@version call", "> node …") before the script's own output.
      const printed = last!.stdout
        .split('\n')
        .filter((line) => !line.startsWith('> '))
        .join('\n')
        .trim();
      expect(JSON.parse(printed)).toEqual(PET);
      expect(last!.stderr).not.toMatch(/error/i);
      // The emitted server called the stand-in once, with the README's demo key, for the README's pet.
      expect(upstream.received.map((request) => [request.method, request.url, request.headers.api_key])).toEqual([['GET', '/v2/pet/1', 'special-key']]);
      // Generated into the copy, never into this checkout.
      expect(existsSync(join(clone, 'petstore-mcp', 'dist', 'runtime', 'call.js'))).toBe(true);
      expect(existsSync(join(ROOT, 'petstore-mcp'))).toBe(existedBefore);

      await stopGroup(server!);
      expect(await Promise.race([server!.exited.then(() => 'stopped'), new Promise((resolve) => setTimeout(() => resolve('running'), 15_000))])).toBe('stopped');
      server = undefined;
    },
    20 * 60_000,
  );
});
