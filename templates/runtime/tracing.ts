/**
 * OpenTelemetry tracing of the HTTP server, exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set. Without it the SDK is never imported: tracing costs nothing.
 *
 * Each MCP request is a SERVER span (`tools/call get_pet`), with children: `authorization` (the bearer token check),
 * `policy` (the tool's scopes and roles) and `policy cedar` (object-level policies), and a CLIENT span per upstream
 * request whose W3C `traceparent` (W3C Trace Context §3.2) is the one sent upstream. The parent of the request span is
 * the `traceparent` of the first message's `_meta` (MCP 2026-07-28 basic/index#_meta), else the request's
 * `traceparent` header, else none (a new trace).
 *
 * Attributes never hold a token, a secret, a caller's identity or an argument value: the upstream span names the
 * method, the tool's path template (`url.template`) and the server, never the URL's path or query.
 */

import type { IncomingMessage } from 'node:http';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import type { Caller } from './caller.js';
import type { ToolDefinition } from './definition.js';
import type { PolicyEngine } from './policies.js';
import type { Log } from './settings.js';
import type { ToolPolicy } from './mcp-server.js';
import type { TracingSettings } from './observability-settings.js';
import { traceparentOf } from './trace-context.js';

type Api = typeof import('@opentelemetry/api');

/** One HTTP request to the MCP endpoint being traced. */
export interface RequestTrace {
  /** Records a phase that ran from `startMs` (performance.now) until now as a child span. */
  phase(name: string, startMs: number, attributes: Attributes, failed?: boolean): void;
  /** Starts the request span (if not yet), as a child of the body's `_meta.traceparent` or of the header's. */
  open(body: unknown, attributes: Attributes): void;
  /** Runs `work` with the request span as the active span, so policy and upstream spans become its children. */
  run<T>(work: () => T): T;
  /** Ends the request span with the response's status; returns its trace id (for the audit lines). */
  end(status: number, attributes: Attributes): string;
}

/** One upstream request being traced. */
export interface UpstreamTrace {
  /** The W3C traceparent of the upstream span, to send on the request. */
  readonly traceparent: string;
  /** The trace id, to tell the propagated traceparent from a tool's own header. */
  readonly traceId: string;
  /** Ends the span with the response's status, or as failed. */
  end(outcome: number | 'error' | 'timeout'): void;
}

export interface Tracing {
  /** The trace of one request to the MCP endpoint. */
  request(req: IncomingMessage): RequestTrace;
  /** A CLIENT span for an upstream request, a child of the active span. */
  upstream(method: string, url: URL, template: string | undefined, tool: string | undefined): UpstreamTrace;
  /** Wraps a tool policy so that each check is a `policy` span. */
  toolPolicy(policy: ToolPolicy): ToolPolicy;
  /** Wraps a policy engine so that each decision is a `policy cedar` span. */
  policies(engine: PolicyEngine): PolicyEngine;
  /** Exports every ended span now (on shutdown). */
  flush(): Promise<void>;
}

let started: Promise<Tracing> | undefined;

/** The process's tracing: started once (the OpenTelemetry API's providers are global), exporting to `settings.tracesUrl`. */
export function startTracing(settings: TracingSettings, service: { readonly name: string; readonly version: string }, log?: Log): Promise<Tracing> {
  started ??= load(settings, service, log);
  return started;
}

/** Imports the SDK, registers a provider exporting in batches over OTLP/HTTP (JSON), and returns the tracing. */
async function load(settings: TracingSettings, service: { readonly name: string; readonly version: string }, log: Log | undefined): Promise<Tracing> {
  const [api, node, base, exporter, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  // Ours first, then OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME (read by the env detector) over it.
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': settings.serviceName ?? service.name, 'service.version': service.version }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new node.NodeTracerProvider({
    resource,
    // OTEL_BSP_* tune the batches; OTEL_TRACES_SAMPLER the sampling; OTEL_EXPORTER_OTLP_HEADERS the export's headers.
    spanProcessors: [new base.BatchSpanProcessor(new exporter.OTLPTraceExporter({ url: settings.tracesUrl }))],
  });
  provider.register();
  // The SDK reports failed exports (a collector down or refusing) through its diagnostic logger: to the log, as warnings.
  if (log) {
    const warn = (message: string) => log('warn', 'tracing', { message: message.slice(0, 500) });
    const quiet = () => undefined;
    api.diag.setLogger({ error: warn, warn, info: quiet, debug: quiet, verbose: quiet }, api.DiagLogLevel.WARN);
  }
  return createTracing(api, api.trace.getTracer('mcp-server', service.version), () => provider.forceFlush());
}

/** Milliseconds since the epoch with sub-millisecond precision, for spans whose start is recorded before they exist. */
function epochMs(performanceMs: number): number {
  return performance.timeOrigin + performanceMs;
}

