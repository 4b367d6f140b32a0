/**
 * #9 settings as one declarative list: every variable of the list — the server's own settings and the upstream
 * credential variables of the spec's schemes — reaches --help, .env.example, the README table, and exactly one of the
 * Kubernetes ConfigMap and Secret as its `secret` flag says; --print-config never shows a secret's value; the readers
 * apply each definition's own default and parser.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { KUSTOMIZE_BASE_DIR, emitServer, toServerDefinition } from '../../src/emit/emit-server.js';
import { buildModel } from '../../src/model/build-model.js';
import { helpText, printConfig } from '../../templates/runtime/main.js';
import { readSetting, settingDefinitions } from '../../templates/runtime/setting-definitions.js';
import type { SettingDefinition } from '../../templates/runtime/setting-definitions.js';
import { describeAllSettings, readSettings } from '../../templates/runtime/settings.js';
import { operation, spec } from '../support/normalized.js';

/** A project whose upstream uses every kind of credential: API key, Basic, bearer and the client credentials grant. */
function emitted() {
  const model = buildModel(
    spec({ operations: [operation({ method: 'GET', path: '/a', operationId: 'a' })] }),
    parseConfig(
      {
        upstream: {
          securitySchemes: {
            key: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
            login: { type: 'http', scheme: 'basic' },
            tok: { type: 'http', scheme: 'bearer' },
            cc: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://auth.example.com/token', scopes: { 'api:read': 'Read' } } } },
          },
          security: [{ key: [] }, { login: [] }, { tok: [] }, { cc: ['api:read'] }],
        },
      },
      'portcullis.yaml',
    ),
    { specFile: 'spec.yaml' },
  ).value!;
  const files = new Map(emitServer(model).map((file) => [file.path, file.contents]));
  return { definition: toServerDefinition(model), files };
}

