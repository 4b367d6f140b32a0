/**
 * Summarizes a V8 .cpuprofile (`node --cpu-prof`) of a server under load, as Markdown: start-up left out (everything
 * before the first sample inside node:http's request parsing), idle left out; then self time per function, per area
 * (a runtime file, a package, Node internals), and per stage of a call (each sample goes to the first stage, in the
 * given order, that any frame of its stack belongs to).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** A stage of a call: a sample belongs to it when some frame of its stack (root to leaf) satisfies `test`. */
export interface Stage {
  readonly label: string;
  readonly test: (frame: CallFrame) => boolean;
  /** Only when no frame satisfies this (e.g. undici frames that are not the transport's Request conversion). */
  readonly unless?: (frame: CallFrame) => boolean;
}

interface Row {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  /** Milliseconds of non-idle samples after start-up. */
  readonly busyMs: number;
  readonly startupMs: number;
  readonly functions: readonly (Row & { where: string })[];
  readonly areas: readonly Row[];
  readonly stages: readonly Row[];
}

export function summarizeProfile(file: string, root: string, stages: readonly Stage[]): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stackOf = (id: number): CallFrame[] => {
    const frames: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) frames.push(byId.get(at)!.callFrame);
    return frames.reverse();
  };

  const functions = new Map<string, { name: string; where: string; micros: number }>();
  const areas = new Map<string, number>();
  const stageTime = new Map<string, number>();
  let busy = 0;
  let startup = 0;
  let serving = false;
  // timeDeltas[i] is the time before samples[i]; the time a sample stands for is the delta to the next one.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    const micros = profile.timeDeltas[i + 1] ?? 0;
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    const stack = stackOf(id);
    if (!serving) serving = stack.some((f) => f.url === 'node:_http_server');
    if (!serving) {
      startup += micros;
      continue;
    }
    busy += micros;
    const where = frame.url ? `${shorten(frame.url, root)}:${frame.lineNumber + 1}` : areaOf(frame, root);
    const name = frame.functionName || '(anonymous)';
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { name, where, micros: 0 };
    entry.micros += micros;
    functions.set(key, entry);
    const area = areaOf(frame, root);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const stage = stages.find((s) => stack.some(s.test) && !(s.unless && stack.some(s.unless)))?.label ?? (frame.functionName === '(garbage collector)' ? 'garbage collector' : 'other');
    stageTime.set(stage, (stageTime.get(stage) ?? 0) + micros);
  }
  const rows = (map: Map<string, number>): Row[] =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).map(([name, micros]) => ({ name, ms: micros / 1000, share: micros / busy }));
  return {
    busyMs: busy / 1000,
    startupMs: startup / 1000,
    functions: [...functions.values()].sort((a, b) => b.micros - a.micros).map(({ micros, ...rest }) => ({ ...rest, ms: micros / 1000, share: micros / busy })),
    areas: rows(areas),
    stages: rows(stageTime),
  };
}

export function profileMarkdown(title: string, summary: ProfileSummary, calls: number, top = 25): string[] {
  const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
  const perCall = (ms: number) => ((ms * 1000) / calls).toFixed(0);
  return [
    `#### ${title}: ${summary.busyMs.toFixed(0)} ms on the main thread over ${calls} calls = ${perCall(summary.busyMs)} µs/call (start-up, ${summary.startupMs.toFixed(0)} ms, left out)`,
    '',
    '| stage | µs/call | share |',
    '|---|---:|---:|',
    ...summary.stages.map((s) => `| ${s.name} | ${perCall(s.ms)} | ${percent(s.share)} |`),
    '',
    '| area (self time) | µs/call | share |',
    '|---|---:|---:|',
    ...summary.areas.slice(0, 15).map((a) => `| ${a.name} | ${perCall(a.ms)} | ${percent(a.share)} |`),
    '',
    '| function (self time) | where | µs/call | share |',
    '|---|---|---:|---:|',
    ...summary.functions.slice(0, top).map((f) => `| \`${f.name}\` | ${f.where} | ${perCall(f.ms)} | ${percent(f.share)} |`),
    '',
  ];
}

const has = (pattern: RegExp) => (frame: CallFrame) => pattern.test(frame.url);
const named = (pattern: RegExp) => (frame: CallFrame) => pattern.test(frame.functionName);
const transportUrls = /@hono\/node-server|sdk\/dist\/esm\/server\/(streamableHttp|webStandardStreamableHttp)\.js|fetch-to-node/;

/** The stages of a portcullis call, most specific first. */
export const PORTCULLIS_STAGES: readonly Stage[] = [
  { label: 'SDK `new Server()` → `new AjvJsonSchemaValidator()` → `new Ajv()` (per request)', test: named(/^(AjvJsonSchemaValidator|createDefaultAjvInstance)$/) },
  { label: 'token verification (token-verifier.js, jose, RSA verify)', test: (f) => /\/jose\/|runtime\/token-verifier\.js|node:internal\/crypto\//.test(f.url) },
  { label: 'upstream call (upstream.js, response.js, undici fetch)', test: has(/runtime\/(upstream|response|request|credentials)\.js/) },
  { label: 'upstream call (upstream.js, response.js, undici fetch)', test: has(/node:internal\/deps\/undici/), unless: has(transportUrls) },
  { label: 'SDK Streamable HTTP transport (Node↔Web conversion via @hono/node-server, message checks)', test: has(transportUrls) },
  { label: 'SDK Server/Protocol dispatch, zod', test: has(/sdk\/dist\/esm\/(shared|server)\/|\/zod\//) },
  { label: 'audit (audit.js, its file stream)', test: (f) => /runtime\/audit\.js/.test(f.url) || (f.url === 'node:internal/fs/streams') },
  { label: 'portcullis runtime (routing, checks, body, policy)', test: has(/runtime\/[a-z-]+\.js/) },
  { label: 'node:http server, sockets, streams', test: has(/^node:(_http|net|internal\/(streams|stream_base))/) },
];

/** The stages of a peer call. */
export const PEER_STAGES: readonly Stage[] = [
  { label: 'console logging (several lines per call)', test: (f) => f.functionName === 'consoleCall' || /node:internal\/console/.test(f.url) },
  { label: 'upstream call (axios, node:http client)', test: has(/\/axios\/|node:_http_client/) },
  { label: 'SDK Streamable HTTP transport + hono + fetch-to-node', test: (f) => transportUrls.test(f.url) || /\/hono\/|build\/streamable-http\.js/.test(f.url) },
  { label: 'SDK Server/Protocol dispatch, zod, argument schema', test: has(/sdk\/dist\/esm\/(shared|server)\/|\/zod\/|json-schema-to-zod/) },
  { label: 'peer tool code (build/index.js)', test: has(/build\/index\.js/) },
  { label: 'node:http server, sockets, streams', test: has(/^node:(_http|net|internal\/(streams|stream_base))/) },
];

function shorten(url: string, root: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  return path.startsWith(root) ? path.slice(root.length).replace(/^\//, '') : path;
}

function areaOf(frame: CallFrame, root: string): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native / builtins)';
  if (url.startsWith('node:')) {
    const module = url.slice(5);
    return `node:${module.startsWith('internal/deps/undici') ? 'undici (fetch)' : module.replace(/^internal\//, '').split('/').slice(0, 2).join('/')}`;
  }
  const path = shorten(url, root);
  if (url.includes('/node_modules/')) {
    const parts = path.split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return path.replace(/^generated\/petstore\/dist\//, '').replace(/^\.bench\/roundtrip\/peer\//, 'peer ');
}
