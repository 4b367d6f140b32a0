import { describe, expect, it } from 'vitest';
import type { ServerDefinition } from '../../templates/runtime/definition.js';
import { SettingError } from '../../templates/runtime/errors.js';
import { describeSettings, readSettings } from '../../templates/runtime/settings.js';
import { emptyDefinition } from './fixtures/definition.js';

const definition: ServerDefinition = emptyDefinition();

/** The smallest environment an HTTP server starts with: an authorization server to take tokens from. */
const OAUTH = { OAUTH_ISSUER: 'https://auth.example.com' } as const;

/** The SettingError readSettings throws for `env`, or a failure when it throws none. */
function settingError(env: NodeJS.ProcessEnv, from: ServerDefinition = definition): SettingError {
  try {
    readSettings(env, from);
  } catch (error) {
    if (error instanceof SettingError) return error;
    throw error;
  }
  throw new Error('readSettings accepted the settings');
}

describe('readSettings', () => {
  it('uses the defaults, and the spec server as base URL', () => {
    const settings = readSettings({ ...OAUTH }, definition);
    expect(settings).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      upstreamBaseUrl: 'https://spec.example.com/v2',
      upstreamTimeoutMs: 30_000,
      upstreamMaxResponseBytes: 1_048_576,
      logLevel: 'info',
    });
    expect(settings.credentials).toBeDefined();
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it('reads every variable', () => {
    const settings = readSettings(
      {
        HOST: '0.0.0.0',
        PORT: '8080',
        UPSTREAM_BASE_URL: 'http://localhost:9000/base',
        UPSTREAM_TIMEOUT_MS: '500',
        UPSTREAM_MAX_RESPONSE_BYTES: '2048',
        LOG_LEVEL: 'DEBUG',
        MCP_PUBLIC_URL: 'https://mcp.example.com/mcp',
        ...OAUTH,
      },
      definition,
    );
    expect(settings).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      upstreamBaseUrl: 'http://localhost:9000/base',
      upstreamTimeoutMs: 500,
      upstreamMaxResponseBytes: 2048,
      logLevel: 'debug',
    });
  });

  it('accepts the port bounds 0 and 65535, and IPv6 hosts with or without brackets', () => {
    expect(readSettings({ PORT: '0', ...OAUTH }, definition).port).toBe(0);
    expect(readSettings({ PORT: '65535', ...OAUTH }, definition).port).toBe(65_535);
    expect(readSettings({ HOST: '::1', ...OAUTH }, definition).host).toBe('::1');
    expect(readSettings({ HOST: '[::1]', ...OAUTH }, definition).host).toBe('::1');
    expect(readSettings({ HOST: 'mcp.internal', MCP_PUBLIC_URL: 'https://mcp.example.com/mcp', ...OAUTH }, definition).host).toBe('mcp.internal');
  });

  it('treats an empty value as unset', () => {
    const settings = readSettings({ PORT: '', UPSTREAM_BASE_URL: '  ', LOG_LEVEL: '', ...OAUTH }, definition);
    expect(settings.port).toBe(3000);
    expect(settings.upstreamBaseUrl).toBe('https://spec.example.com/v2');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['PORT', '1e3'],
    ['HOST', 'not a host'],
    ['HOST', 'http://example.com'],
    ['UPSTREAM_BASE_URL', '/relative/path'],
    ['UPSTREAM_BASE_URL', 'ftp://files.example.com'],
    ['UPSTREAM_BASE_URL', 'https://user:secret@api.example.com'],
    ['UPSTREAM_BASE_URL', 'https://api.example.com/#frag'],
    ['UPSTREAM_TIMEOUT_MS', '0'],
    ['UPSTREAM_TIMEOUT_MS', 'soon'],
    ['UPSTREAM_TIMEOUT_MS', '2147483648'],
    ['UPSTREAM_MAX_RESPONSE_BYTES', '0'],
    ['UPSTREAM_MAX_RESPONSE_BYTES', '1MB'],
    ['LOG_LEVEL', 'verbose'],
  ])('refuses %s=%s, naming the variable with an example', (variable, value) => {
    const error = settingError({ ...OAUTH, MCP_PUBLIC_URL: 'https://mcp.example.com/mcp', [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(new RegExp(`^${variable}: `));
    expect(error.message).toContain(JSON.stringify(value));
    expect(error.message).toMatch(new RegExp(`Example: ${variable}=\\S+$`));
    // The example it shows is itself accepted.
    expect(() => readSettings({ ...OAUTH, MCP_PUBLIC_URL: 'https://mcp.example.com/mcp', [variable]: error.example }, definition)).not.toThrow();
  });

  it('refuses to start without any absolute base URL', () => {
    const { baseUrl: _ignored, ...withoutServer } = definition;
    const missing = settingError({ ...OAUTH }, withoutServer);
    expect(missing.variable).toBe('UPSTREAM_BASE_URL');
    expect(missing.message).toContain('Example: UPSTREAM_BASE_URL=https://');

    const relative = settingError({ ...OAUTH }, { ...definition, baseUrl: '/api/v3' });
    expect(relative.variable).toBe('UPSTREAM_BASE_URL');
    expect(relative.message).toContain('"/api/v3"');
  });

  it('collects the upstream credentials, refusing a half-configured scheme', () => {
    const secured: ServerDefinition = {
      ...definition,
      securitySchemes: { login: { name: 'login', envPrefix: 'UPSTREAM_LOGIN', type: 'basic' } },
    };
    expect(readSettings({ ...OAUTH }, secured).credentials.configuredSchemes).toEqual([]);
    expect(readSettings({ UPSTREAM_LOGIN_USERNAME: 'ann', UPSTREAM_LOGIN_PASSWORD: 'pw', ...OAUTH }, secured).credentials.configuredSchemes).toEqual(['login']);
    expect(settingError({ UPSTREAM_LOGIN_USERNAME: 'ann', ...OAUTH }, secured).variable).toBe('UPSTREAM_LOGIN_PASSWORD');
  });

  it('lets UPSTREAM_BASE_URL replace a spec server that is not absolute', () => {
    const settings = readSettings({ UPSTREAM_BASE_URL: 'https://api.example.com', ...OAUTH }, { ...definition, baseUrl: '/api/v3' });
    expect(settings.upstreamBaseUrl).toBe('https://api.example.com');
  });
});

describe('describeSettings', () => {
  it('reads the limits and shutdown settings, with their defaults, refusing values out of range by name', () => {
    expect(readSettings({ ...OAUTH }, definition)).toMatchObject({
      maxBodyBytes: 1_048_576,
      maxConcurrentRequests: 16,
      toolsPageSize: 100,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1000,
      rateLimitPerMinute: 600,
      rateLimitBurst: 100,
      upstreamMaxConcurrency: 64,
      upstreamMaxQueue: 1000,
      upstreamRetries: 2,
      shutdownTimeoutMs: 10_000,
    });
    expect(readSettings({ ...OAUTH, RATE_LIMIT_PER_MINUTE: '0', UPSTREAM_RETRIES: '0', UPSTREAM_MAX_QUEUE: '0', MCP_MAX_BODY_BYTES: '1024' }, definition)).toMatchObject({
      rateLimitPerMinute: 0,
      upstreamRetries: 0,
      upstreamMaxQueue: 0,
      maxBodyBytes: 1024,
    });
    expect(settingError({ ...OAUTH, RATE_LIMIT_BURST: '0' }).message).toBe('RATE_LIMIT_BURST: "0" is not an integer from 1 to 1000000. Example: RATE_LIMIT_BURST=20');
    expect(settingError({ ...OAUTH, UPSTREAM_RETRIES: '11' }).variable).toBe('UPSTREAM_RETRIES');
    expect(settingError({ ...OAUTH, UPSTREAM_MAX_CONCURRENCY: '0' }).variable).toBe('UPSTREAM_MAX_CONCURRENCY');
    expect(settingError({ ...OAUTH, MCP_MAX_BODY_BYTES: '4MB' }).variable).toBe('MCP_MAX_BODY_BYTES');
    expect(settingError({ ...OAUTH, SHUTDOWN_TIMEOUT_MS: '-1' }).variable).toBe('SHUTDOWN_TIMEOUT_MS');
  });

  it('#16 reads the connection and request limits, refusing malformed ones by name', () => {
    expect(
      readSettings(
        { ...OAUTH, MCP_HEADERS_TIMEOUT_MS: '300', MCP_REQUEST_TIMEOUT_MS: '300', MCP_KEEP_ALIVE_TIMEOUT_MS: '1', MCP_MAX_CONNECTIONS: '2', MCP_MAX_CONCURRENT_REQUESTS: '1', MCP_TOOLS_PAGE_SIZE: '1000' },
        definition,
      ),
    ).toMatchObject({ headersTimeoutMs: 300, requestTimeoutMs: 300, keepAliveTimeoutMs: 1, maxConnections: 2, maxConcurrentRequests: 1, toolsPageSize: 1000 });
    for (const [variable, value] of [
      ['MCP_HEADERS_TIMEOUT_MS', '0'],
      ['MCP_HEADERS_TIMEOUT_MS', '10s'],
      ['MCP_REQUEST_TIMEOUT_MS', '2147483648'],
      ['MCP_KEEP_ALIVE_TIMEOUT_MS', '-5'],
      ['MCP_MAX_CONNECTIONS', '0'],
      ['MCP_MAX_CONCURRENT_REQUESTS', '1.5'],
      ['MCP_TOOLS_PAGE_SIZE', '0'],
      ['MCP_TOOLS_PAGE_SIZE', '1001'],
    ] as const) {
      expect(settingError({ ...OAUTH, [variable]: value }).variable).toBe(variable);
    }
    // Node refuses a headers timeout longer than the request timeout, which covers the headers too.
    expect(settingError({ ...OAUTH, MCP_HEADERS_TIMEOUT_MS: '20000', MCP_REQUEST_TIMEOUT_MS: '10000' }).message).toBe(
      'MCP_HEADERS_TIMEOUT_MS: 20000 is longer than MCP_REQUEST_TIMEOUT_MS (10000), which covers the headers too. Example: MCP_HEADERS_TIMEOUT_MS=5000',
    );
  });

  it('documents every variable readSettings reads, each with an accepted example', () => {
    const described = describeSettings();
    expect(described.map((setting) => setting.variable)).toEqual([
      'HOST',
      'PORT',
      'UPSTREAM_BASE_URL',
      'UPSTREAM_TIMEOUT_MS',
      'UPSTREAM_MAX_RESPONSE_BYTES',
      'UPSTREAM_MAX_CONCURRENCY',
      'UPSTREAM_MAX_QUEUE',
      'UPSTREAM_RETRIES',
      'MCP_MAX_BODY_BYTES',
      'MCP_MAX_CONCURRENT_REQUESTS',
      'MCP_TOOLS_PAGE_SIZE',
      'TOOL_MODE',
      'TOOL_MODE_THRESHOLD',
      'MCP_STDIO_CLAIMS',
      'MCP_HEADERS_TIMEOUT_MS',
      'MCP_REQUEST_TIMEOUT_MS',
      'MCP_KEEP_ALIVE_TIMEOUT_MS',
      'MCP_MAX_CONNECTIONS',
      'RATE_LIMIT_PER_MINUTE',
      'RATE_LIMIT_BURST',
      'REDIS_URL',
      'REDIS_KEY_PREFIX',
      'REDIS_CACHE_KEY',
      'SHUTDOWN_TIMEOUT_MS',
      'LOG_LEVEL',
      'CONSENT',
      'CONSENT_KEY',
      'CONSENT_TTL_SECONDS',
      'MCP_PUBLIC_URL',
      'AUTH_MODE',
      'OAUTH_ISSUER',
      'OAUTH_JWKS_URL',
      'OAUTH_AUDIENCE',
      'OAUTH_ROLES_CLAIM',
      'OAUTH_ALGORITHMS',
      'OAUTH_CLOCK_TOLERANCE',
      'OAUTH_INTROSPECTION_URL',
      'OAUTH_INTROSPECTION_CLIENT_ID',
      'OAUTH_INTROSPECTION_CLIENT_SECRET',
      'OAUTH_CHALLENGE_SCOPES',
      'MCP_ALLOWED_ORIGINS',
      'AUDIT_LOG',
      'METRICS_PORT',
      'METRICS_HOST',
      'METRICS_ALLOW_UNAUTHENTICATED',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      'OTEL_SERVICE_NAME',
      'OTEL_EXPORTER_OTLP_HEADERS',
    ]);
    // Every setting at once, introspection complete and a public URL for a non-loopback HOST.
    const complete = { ...OAUTH, MCP_PUBLIC_URL: 'https://mcp.example.com/mcp', OAUTH_INTROSPECTION_URL: 'https://auth.example.com/introspect', OAUTH_INTROSPECTION_CLIENT_ID: 'a', OAUTH_INTROSPECTION_CLIENT_SECRET: 'b' };
    for (const setting of described) {
      expect(setting.description.length).toBeGreaterThan(10);
      // AUTH_MODE's example (none) is for a loopback HOST, which is the default.
      expect(() => readSettings({ ...complete, [setting.variable]: setting.example }, definition)).not.toThrow();
    }
    // The documented defaults are the ones applied.
    const defaults = readSettings({ ...OAUTH }, definition);
    expect(described.find((setting) => setting.variable === 'PORT')?.default).toBe(String(defaults.port));
    expect(described.find((setting) => setting.variable === 'UPSTREAM_TIMEOUT_MS')?.default).toBe(String(defaults.upstreamTimeoutMs));
  });

  it("shows the spec's server as the base URL default when given the definition", () => {
    expect(describeSettings().find((setting) => setting.variable === 'UPSTREAM_BASE_URL')?.default).toBeUndefined();
    expect(describeSettings(definition).find((setting) => setting.variable === 'UPSTREAM_BASE_URL')?.default).toBe('https://spec.example.com/v2');
  });
});
