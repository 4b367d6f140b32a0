/**
 * #14 Prometheus metrics of the emitted server over HTTP: a real protected server (loopback authorization server and
 * upstream), real calls allowed and refused (401, 403 scope, 403 role, unknown tool), /metrics scraped and parsed in
 * the text exposition format. Counters move with the calls; labels stay bounded; no subject, token or argument value
 * appears; /metrics is 404 on the main port unless allowed, and served alone on METRICS_PORT.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readObservabilitySettings } from '../../templates/runtime/observability-settings.js';
import { settingDefinitions } from '../../templates/runtime/setting-definitions.js';
import { startRecordingUpstream } from '../support/upstream.js';
import type { RecordingUpstream } from '../support/upstream.js';
import { startScriptedIssuer } from '../support/scripted-issuer.js';
import type { ScriptedIssuer } from '../support/scripted-issuer.js';
import { rpc, startProtected, toolsCall } from './fixtures/protected.js';
import type { ProtectedServer } from './fixtures/protected.js';

/** One sample of the exposition: metric name, labels, value. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses the Prometheus text format 0.0.4 (comments skipped); fails the test on a line that is not a sample. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(match, line).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const [, name, value] of match![2]?.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[name!] = value!;
    samples.push({ name: match![1]!, labels, value: Number(match![3]) });
  }
  return samples;
}

/** The value of the sample `name` whose labels include `labels`, 0 when there is none. */
function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  return found.reduce((sum, sample) => sum + sample.value, 0);
}

async function scrape(url: string): Promise<{ text: string; samples: Sample[] }> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { text, samples: parseExposition(text) };
}

