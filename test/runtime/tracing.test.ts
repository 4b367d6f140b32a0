/**
 * #14 OpenTelemetry traces of the emitted server: a real protected server exporting over OTLP/HTTP (JSON) to a
 * collector stand-in on loopback. Each MCP request is a SERVER span with `authorization`, `policy` and upstream CLIENT
 * children; an incoming traceparent (header, or `_meta` in 2026-07-28) is continued; the upstream receives the
 * traceparent of its own span; the audit line carries the span's trace id; no token, subject or argument value is
 * exported.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRecordingUpstream } from '../support/upstream.js';
import type { RecordingUpstream } from '../support/upstream.js';
import { startScriptedIssuer } from '../support/scripted-issuer.js';
import type { ScriptedIssuer } from '../support/scripted-issuer.js';
import { rpc, startProtected, toolsCall } from './fixtures/protected.js';
import type { ProtectedServer } from './fixtures/protected.js';

/** A span as OTLP/JSON carries it (opentelemetry-proto, trace/v1/trace.proto), with its attributes flattened. */
interface ExportedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  /** 2 SERVER, 3 CLIENT, 1 INTERNAL. */
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
  readonly status: { code?: number };
}

interface Collector {
  readonly url: string;
  readonly spans: ExportedSpan[];
  /** Every export body as received, to search for what must never be exported. */
  readonly bodies: string[];
  readonly resources: Record<string, unknown>[];
  /** When set, exports are refused with 400 (not retried by the exporter). */
  refuse: boolean;
  close(): Promise<void>;
}

/** An OTLP value as a plain one. */
function plain(value: Record<string, unknown>): unknown {
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('boolValue' in value) return value.boolValue;
  if ('doubleValue' in value) return value.doubleValue;
  return value;
}

function attributesOf(list: { key: string; value: Record<string, unknown> }[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, plain(value)]));
}

