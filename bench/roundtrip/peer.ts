/**
 * The peer of the round-trip benchmark: openapi-mcp-generator (the devDependency) generates a Streamable HTTP server
 * for specs/petstore.yaml into .bench/roundtrip/peer/, which is then installed and built the way its README says
 * (`npm install`, `npm run build`) and run with `node build/index.js --transport=streamable-http` (`npm run start:http`).
 *
 * Its port is baked into the generated source (`--port`), so it is regenerated (with --force, which keeps
 * node_modules) and rebuilt every run; `npm install` only runs when its package.json changed.
 *
 * One change to what it generates: its package.json gets @hono/node-server pinned to 1.19.11 (direct dependency and
 * npm override). As generated, with today's dependencies (and already with those of its release day, 2026-08-23), it
 * crashes after answering its first request: its streamable-http.ts reads the body with `c.req.json()` and then wraps
 * the same, now locked, Request with fetch-to-node's toReqRes; @hono/node-server 1.19.12 and later (used by the SDK's
 * StreamableHTTPServerTransport) drain an unread request body after the response (`incoming.resume()`), which makes
 * fetch-to-node call getReader() on the locked stream: an uncaught `ERR_INVALID_STATE: ReadableStream is locked`.
 * 1.19.11 is the newest release without that drain, and satisfies the SDK's range (^1.19.9).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PreparedPeer {
  readonly dir: string;
  /** The generated server's entry, relative to `dir`. */
  readonly entry: string;
  readonly generatorVersion: string;
  /** Installed versions of the packages that matter at run time. */
  readonly versions: Readonly<Record<string, string>>;
  readonly installed: boolean;
}

const RUNTIME_PACKAGES = ['@modelcontextprotocol/sdk', 'hono', '@hono/node-server', 'axios', 'fetch-to-node'];

/** See the header: the newest @hono/node-server with which the generated server survives its first answer. */
export const PEER_HONO_PIN = '1.19.11';

export function preparePeer(root: string, port: number, log: (line: string) => void): PreparedPeer {
  const dir = join(root, '.bench', 'roundtrip', 'peer');
  mkdirSync(dir, { recursive: true });
  const generator = join(root, 'node_modules', 'openapi-mcp-generator');
  const generatorVersion = (JSON.parse(readFileSync(join(generator, 'package.json'), 'utf8')) as { version: string }).version;
  const cli = join(generator, 'bin', 'openapi-mcp-generator.js');
  const spec = join(root, 'specs', 'petstore.yaml');
  exec(process.execPath, [cli, '--input', spec, '--output', dir, '--transport=streamable-http', `--port=${port}`, '--force'], root, 'generate');

  const manifestFile = join(dir, 'package.json');
  const generated = JSON.parse(readFileSync(manifestFile, 'utf8')) as { dependencies?: Record<string, string>; overrides?: Record<string, string> };
  generated.dependencies = { ...generated.dependencies, '@hono/node-server': PEER_HONO_PIN };
  generated.overrides = { ...generated.overrides, '@hono/node-server': '$@hono/node-server' };
  writeFileSync(manifestFile, `${JSON.stringify(generated, null, 2)}\n`);
  const manifest = readFileSync(manifestFile);
  const stampFile = join(dir, '.installed-package-json.sha256');
  const digest = createHash('sha256').update(manifest).digest('hex');
  const stale = !existsSync(join(dir, 'node_modules')) || !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== digest;
  if (stale) {
    log('peer: npm install (its dependencies, into .bench/roundtrip/peer only)');
    exec(npm(), ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir, 'npm install');
    writeFileSync(stampFile, digest);
  }
  log('peer: npm run build');
  exec(npm(), ['run', 'build', '--silent'], dir, 'npm run build');

  const versions: Record<string, string> = {};
  for (const name of RUNTIME_PACKAGES) {
    try {
      versions[name] = (JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      versions[name] = '?';
    }
  }
  return { dir, entry: 'build/index.js', generatorVersion, versions, installed: stale };
}

function npm(): string {
  return process.platform === 'win32' ? 'npm.cmd' : 'npm';
}

function exec(command: string, args: readonly string[], cwd: string, what: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  if (result.status !== 0) {
    throw new Error(`peer ${what} failed (exit ${result.status ?? result.signal}):\n${(result.stderr + result.stdout).slice(-4_000)}`);
  }
}