/** Waits until the server has written `count` audit lines (they are written when each response closes). */
async function audited(server: ProtectedServer, count: number): Promise<void> {
  for (let i = 0; i < 200 && server.audit.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(server.audit.length).toBeGreaterThanOrEqual(count);
}

let as: ScriptedIssuer;
let upstream: RecordingUpstream;

beforeAll(async () => {
  as = await startScriptedIssuer();
  upstream = await startRecordingUpstream();
});

afterAll(async () => {
  await upstream?.close();
  await as?.close();
});

describe('#14 /metrics on the main port (METRICS_ALLOW_UNAUTHENTICATED=true)', () => {
  let mcp: ProtectedServer;
  const metricsUrl = () => `${new URL(mcp.url).origin}/metrics`;

  beforeAll(async () => {
    mcp = await startProtected(as, `${upstream.origin}/api`, { METRICS_ALLOW_UNAUTHENTICATED: 'true' });
  });
  afterAll(() => mcp?.close());

  it('#14 counts requests and decisions from the audit records: allowed, 401, 403 scope, role', async () => {
    const subject = 'subject-8d1e6c0f';
    const before = (await scrape(metricsUrl())).samples;
    const token = await as.mint(mcp.server.publicUrl, { claims: { sub: subject, client_id: 'client-5be2' } });
    mcp.audit.length = 0;
    expect((await rpc(mcp.url, token, toolsCall('get_pet', { petId: 4242 }))).status).toBe(200);
    expect((await rpc(mcp.url, undefined, toolsCall('get_pet', { petId: 1 }))).status).toBe(401);
    expect((await rpc(mcp.url, `${token}x`, toolsCall('get_pet', { petId: 1 }))).status).toBe(401);
    expect((await rpc(mcp.url, token, toolsCall('create_pet', { name: 'Rex' }))).status).toBe(403);
    // A role cannot be obtained by a step-up: the tool answers the refusal (MCP 2025-11-25 server/tools#error-handling).
    expect((await rpc(mcp.url, token, toolsCall('list_owners'))).body.result.isError).toBe(true);
    await audited(mcp, 5);
    const { text, samples } = await scrape(metricsUrl());
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(samples, name, labels) - valueOf(before, name, labels);

    // The same decisions as the audit lines, reason for reason.
    const fromAudit = new Map<string, number>();
    for (const record of mcp.audit) fromAudit.set(`${record.decision} ${record.reason}`, (fromAudit.get(`${record.decision} ${record.reason}`) ?? 0) + 1);
    expect(Object.fromEntries(fromAudit)).toEqual({ 'allow ok': 1, 'deny missing_token': 1, 'deny invalid_token:signature': 1, 'deny insufficient_scope': 1, 'deny role': 1 });
    for (const [key, count] of fromAudit) {
      const [decision, reason] = key.split(' ') as [string, string];
      expect(delta('mcp_decisions_total', { decision, reason }), key).toBe(count);
    }
    expect(delta('mcp_requests_total', { method: 'tools/call', tool: 'get_pet' })).toBe(1);
    expect(delta('mcp_requests_total', { method: 'tools/call', tool: 'create_pet' })).toBe(1);
    expect(delta('mcp_requests_total', { method: 'tools/call', tool: 'list_owners' })).toBe(1);
    // Refused before the body was read: the method is not known.
    expect(delta('mcp_requests_total', { method: 'none', tool: 'none' })).toBe(2);
    expect(delta('mcp_step_up_challenges_total', { tool: 'create_pet' })).toBe(1);
    expect(delta('mcp_step_up_challenges_total')).toBe(1);
    expect(delta('mcp_token_verifications_total', { outcome: 'valid' })).toBe(3);
    expect(delta('mcp_token_verifications_total', { outcome: 'missing_token' })).toBe(1);
    expect(delta('mcp_token_verifications_total', { outcome: 'invalid_token:signature' })).toBe(1);
    expect(valueOf(samples, 'mcp_jwks_fetches_total', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    // Only the allowed call reached the upstream API: one request, timed.
    expect(delta('mcp_upstream_requests_total', { tool: 'get_pet', status_class: '2xx' })).toBe(1);
    expect(delta('mcp_upstream_request_duration_seconds_count', { tool: 'get_pet', status_class: '2xx' })).toBe(1);
    expect(delta('mcp_upstream_request_duration_seconds_bucket', { tool: 'get_pet', status_class: '2xx', le: '+Inf' })).toBe(1);
    // Node's process metrics.
    expect(samples.some((sample) => sample.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(samples.some((sample) => sample.name === 'nodejs_heap_size_used_bytes')).toBe(true);
    // Never who called, with what, or the token.
    expect(text).not.toContain(subject);
    expect(text).not.toContain('client-5be2');
    // The argument value (4242) in no label; sample values are numbers that may hold those digits by chance.
    expect(samples.filter((sample) => Object.values(sample.labels).some((value) => value.includes('4242')))).toEqual([]);
    expect(text).not.toContain(token.split('.')[2]!);
  });

  it('#14 keeps labels bounded: an unknown tool, a made-up method and a caller-chosen id add no label value', async () => {
    const token = await as.mint(mcp.server.publicUrl, { claims: { scope: 'pets:read' } });
    const before = (await scrape(metricsUrl())).samples;
    mcp.audit.length = 0;
    const madeUp = ['tool-a1', 'tool-b2', 'tool-c3'];
    for (const name of madeUp) await rpc(mcp.url, token, toolsCall(name, {}, `id-${name}`));
    await rpc(mcp.url, token, { jsonrpc: '2.0', id: 'x-77', method: 'custom/method-z9', params: {} });
    await audited(mcp, 4);
    const { text, samples } = await scrape(metricsUrl());
    expect(valueOf(samples, 'mcp_requests_total', { method: 'tools/call', tool: 'unknown' }) - valueOf(before, 'mcp_requests_total', { method: 'tools/call', tool: 'unknown' })).toBe(3);
    expect(valueOf(samples, 'mcp_requests_total', { method: 'other' }) - valueOf(before, 'mcp_requests_total', { method: 'other' })).toBe(1);
    for (const value of [...madeUp, 'custom/method-z9', 'x-77']) expect(text).not.toContain(value);
    // Every tool label is a tool of the definition, or one of the fixed placeholders.
    const toolLabels = new Set(samples.flatMap((sample) => (sample.labels.tool === undefined ? [] : [sample.labels.tool])));
    for (const label of toolLabels) expect(['get_pet', 'create_pet', 'list_owners', 'delete_pet', 'audit_owners', 'unknown', 'none']).toContain(label);
  });

  it('#14 counts a failing upstream by status class', async () => {
    const token = await as.mint(mcp.server.publicUrl);
    const before = (await scrape(metricsUrl())).samples;
    const answer = upstream.answer;
    upstream.answer = (res) => void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such pet"}');
    try {
      expect((await rpc(mcp.url, token, toolsCall('get_pet', { petId: 9 }))).status).toBe(200);
    } finally {
      upstream.answer = answer;
    }
    const { samples } = await scrape(metricsUrl());
    expect(valueOf(samples, 'mcp_upstream_requests_total', { tool: 'get_pet', status_class: '4xx' }) - valueOf(before, 'mcp_upstream_requests_total', { tool: 'get_pet', status_class: '4xx' })).toBe(1);
  });

  it('#14 answers only GET and HEAD', async () => {
    const response = await fetch(metricsUrl(), { method: 'POST', body: '' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('#14 /metrics where it is not allowed', () => {
  it('#14 is 404 on the main port by default, and nothing is counted', async () => {
    const mcp = await startProtected(as, `${upstream.origin}/api`);
    try {
      const response = await fetch(`${new URL(mcp.url).origin}/metrics`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('mcp_');
      expect(mcp.server.metricsUrl).toBeUndefined();
    } finally {
      await mcp.close();
    }
  });
});

describe('#14 METRICS_PORT: a separate listener', () => {
  let mcp: ProtectedServer;

  beforeAll(async () => {
    mcp = await startProtected(as, `${upstream.origin}/api`, { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' });
  });
  afterAll(() => mcp?.close());

  it('#14 serves /metrics on its own port, not on the main one', async () => {
    const metricsUrl = mcp.server.metricsUrl!;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(metricsUrl).port).not.toBe(new URL(mcp.url).port);
    const token = await as.mint(mcp.server.publicUrl);
    expect((await rpc(mcp.url, token, toolsCall('get_pet', { petId: 1 }))).status).toBe(200);
    await audited(mcp, 1);
    const { samples } = await scrape(metricsUrl);
    expect(valueOf(samples, 'mcp_decisions_total', { decision: 'allow', reason: 'ok' })).toBe(1);
    expect((await fetch(`${new URL(mcp.url).origin}/metrics`)).status).toBe(404);
  });

  it('#14 serves nothing else there: the MCP endpoint and the probes are 404 on the metrics port', async () => {
    const origin = new URL(mcp.server.metricsUrl!).origin;
    for (const path of ['/mcp', '/healthz', '/', '/metrics/x']) expect((await fetch(`${origin}${path}`)).status, path).toBe(404);
  });

  it('#14 stops listening when the server closes', async () => {
    const other = await startProtected(as, `${upstream.origin}/api`, { METRICS_PORT: '0' });
    const url = other.server.metricsUrl!;
    expect((await fetch(url)).status).toBe(200);
    await other.close();
    await expect(fetch(url)).rejects.toThrow();
  });
});

describe('#14 metrics and tracing settings', () => {
  const read = (env: Record<string, string>) => readObservabilitySettings(env, settingDefinitions(), '0.0.0.0');

  it('#14 counts nothing and loads no tracing when none is set', () => {
    expect(read({})).toEqual({ metrics: undefined, tracing: undefined });
    expect(read({ METRICS_ALLOW_UNAUTHENTICATED: 'false' })).toEqual({ metrics: undefined, tracing: undefined });
  });

  it('#14 serves metrics on METRICS_PORT (bound to HOST unless METRICS_HOST) or on the main port when allowed', () => {
    expect(read({ METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464, host: '0.0.0.0', onMainPort: false });
    expect(read({ METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' }).metrics).toEqual({ port: 9464, host: '10.0.0.5', onMainPort: false });
    expect(read({ METRICS_ALLOW_UNAUTHENTICATED: 'true' }).metrics).toEqual({ port: undefined, host: '0.0.0.0', onMainPort: true });
  });

  it('#14 exports traces to <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces, or to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given', () => {
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({ tracesUrl: 'http://collector:4318/v1/traces', serviceName: undefined });
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otlp.example.com/api/traces', OTEL_SERVICE_NAME: 'mcp-a' }).tracing).toEqual({
      tracesUrl: 'https://otlp.example.com/api/traces',
      serviceName: 'mcp-a',
    });
  });

  it.each([
    [{ METRICS_PORT: '70000' }, /^METRICS_PORT: .*Example: METRICS_PORT=9464$/],
    [{ METRICS_HOST: 'bad host' }, /^METRICS_HOST: "bad host" is not a host name or IP address\. Example: METRICS_HOST=0\.0\.0\.0$/],
    [{ METRICS_ALLOW_UNAUTHENTICATED: 'yes' }, /^METRICS_ALLOW_UNAUTHENTICATED: .*Example: METRICS_ALLOW_UNAUTHENTICATED=true$/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /^OTEL_EXPORTER_OTLP_ENDPOINT: .*Example: OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/otel-collector/],
  ])('#14 refuses a malformed value before the server listens: %j', (env, message) => {
    expect(() => read(env)).toThrow(message);
  });
});