/** Starts an OTLP/HTTP collector stand-in that accepts JSON exports at /v1/traces. */
async function startCollector(): Promise<Collector> {
  const collector: Collector = { url: '', spans: [], bodies: [], resources: [], refuse: false, close: async () => undefined };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (collector.refuse || req.url !== '/v1/traces' || req.method !== 'POST' || !String(req.headers['content-type']).startsWith('application/json')) {
      res.writeHead(400).end();
      return;
    }
    collector.bodies.push(text);
    const exported = JSON.parse(text) as { resourceSpans: { resource: { attributes: never }; scopeSpans: { spans: (ExportedSpan & { attributes: never })[] }[] }[] };
    for (const resourceSpans of exported.resourceSpans) {
      collector.resources.push(attributesOf(resourceSpans.resource.attributes));
      for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) collector.spans.push({ ...span, attributes: attributesOf(span.attributes), status: span.status ?? {} });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(collector, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}

const HEADER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const HEADER_PARENT = '00f067aa0ba902b7';
const META_TRACE = '0af7651916cd43dd8448eb211c80319c';
const META_PARENT = 'b7ad6b7169203331';

let as: ScriptedIssuer;
let upstream: RecordingUpstream;
let collector: Collector;
let mcp: ProtectedServer;

beforeAll(async () => {
  // Export every few milliseconds rather than every 5 s (read by the SDK's BatchSpanProcessor).
  process.env.OTEL_BSP_SCHEDULE_DELAY = '20';
  as = await startScriptedIssuer();
  upstream = await startRecordingUpstream();
  collector = await startCollector();
  mcp = await startProtected(as, `${upstream.origin}/api`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
});

afterAll(async () => {
  await mcp?.close();
  await collector?.close();
  await upstream?.close();
  await as?.close();
});

beforeEach(() => {
  upstream.received.length = 0;
  mcp.audit.length = 0;
});

/** The spans of `traceId` once the request span (the one with `name`) has been exported. */
async function traceOf(traceId: string, name: string): Promise<ExportedSpan[]> {
  for (let i = 0; i < 300 && !collector.spans.some((span) => span.traceId === traceId && span.name === name); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  // Children end before their parent, so they were exported with it or before.
  const spans = collector.spans.filter((span) => span.traceId === traceId);
  expect(spans.map((span) => span.name)).toContain(name);
  return spans;
}

/** Waits for the request's audit line. */
async function auditLine() {
  for (let i = 0; i < 200 && mcp.audit.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(mcp.audit).toHaveLength(1);
  return mcp.audit[0]!;
}

/** The span named `name` among `spans`; exactly one. */
function only(spans: readonly ExportedSpan[], name: string): ExportedSpan {
  const found = spans.filter((span) => span.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
}

describe('#14 a traced tools/call', () => {
  it('#14 continues the traceparent header: request span → authorization, policy, upstream; upstream and audit share the trace', async () => {
    const token = await as.mint(mcp.server.publicUrl, { claims: { sub: 'subject-5c31' } });
    const response = await rpc(mcp.url, token, toolsCall('get_pet', { petId: 4242 }), { traceparent: `00-${HEADER_TRACE}-${HEADER_PARENT}-01` });
    expect(response.status).toBe(200);
    const spans = await traceOf(HEADER_TRACE, 'tools/call get_pet');

    const request = only(spans, 'tools/call get_pet');
    expect(request.kind).toBe(2);
    expect(request.parentSpanId).toBe(HEADER_PARENT);
    expect(request.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'get_pet', 'http.request.method': 'POST', 'http.response.status_code': 200, 'mcp.decision': 'allow' });
    const authorization = only(spans, 'authorization');
    expect(authorization.parentSpanId).toBe(request.spanId);
    expect(authorization.attributes).toEqual({ 'mcp.token.outcome': 'valid' });
    const policy = only(spans, 'policy');
    expect(policy.parentSpanId).toBe(request.spanId);
    expect(policy.attributes).toEqual({ 'gen_ai.tool.name': 'get_pet', 'mcp.decision': 'allow' });
    const call = only(spans, 'GET /pets/{petId}');
    expect(call.kind).toBe(3);
    expect(call.parentSpanId).toBe(request.spanId);
    expect(call.attributes).toEqual({
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(upstream.origin).port),
      'url.scheme': 'http',
      'url.template': '/pets/{petId}',
      'gen_ai.tool.name': 'get_pet',
      'http.response.status_code': 200,
    });

    // The upstream's parent is the upstream span, in the same trace.
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]!.headers.traceparent).toBe(`00-${HEADER_TRACE}-${call.spanId}-01`);
    expect((await auditLine()).traceId).toBe(HEADER_TRACE);

    // Never the token, the subject, or an argument value.
    const exported = collector.bodies.join('\n');
    expect(exported).not.toContain(token.split('.')[2]!);
    expect(exported).not.toContain('subject-5c31');
    // The argument value (4242) in no exported text or attribute; timestamps and ids are digits that may hold it by chance.
    expect(exportedValues(collector.bodies)).toContain('get_pet');
    expect(exportedValues(collector.bodies).filter((value) => value.includes('4242'))).toEqual([]);
  });

  it('#14 continues the _meta traceparent of 2026-07-28 (over the header)', async () => {
    const token = await as.mint(mcp.server.publicUrl);
    const body = { ...toolsCall('get_pet', { petId: 7 }), params: { name: 'get_pet', arguments: { petId: 7 }, _meta: { traceparent: `00-${META_TRACE}-${META_PARENT}-01` } } };
    expect((await rpc(mcp.url, token, body, { traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` })).status).toBe(200);
    const spans = await traceOf(META_TRACE, 'tools/call get_pet');
    const request = only(spans, 'tools/call get_pet');
    expect(request.parentSpanId).toBe(META_PARENT);
    const call = only(spans, 'GET /pets/{petId}');
    expect(call.parentSpanId).toBe(request.spanId);
    expect(upstream.received[0]!.headers.traceparent).toBe(`00-${META_TRACE}-${call.spanId}-01`);
    expect((await auditLine()).traceId).toBe(META_TRACE);
  });

  it('#14 starts a new trace without a traceparent, and the audit line and the upstream carry its id', async () => {
    const token = await as.mint(mcp.server.publicUrl);
    expect((await rpc(mcp.url, token, toolsCall('get_pet', { petId: 8 }))).status).toBe(200);
    const { traceId } = await auditLine();
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const spans = await traceOf(traceId!, 'tools/call get_pet');
    expect(only(spans, 'tools/call get_pet').parentSpanId ?? '').toBe('');
    expect(upstream.received[0]!.headers.traceparent).toBe(`00-${traceId}-${only(spans, 'GET /pets/{petId}').spanId}-01`);
  });

  it('#14 ignores an invalid traceparent header rather than continuing it', async () => {
    const token = await as.mint(mcp.server.publicUrl);
    expect((await rpc(mcp.url, token, toolsCall('get_pet', { petId: 8 }), { traceparent: `00-${'0'.repeat(32)}-${HEADER_PARENT}-01` })).status).toBe(200);
    const { traceId } = await auditLine();
    expect(traceId).not.toBe('0'.repeat(32));
    await traceOf(traceId!, 'tools/call get_pet');
  });

  it('#14 traces a refused request: 401 with a failed authorization span, and the audit line names its trace', async () => {
    const response = await rpc(mcp.url, 'not-a-token', toolsCall('get_pet', { petId: 1 }), { traceparent: `00-${'a'.repeat(32)}-${HEADER_PARENT}-01` });
    expect(response.status).toBe(401);
    const spans = await traceOf('a'.repeat(32), 'POST');
    const request = only(spans, 'POST');
    expect(request.attributes).toMatchObject({ 'http.response.status_code': 401, 'mcp.decision': 'deny', 'mcp.decision.reason': 'invalid_token:not_a_jwt' });
    const authorization = only(spans, 'authorization');
    expect(authorization.parentSpanId).toBe(request.spanId);
    expect(authorization.status.code).toBe(2);
    expect(spans.some((span) => span.kind === 3)).toBe(false);
    expect((await auditLine()).traceId).toBe('a'.repeat(32));
    expect(collector.bodies.join('\n')).not.toContain('not-a-token');
  });

  it('#14 traces the object-level policy decision as its own span, a child of the request span', async () => {
    const policies = { decide: () => ({ allowed: false as const, reason: 'policy' as const, policyId: 'no-pets-on-sunday' }) };
    const guarded = await startProtected(as, `${upstream.origin}/api`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }, { policies });
    try {
      const token = await as.mint(guarded.server.publicUrl);
      const response = await rpc(guarded.url, token, toolsCall('get_pet', { petId: 3 }), { traceparent: `00-${'b'.repeat(32)}-${HEADER_PARENT}-01` });
      expect(response.body.result.isError).toBe(true);
      const spans = await traceOf('b'.repeat(32), 'tools/call get_pet');
      const request = only(spans, 'tools/call get_pet');
      expect(request.attributes).toMatchObject({ 'mcp.decision': 'deny', 'mcp.decision.reason': 'policy' });
      const cedar = only(spans, 'policy cedar');
      expect(cedar.parentSpanId).toBe(request.spanId);
      expect(cedar.attributes).toEqual({ 'gen_ai.tool.name': 'get_pet', 'mcp.decision': 'deny' });
      expect(spans.some((span) => span.kind === 3)).toBe(false);
      expect(upstream.received).toHaveLength(0);
    } finally {
      await guarded.close();
    }
  });

  it('#14 logs a refused export as a warning, without the token', async () => {
    collector.refuse = true;
    try {
      const token = await as.mint(mcp.server.publicUrl);
      expect((await rpc(mcp.url, token, toolsCall('get_pet', { petId: 2 }))).status).toBe(200);
      for (let i = 0; i < 300 && !mcp.logs.some((line) => line.startsWith('warn tracing')); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(mcp.logs.some((line) => line.startsWith('warn tracing'))).toBe(true);
      expect(mcp.logs.join('\n')).not.toContain(token);
    } finally {
      collector.refuse = false;
    }
  });

  it('#14 names the service after the server', () => {
    expect(collector.resources[0]).toMatchObject({ 'service.name': 'petstore-test' });
  });
});

/** Every string and number of the exported OTLP bodies but the timestamps and the trace and span ids. */
function exportedValues(bodies: readonly string[]): string[] {
  const values: string[] = [];
  const visit = (value: unknown, key: string): void => {
    if (/TimeUnixNano$|^(traceId|spanId|parentSpanId)$/.test(key)) return;
    if (Array.isArray(value)) value.forEach((item) => visit(item, key));
    else if (typeof value === 'object' && value !== null) for (const [name, item] of Object.entries(value)) visit(item, name);
    else if (typeof value === 'string' || typeof value === 'number') values.push(String(value));
  };
  for (const body of bodies) visit(JSON.parse(body) as unknown, '');
  return values;
}
