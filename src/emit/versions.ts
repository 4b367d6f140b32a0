/**
 * Dependency versions pinned in every emitted package.json. They equal the versions this repository installs
 * (a test checks), so the type-check of `generated/` runs against exactly what users get. All run on Node 20.
 */
export const EMITTED_DEPENDENCIES = {
  '@cedar-policy/cedar-wasm': '4.13.0',
  '@modelcontextprotocol/client': '2.4.0',
  '@modelcontextprotocol/server': '2.4.0',
  '@opentelemetry/api': '1.9.0',
  '@opentelemetry/core': '2.12.1',
  '@opentelemetry/exporter-trace-otlp-http': '0.223.1',
  '@opentelemetry/resources': '2.12.1',
  '@opentelemetry/sdk-trace-base': '2.12.1',
  '@opentelemetry/sdk-trace-node': '2.12.1',
  ajv: '8.20.0',
  ioredis: '6.0.0',
  jose: '6.2.18',
  'ajv-formats': '3.0.1',
  pino: '10.4.0',
  'prom-client': '15.1.3',
  re2js: '2.10.0',
} as const;

export const EMITTED_DEV_DEPENDENCIES = {
  '@types/node': '20.19.43',
  typescript: '5.9.3',
} as const;