describe('#9 one settings list', () => {
  const { definition, files } = emitted();
  const rows = describeAllSettings(definition);

  it('#9 the list holds the server settings and every kind of upstream variable, secret or not', () => {
    const variables = rows.map((row) => row.variable);
    expect(new Set(variables).size).toBe(variables.length);
    expect(variables).toEqual(expect.arrayContaining(['HOST', 'OAUTH_INTROSPECTION_CLIENT_SECRET', 'UPSTREAM_KEY_API_KEY', 'UPSTREAM_LOGIN_PASSWORD', 'UPSTREAM_TOK_TOKEN', 'UPSTREAM_CC_CLIENT_SECRET', 'UPSTREAM_CC_TOKEN_URL']));
    expect(rows.filter((row) => row.secret).map((row) => row.variable)).toEqual([
      'REDIS_URL',
      'REDIS_CACHE_KEY',
      'CONSENT_KEY',
      'OAUTH_INTROSPECTION_CLIENT_SECRET',
      // #14: the headers of OTLP exports may carry a hosted collector's API key.
      'OTEL_EXPORTER_OTLP_HEADERS',
      'UPSTREAM_CC_CLIENT_ID',
      'UPSTREAM_CC_CLIENT_SECRET',
      'UPSTREAM_KEY_API_KEY',
      'UPSTREAM_LOGIN_USERNAME',
      'UPSTREAM_LOGIN_PASSWORD',
      'UPSTREAM_TOK_TOKEN',
      // #11: the client of the token exchange a bearer scheme may use to act for the user.
      'UPSTREAM_TOK_CLIENT_ID',
      'UPSTREAM_TOK_CLIENT_SECRET',
    ]);
  });

  it('#9 every variable is in --help, marked secret exactly when it is one', () => {
    const help = helpText(definition);
    for (const row of rows) {
      const line = help.split('\n').find((candidate) => new RegExp(`^  ${row.variable} +\\S`).test(candidate));
      expect(line, row.variable).toBeDefined();
      expect(line!.includes(row.description), row.variable).toBe(true);
      expect(/[(;] ?secret\)$/.test(line!), row.variable).toBe(row.secret);
    }
  });

  it('#9 every variable is in .env.example once, a secret with no value and any other with its example', () => {
    const text = files.get('.env.example')!;
    const entries = text.split('\n').filter((line) => /^# [A-Z_][A-Z0-9_]*=/.test(line)).map((line) => line.slice(2));
    expect(entries.map((entry) => entry.slice(0, entry.indexOf('='))).sort()).toEqual(rows.map((row) => row.variable).sort());
    const values = parseEnv(entries.join('\n'));
    for (const row of rows) expect(values[row.variable], row.variable).toBe(row.secret ? '' : row.example);
  });

  it('#9 every variable is a row of a README settings table', () => {
    const readme = files.get('README.md')!;
    for (const row of rows) {
      const line = readme.split('\n').find((candidate) => candidate.startsWith(`| \`${row.variable}\` |`));
      expect(line, row.variable).toBeDefined();
      expect(line!.includes(' Secret'), row.variable).toBe(row.secret);
    }
  });

  it('#9 every variable a Deployment reads is in exactly one of the ConfigMap and the Secret, as its secret flag says', () => {
    const configText = files.get(`${KUSTOMIZE_BASE_DIR}/configmap.yaml`)!;
    const configMap = parseYaml(configText) as { data: Record<string, string> };
    const secret = parseYaml(files.get(`${KUSTOMIZE_BASE_DIR}/secret.yaml`)!) as { stringData: Record<string, string> };
    for (const row of rows) {
      // In the ConfigMap: set, or named in a commented-out entry that documents it.
      const inConfigMap = Object.hasOwn(configMap.data, row.variable) || new RegExp(`^  # ${row.variable}: `, 'm').test(configText);
      const inSecret = Object.hasOwn(secret.stringData, row.variable);
      // A Deployment serves HTTP: a stdio-only setting is in neither.
      const served = row.transport !== 'stdio';
      expect({ variable: row.variable, inConfigMap, inSecret }).toEqual({ variable: row.variable, inConfigMap: served && !row.secret, inSecret: served && row.secret });
    }
    expect(Object.keys(secret.stringData)).toEqual(rows.filter((row) => row.secret).map((row) => row.variable));
  });

  it("#9 --print-config shows every variable, and never a secret's value", () => {
    const env = Object.fromEntries(rows.map((row, index) => [row.variable, `value-${index}-${row.variable.toLowerCase()}`]));
    const printed = printConfig(definition, env);
    for (const [index, row] of rows.entries()) {
      const line = printed.split('\n').find((candidate) => candidate.startsWith(`${row.variable}=`));
      const note = row.transport === 'stdio' ? ' \\(not used over HTTP\\)' : '';
      expect(line, row.variable).toMatch(row.secret ? /=\[redacted\] +# env$/ : new RegExp(`=value-${index}-\\S+ +# env${note}$`));
      if (row.secret) expect(printed).not.toContain(`value-${index}-`);
    }
  });

  it('#9 --print-config over stdio says which settings only HTTP reads', () => {
    const printed = printConfig(definition, {}, true);
    expect(printed).toMatch(/^OAUTH_ISSUER= +# unset \(not used over stdio\)$/m);
    expect(printed).toMatch(/^UPSTREAM_TIMEOUT_MS=30000 +# default$/m);
    expect(printed).toMatch(/^MCP_STDIO_CLAIMS= +# unset$/m);
    expect(printConfig(definition, {})).toMatch(/^MCP_STDIO_CLAIMS= +# unset \(not used over HTTP\)$/m);
    expect(printed).toMatch(/^UPSTREAM_CC_TOKEN_URL=https:\/\/auth\.example\.com\/token +# default$/m);
  });
});

describe('#9 the readers derive from the definitions', () => {
  const server = { ...emitted().definition, baseUrl: 'https://api.example.com' };
  const definitions = settingDefinitions(server);
  const base = { OAUTH_ISSUER: 'https://auth.example.com', MCP_PUBLIC_URL: 'https://mcp.example.com/mcp' };
  /** The value readSettings gives a definition, found by its key in Settings or Settings.auth. */
  const valueOf = (settings: ReturnType<typeof readSettings>, key: string): unknown =>
    Object.hasOwn(settings, key) ? (settings as unknown as Record<string, unknown>)[key] : (settings.auth as unknown as Record<string, unknown>)[key];

  /** #14: read together into Settings.observability (observability-settings.ts), tested in test/runtime/metrics.test.ts. */
  const OBSERVABILITY_KEYS = ['metricsPort', 'metricsHost', 'metricsAllowUnauthenticated', 'otlpEndpoint', 'otlpTracesEndpoint', 'otelServiceName', 'otlpHeaders'];

  it('#9 an unset variable reads as its fallback and a set one as its parse, for every definition read directly', () => {
    const defaults = readSettings(base, server);
    const direct = Object.entries(definitions).filter(([key]) => !['introspectionUrl', 'introspectionClientId', 'introspectionClientSecret', 'authMode', 'publicUrl', 'issuer', 'stdioClaims', 'redisUrl', 'redisKeyPrefix', 'redisCacheKey', ...OBSERVABILITY_KEYS].includes(key));
    expect(direct.length).toBeGreaterThan(25);
    for (const [key, definition] of direct as [string, SettingDefinition<unknown, unknown>][]) {
      expect(valueOf(defaults, key), key).toEqual(readSetting({}, definition));
      const set = readSettings({ ...base, [definition.variable]: definition.example }, server);
      expect(valueOf(set, key), key).toEqual(definition.parse(definition.example));
    }
  });

  it('#9 each documented default is the fallback the reader applies', () => {
    for (const [key, definition] of Object.entries(definitions) as [string, SettingDefinition<unknown, unknown>][]) {
      if (definition.fallback === undefined || (Array.isArray(definition.fallback) && definition.fallback.length === 0)) continue;
      const shown = Array.isArray(definition.fallback) ? definition.fallback.join(',') : String(definition.fallback);
      expect(definition.default, key).toBe(shown);
    }
  });
});

describe('#9 settings modules', () => {
  it('#9 no runtime module imports, directly or not, one that imports it', () => {
    const dir = new URL('../../templates/runtime/', import.meta.url);
    const imports = new Map<string, string[]>();
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      // Type-only imports vanish at run time but still tie the modules together: they count.
      const targets = [...source.matchAll(/^(?:import|export)[^'";]*?from '\.\/([\w-]+)\.js';/gm)].map((match) => `${match[1]}.ts`);
      imports.set(file, targets);
    }
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      for (const next of imports.get(file) ?? []) {
        if (next === path[0]) cycles.push([...path, next].join(' → '));
        else if (!path.includes(next)) visit(next, [...path, next]);
      }
    };
    for (const file of ['settings.ts', 'auth-settings.ts', 'setting-definitions.ts', 'setting-parsers.ts', 'credentials.ts']) visit(file, [file]);
    expect(cycles).toEqual([]);
  });
});
