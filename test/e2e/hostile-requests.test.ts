/**
 * #16: hostile requests against a server generated from a spec, run as its own process, whose memory and CPU time are
 * read from /proc: what one request can make the server do is bounded, whatever the machine's speed.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/examples.js';
import { EMPTY_CONFIG } from '../../src/config/types.js';
import { generateFiles } from '../../src/generate.js';
import { MAX_JSON_ITEMS } from '../../templates/runtime/json-shape.js';
import { startNodeServer, type RunningServer } from '../support/generated-server.js';
import { scratchDir } from '../support/scratch.js';
import { startRecordingUpstream, type RecordingUpstream } from '../support/upstream.js';

const spec = {
  openapi: '3.0.3',
  info: { title: 'Hostile requests', version: '1.0.0' },
  servers: [{ url: 'https://api.example.com' }],
  paths: {
    '/numbers': {
      post: {
        operationId: 'postNumbers',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'array', items: { type: 'integer' } } } } },
        responses: { '200': { description: 'ok' } },
      },
    },
    '/words/{word}': {
      get: {
        operationId: 'getWord',
        // Exponential on a backtracking engine: each extra character doubles the work.
        parameters: [{ name: 'word', in: 'path', required: true, schema: { type: 'string', pattern: '^(a+)+$' } }],
        responses: { '200': { description: 'ok' } },
      },
    },
  },
};

/** Starts the runtime (templates/runtime/main.ts, as an emitted src/index.ts does) over `toolsJson` in its own process. */
async function startServer(toolsJson: string, env: Record<string, string>): Promise<RunningServer> {
  const entry = pathToFileURL(join(ROOT, 'templates', 'runtime', 'main.ts')).href;
  const script = `const { main } = await import(${JSON.stringify(entry)}); await main(new URL(${JSON.stringify(pathToFileURL(toolsJson).href)}));`;
  const settings = { AUTH_MODE: 'none', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info', AUDIT_LOG: '/dev/null', ...env };
  return startNodeServer(['--import', 'tsx', '--input-type=module', '-e', script], settings, ROOT);
}

/** Peak resident memory of a process in MiB (VmHWM). */
function peakRssMiB(pid: number): number {
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kib / 1024;
}

/** CPU time (user + system) a process has used, in ms. */
function cpuMs(pid: number): number {
  // /proc/<pid>/stat: the command is in parentheses and may contain spaces; fields 14 and 15 follow it.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10; // USER_HZ is 100 on Linux
}

async function callTool(url: string, name: string, args: unknown, id = 1): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }),
  });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

describe.skipIf(process.platform !== 'linux')('#16 hostile requests against a generated server', () => {
  let dir: string;
  let upstream: RecordingUpstream;
  let server: RunningServer;

  beforeAll(async () => {
    dir = scratchDir('hostile-requests');
    await writeFile(join(dir, 'spec.json'), JSON.stringify(spec));
    const { files } = await generateFiles({ spec: join(dir, 'spec.json'), config: EMPTY_CONFIG, name: 'hostile-mcp' });
    await writeFile(join(dir, 'tools.json'), files.find((file) => file.path === 'tools.json')!.contents);
    upstream = await startRecordingUpstream();
    server = await startServer(join(dir, 'tools.json'), { UPSTREAM_BASE_URL: upstream.origin });
  });

  afterAll(async () => {
    await server?.stop();
    await upstream?.close();
  });

  it('#16 refuses a pattern argument built to backtrack, in bounded CPU time, sending nothing upstream', async () => {
    const before = cpuMs(server.process.pid!);
    for (const length of [30, 1_000, 50_000]) {
      const { status, body } = await callTool(server.url, 'getWord', { word: `${'a'.repeat(length)}!` });
      expect(status).toBe(200);
      expect(body.result.isError).toBe(true);
      expect(body.result.content[0].text).toMatch(/word/);
    }
    // A backtracking engine needs about 2^30 steps for the first call alone (minutes); a linear one, microseconds.
    expect(cpuMs(server.process.pid!) - before).toBeLessThan(2_000);
    expect(upstream.received).toHaveLength(0);
    // Ordinary values still match.
    expect((await callTool(server.url, 'getWord', { word: 'aaaa' })).body.result.isError).toBeFalsy();
    expect(upstream.received.map((request) => request.url)).toEqual(['/words/aaaa']);
  });

  it('#16 keeps memory bounded under concurrent bodies of many wrongly typed items', async () => {
    upstream.received.length = 0;
    // Just under the count of JSON values a body may hold, each of the wrong type for the tool's integer items.
    const body = { body: Array.from({ length: MAX_JSON_ITEMS - 100 }, () => 'x') };
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map((id) => callTool(server.url, 'postNumbers', body, id)));
    for (const { status, body: answer } of answers) {
      // Refused as invalid arguments, or (past the in-flight cap) asked to retry: never run, never a crash.
      expect([200, 503]).toContain(status);
      if (status === 200) {
        expect(answer.result.isError).toBe(true);
        expect(answer.result.content[0].text.length).toBeLessThan(2_000);
      }
    }
    // More values than that, within the byte limit: refused before parsing.
    const many = await callTool(server.url, 'postNumbers', { body: Array.from({ length: 200_000 }, () => 1) });
    expect(many.status).toBe(413);
    expect(upstream.received).toHaveLength(0);
    // The emitted Deployment's memory limit is 256Mi; the process (tsx loader included) must stay well within it.
    // Before #16 the first request alone (a 4 MB body of two million items) took it past 800 MiB.
    expect(peakRssMiB(server.process.pid!)).toBeLessThan(200);
    expect((await callTool(server.url, 'getWord', { word: 'a' })).status).toBe(200);
  });
});