function createTracing(api: Api, tracer: Tracer, flush: () => Promise<void>): Tracing {
  const { context, propagation, trace, SpanKind, SpanStatusCode, ROOT_CONTEXT } = api;

  /** The context of a valid `traceparent` value, or undefined. */
  const remote = (traceparent: string | undefined): Context | undefined => {
    if (traceparent === undefined) return undefined;
    const extracted = propagation.extract(ROOT_CONTEXT, { traceparent });
    return trace.getSpanContext(extracted) ? extracted : undefined;
  };

  /** Runs `decide` in a child span of the active one named `name`, marked as an error when it refuses. */
  function decided<T extends { allowed: boolean; reason?: string }>(name: string, attributes: Attributes, decide: () => T): T {
    const span = tracer.startSpan(name, { attributes }, context.active());
    try {
      const decision = decide();
      span.setAttribute('mcp.decision', decision.allowed ? 'allow' : 'deny');
      return decision;
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  }

  return {
    request(req) {
      const started = performance.now();
      const header = req.headers.traceparent;
      const fromHeader = remote(typeof header === 'string' ? traceparentOf({ traceparent: header }) : undefined);
      const phases: { name: string; start: number; end: number; attributes: Attributes; failed: boolean }[] = [];
      let span: Span | undefined;
      let active: Context | undefined;
      const open = (body: unknown, attributes: Attributes) => {
        if (span) return;
        const parent = remote(firstTraceparent(body)) ?? fromHeader ?? ROOT_CONTEXT;
        span = tracer.startSpan(spanName(attributes, req), { kind: SpanKind.SERVER, startTime: epochMs(started), attributes: { 'http.request.method': req.method ?? 'GET', ...attributes } }, parent);
        active = trace.setSpan(parent, span);
        for (const phase of phases.splice(0)) addPhase(phase);
      };
      const addPhase = (phase: (typeof phases)[number]) => {
        const child = tracer.startSpan(phase.name, { startTime: epochMs(phase.start), attributes: phase.attributes }, active);
        if (phase.failed) child.setStatus({ code: SpanStatusCode.ERROR });
        child.end(epochMs(phase.end));
      };
      return {
        phase(name, start, attributes, failed = false) {
          const phase = { name, start, end: performance.now(), attributes, failed };
          if (span) addPhase(phase);
          else phases.push(phase);
        },
        open,
        run: (work) => {
          open(undefined, {});
          return context.with(active!, work);
        },
        end(status, attributes) {
          open(undefined, {});
          span!.setAttributes({ 'http.response.status_code': status, ...attributes });
          // OpenTelemetry semantic conventions (HTTP server spans): only 5xx marks the server's span as an error.
          if (status >= 500) span!.setStatus({ code: SpanStatusCode.ERROR });
          span!.end();
          return span!.spanContext().traceId;
        },
      };
    },
    upstream(method, url, template, tool) {
      const span = tracer.startSpan(
        template === undefined ? method : `${method} ${template}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': method,
            'server.address': url.hostname,
            'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
            'url.scheme': url.protocol.slice(0, -1),
            ...(template === undefined ? {} : { 'url.template': template }),
            ...(tool === undefined ? {} : { 'gen_ai.tool.name': tool }),
          },
        },
        context.active(),
      );
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(context.active(), span), carrier);
      const { traceId } = span.spanContext();
      return {
        traceparent: carrier.traceparent ?? '',
        traceId,
        end(outcome) {
          if (typeof outcome === 'number') {
            span.setAttribute('http.response.status_code', outcome);
            // Semantic conventions (HTTP client spans): a 4xx or 5xx answer is an error of the call.
            if (outcome >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
          } else {
            span.setAttribute('error.type', outcome);
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          span.end();
        },
      };
    },
    toolPolicy: (policy) => ({
      canSee: (caller, tool) => policy.canSee(caller, tool),
      check: (caller, tool) => decided('policy', { 'gen_ai.tool.name': tool.name }, () => policy.check(caller, tool)),
      // Discovery (discovery.ts) asks the policy which scopes a step-up would ask for.
      ...(policy.stepUpScopes ? { stepUpScopes: (caller: Caller, tool: ToolDefinition) => policy.stepUpScopes?.(caller, tool) } : {}),
    }),
    policies: (engine) => ({
      decide: (caller, tool, args) => decided('policy cedar', { 'gen_ai.tool.name': tool }, () => engine.decide(caller, tool, args)),
    }),
    flush,
  };
}

/** `tools/call get_pet`, `tools/list`, or `POST` for a request refused before its body was read. */
function spanName(attributes: Attributes, req: IncomingMessage): string {
  const method = attributes['mcp.method.name'];
  const tool = attributes['gen_ai.tool.name'];
  if (typeof method !== 'string') return req.method ?? 'POST';
  return typeof tool === 'string' ? `${method} ${tool}` : method;
}

/** The `_meta.traceparent` of the first message of `body` that carries a valid one. */
function firstTraceparent(body: unknown): string | undefined {
  for (const message of Array.isArray(body) ? body : [body]) {
    if (typeof message !== 'object' || message === null) continue;
    const params = (message as { params?: unknown }).params;
    if (typeof params !== 'object' || params === null) continue;
    const traceparent = traceparentOf((params as { _meta?: unknown })._meta);
    if (traceparent !== undefined) return traceparent;
  }
  return undefined;
}
