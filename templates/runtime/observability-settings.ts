/**
 * The settings of metrics (metrics.ts) and tracing (tracing.ts), read from their rows in setting-definitions.ts.
 * Pure: the generator imports the settings modules to document them, so nothing here may run at import.
 */

import { readSetting } from './setting-definitions.js';
import type { SettingDefinitions } from './setting-definitions.js';

export interface MetricsSettings {
  /** The port of a separate listener serving only GET /metrics (0: any free port); undefined: none. */
  readonly port: number | undefined;
  /** The interface that listener binds to (METRICS_HOST, else HOST). */
  readonly host: string;
  /** Whether GET /metrics is served on the main port too (METRICS_ALLOW_UNAUTHENTICATED=true). */
  readonly onMainPort: boolean;
}

export interface TracingSettings {
  /** The OTLP/HTTP URL spans are posted to. */
  readonly tracesUrl: string;
  /** OTEL_SERVICE_NAME, when set. */
  readonly serviceName: string | undefined;
}

export interface ObservabilitySettings {
  /** Undefined when /metrics is served nowhere: nothing is counted then. */
  readonly metrics: MetricsSettings | undefined;
  /** Undefined when no OTLP endpoint is set: the OpenTelemetry SDK is not even loaded then. */
  readonly tracing: TracingSettings | undefined;
}

/** Reads METRICS_* and the OTEL_* variables this server looks at itself; throws SettingError on a malformed one. */
export function readObservabilitySettings(env: NodeJS.ProcessEnv, settings: SettingDefinitions, host: string): ObservabilitySettings {
  const port = readSetting(env, settings.metricsPort);
  const metricsHost = readSetting(env, settings.metricsHost) ?? host;
  const onMainPort = readSetting(env, settings.metricsAllowUnauthenticated) === 'true';
  const base = readSetting(env, settings.otlpEndpoint);
  const traces = readSetting(env, settings.otlpTracesEndpoint);
  const serviceName = readSetting(env, settings.otelServiceName);
  // Read only to refuse a malformed value early; the exporter reads it from the environment itself.
  readSetting(env, settings.otlpHeaders);
  // OpenTelemetry specification, exporter configuration: the signal-specific URL is used as is; the base one gets the
  // signal's path appended.
  const tracesUrl = traces ?? (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
  return {
    metrics: port !== undefined || onMainPort ? { port, host: metricsHost, onMainPort } : undefined,
    tracing: tracesUrl === undefined ? undefined : { tracesUrl, serviceName },
  };
}
