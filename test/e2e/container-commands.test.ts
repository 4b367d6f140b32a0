/**
 * The emitted Dockerfile, executed without Docker (no engine runs here or in CI): a small interpreter runs its
 * instructions on the host, stage by stage, each stage's WORKDIR being a temporary folder. The build context is a copy
 * of generated/petstore filtered by the emitted .dockerignore; COPY (also `--from=build`), ENV and RUN are carried out
 * as written, so `npm install`/`npm ci`, `npm run build` and `--omit=dev` really run (against the npm registry, with
 * the local npm cache preferred). Then the runtime stage's CMD is started as the image would start it (HOST
 * overridden to loopback) and the HEALTHCHECK command is run against it.
 *
 * What this does not cover: the base image itself (node:<tag> and its `node` user), EXPOSE and USER, which only
 * Docker applies; the Dockerfile lint and the structure checks in test/deploy/artifacts.test.ts cover those lines.
 */
import { spawn, execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { freePort } from '../support/free-port.js';
import { scratchDir } from '../support/scratch.js';

const run = promisify(execFile);
const EXAMPLE = join(ROOT, 'generated', 'petstore');

interface Stage {
  readonly name: string | undefined;
  readonly dir: string;
  readonly env: Record<string, string>;
  healthcheck?: string[];
  cmd?: string[];
}

/** `.dockerignore` semantics for the top level of the context (what the emitted file uses): globs and `!` exceptions. */
function ignoredBy(patterns: string[]): (name: string) => boolean {
  const rules = patterns.map((line) => {
    const negate = line.startsWith('!');
    const glob = negate ? line.slice(1) : line;
    const regex = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    return { negate, regex };
  });
  return (name) => rules.reduce((ignored, rule) => (rule.regex.test(name) ? !rule.negate : ignored), false);
}

/** Splits `ENV A=1 B=2` arguments (unquoted values, as the emitted Dockerfile writes them). */
function parseEnv(args: string): Record<string, string> {
  return Object.fromEntries(args.split(/\s+/).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/** Expands a COPY source (relative to `root`, may contain `*` in its last segment) to existing paths. */
function expandSource(root: string, source: string): string[] {
  const path = join(root, source);
  if (!source.includes('*')) return existsSync(path) ? [path] : [];
  const pattern = new RegExp(`^${basename(source).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return readdirSync(dirname(path))
    .filter((name) => pattern.test(name))
    .map((name) => join(dirname(path), name));
}

describe('the emitted Dockerfile, run as commands on the host (generated/petstore)', () => {
  const work = scratchDir('docker');
  const stages: Stage[] = [];
  const runs: string[] = [];
  let server: ReturnType<typeof spawn> | undefined;
  let stderr = '';

  beforeAll(async () => {
    // The build context: the project as committed, minus what .dockerignore keeps out.
    const context = join(work, 'context');
    const ignore = readFileSync(join(EXAMPLE, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
    const ignored = ignoredBy(ignore);
    mkdirSync(context);
    for (const entry of readdirSync(EXAMPLE).filter((name) => !ignored(name))) cpSync(join(EXAMPLE, entry), join(context, entry), { recursive: true });
    expect(existsSync(join(context, 'node_modules'))).toBe(false);
    expect(existsSync(join(context, 'dist'))).toBe(false);

    const lines = readFileSync(join(EXAMPLE, 'Dockerfile'), 'utf8').split('\n').filter((line) => line.trim() && !line.startsWith('#'));
    for (const line of lines) {
      const [instruction, ...rest] = line.split(' ');
      const args = rest.join(' ');
      const stage = stages.at(-1);
      switch (instruction) {
        case 'FROM': {
          const alias = /\bAS (\S+)$/.exec(args)?.[1];
          const dir = join(work, `stage-${stages.length}`);
          mkdirSync(dir);
          stages.push({ name: alias, dir, env: {} });
          break;
        }
        case 'WORKDIR':
          // Every stage works in /app: its folder stands for it.
          expect(args).toBe('/app');
          break;
        case 'ENV':
          Object.assign(stage!.env, parseEnv(args));
          break;
        case 'COPY': {
          const from = /^--from=(\S+) /.exec(args)?.[1];
          const parts = args.replace(/^--from=\S+ /, '').split(' ');
          const destination = join(stage!.dir, parts.pop()!);
          const root = from ? stages.find((candidate) => candidate.name === from)!.dir : context;
          const sources = parts.flatMap((source) => expandSource(root, from ? source.replace(/^\/app\//, '') : source));
          expect(sources.length, line).toBeGreaterThan(0);
          const intoFolder = destination.endsWith('/') || parts.length > 1 || parts.some((source) => source.includes('*'));
          for (const source of sources) cpSync(source, intoFolder ? join(destination, basename(source)) : destination, { recursive: true });
          break;
        }
        case 'RUN':
          runs.push(args);
          // In the image the clean empties the image's own cache; here it would wipe the machine's npm cache while
          // other test files install from it, so it cleans a cache of its own.
          await run('sh', ['-c', args.replace('npm cache clean --force', `npm cache clean --force --cache ${join(work, 'npm-cache')}`)], {
            cwd: stage!.dir,
            env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? work, ...stage!.env, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
            maxBuffer: 16 * 1024 * 1024,
          }).catch((error: { stdout?: string; stderr?: string }) => {
            throw new Error(`RUN ${args} failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
          });
          break;
        case 'HEALTHCHECK':
          stage!.healthcheck = JSON.parse(args.slice(args.indexOf('CMD ') + 4)) as string[];
          break;
        case 'CMD':
          stage!.cmd = JSON.parse(args) as string[];
          break;
        case 'USER':
        case 'EXPOSE':
          break; // applied by Docker only
        default:
          throw new Error(`instruction the test cannot run: ${line}`);
      }
    }
  }, 300_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
  });

  it('builds in the build stage and installs production dependencies only in the runtime stage', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['build', undefined]);
    expect(runs).toHaveLength(3);
    const [build, runtime] = stages as [Stage, Stage];
    expect(existsSync(join(build.dir, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(build.dir, 'node_modules', 'typescript'))).toBe(true);
    expect(readdirSync(runtime.dir).sort()).toEqual(['dist', 'node_modules', 'package.json', 'policies', 'search-index.json', 'tools.json'].concat(existsSync(join(runtime.dir, 'package-lock.json')) ? ['package-lock.json'] : []).sort());
    expect(existsSync(join(runtime.dir, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(runtime.dir, 'dist', 'runtime', 'main.js'))).toBe(true);
    expect(existsSync(join(runtime.dir, 'node_modules', '@modelcontextprotocol', 'server'))).toBe(true);
    // --omit=dev: no compiler or type packages in the image.
    expect(existsSync(join(runtime.dir, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(join(runtime.dir, 'node_modules', '@types', 'node'))).toBe(false);
    expect(runtime.env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
  });

  it('runs the image command: --help lists the settings', async () => {
    const runtime = stages[1]!;
    const { stdout, stderr: err } = await run(runtime.cmd![0]!, [...runtime.cmd!.slice(1), '--help'], {
      cwd: runtime.dir,
      env: { PATH: process.env.PATH ?? '', ...runtime.env },
    });
    const help = stdout + err;
    expect(help).toContain('HOST');
    expect(help).toContain('UPSTREAM_PETSTORE_AUTH_TOKEN');
  });

  it('starts the image command and passes its HEALTHCHECK (/healthz), which fails when nothing answers', async () => {
    const runtime = stages[1]!;
    const port = String(await freePort());
    // As in the image, but bound to loopback for the test (the image's HOST=0.0.0.0 needs a public URL and issuer).
    const env = { PATH: process.env.PATH ?? '', ...runtime.env, HOST: '127.0.0.1', PORT: port, AUTH_MODE: 'none', UPSTREAM_BASE_URL: 'http://127.0.0.1:9/v3' };
    server = spawn(runtime.cmd![0]!, runtime.cmd!.slice(1), { cwd: runtime.dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const deadline = Date.now() + 20_000;
    let status = 0;
    while (Date.now() < deadline && server.exitCode === null) {
      status = await fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.status, () => 0);
      if (status) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status, stderr).toBe(200);
    // The HEALTHCHECK command exactly as Docker runs it inside the container.
    const [command, ...args] = runtime.healthcheck!;
    await expect(run(command!, args, { cwd: runtime.dir, env })).resolves.toBeDefined();
    // And it fails when nothing answers.
    await expect(run(command!, args, { cwd: runtime.dir, env: { ...env, PORT: String(await freePort()) } })).rejects.toMatchObject({ code: 1 });
  });
});
