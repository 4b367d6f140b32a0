/**
 * #9 the emitted server as a process at start: a variable with one of our prefixes that no setting reads is warned
 * about once, by name only, with the known variable it most likely meant; --stdio says on stderr that it serves.
 */
import { CALL_VARIABLES } from '../../templates/runtime/call-settings.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { describeSettings } from '../../templates/runtime/settings.js';
import { editDistance, findUnknownSettings, SETTING_PREFIXES } from '../../templates/runtime/unknown-settings.js';
import { runEntry, type ExitedProcess } from '../support/run-entry.js';
import { scratchDir } from '../support/scratch.js';

const MAIN = new URL('../../templates/runtime/main.ts', import.meta.url).href;

let dir: string;
let entry: string;

beforeAll(() => {
  dir = scratchDir('startup');
  const definition = JSON.parse(readFileSync(new URL('./fixtures/tools.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  definition.securitySchemes = {
    key: { name: 'key', envPrefix: 'UPSTREAM_PETSTORE_KEY', type: 'apiKey', in: 'header', parameterName: 'X-Api-Key' },
    github: { name: 'github', envPrefix: 'UPSTREAM_GITHUB', type: 'bearer' },
    cc: { name: 'cc', envPrefix: 'UPSTREAM_CC', type: 'oauth2ClientCredentials', tokenUrl: 'https://auth.example.com/token', scopes: ['read'] },
  };
  const file = join(dir, 'tools.json');
  writeFileSync(file, JSON.stringify(definition));
  entry = join(dir, 'entry.mts');
  writeFileSync(entry, `import { main } from ${JSON.stringify(MAIN)};\nawait main(new URL(${JSON.stringify(pathToFileURL(file).href)}));\n`);
});

/** Runs the server over --stdio with stdin closed: it starts, logs, and exits when the client goes away. */
function runStdio(env: Record<string, string>): Promise<ExitedProcess> {
  return runEntry(entry, ['--stdio'], { UPSTREAM_BASE_URL: 'http://127.0.0.1:9', UPSTREAM_PETSTORE_KEY_API_KEY: 'k', UPSTREAM_CC_CLIENT_ID: 'c', UPSTREAM_GITHUB_TOKEN: 't', UPSTREAM_CC_CLIENT_SECRET: 's', ...env });
}

function logLines(stderr: string, level: string): Record<string, unknown>[] {
  return stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.level === level);
}

describe('#9 unknown settings at start', () => {
  it('#9 one warning per unknown variable of our prefixes, names only, with "did you mean"', async () => {
    const secret = 'sup3r-secret-value';
    const { code, stdout, stderr } = await runStdio({
      OAUTH_AUDIENCES: secret,
      UPSTREAM_TIMEOUT: secret,
      mcp_max_body_bytes: secret,
      AUDIT_LOGS: secret,
      RATE_LIMIT_BRUST: secret,
      UPSTREAM_PETSTORE_KEY_APIKEY: secret,
      UPSTREAM_PAT_TOKEN: secret,
      MCP_WHATEVER_ELSE_ENTIRELY: secret,
      // Not ours: never mentioned.
      OTHER_SETTING: secret,
      MCPX: secret,
    });
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).not.toContain(secret);
    const warned = logLines(stderr, 'warn').map((line) => [line.variable, line.suggestion, line.msg]);
    expect(warned).toEqual([
      ['AUDIT_LOGS', 'AUDIT_LOG', 'unknown setting AUDIT_LOGS is ignored; did you mean AUDIT_LOG?'],
      [
        'MCP_WHATEVER_ELSE_ENTIRELY',
        undefined,
        expect.stringMatching(/^unknown setting MCP_WHATEVER_ELSE_ENTIRELY is ignored; the known MCP_ variables nearest to it are MCP_[A-Z_]+, MCP_[A-Z_]+, MCP_[A-Z_]+ \(see --help\)$/),
      ],
      ['OAUTH_AUDIENCES', 'OAUTH_AUDIENCE', 'unknown setting OAUTH_AUDIENCES is ignored; did you mean OAUTH_AUDIENCE?'],
      ['RATE_LIMIT_BRUST', 'RATE_LIMIT_BURST', 'unknown setting RATE_LIMIT_BRUST is ignored; did you mean RATE_LIMIT_BURST?'],
      // No scheme PAT: the known variables ending in _TOKEN come first.
      ['UPSTREAM_PAT_TOKEN', undefined, expect.stringMatching(/^unknown setting UPSTREAM_PAT_TOKEN is ignored; the known UPSTREAM_ variables nearest to it are UPSTREAM_GITHUB_TOKEN, UPSTREAM_[A-Z_]+, UPSTREAM_[A-Z_]+ \(see --help\)$/)],
      ['UPSTREAM_PETSTORE_KEY_APIKEY', 'UPSTREAM_PETSTORE_KEY_API_KEY', 'unknown setting UPSTREAM_PETSTORE_KEY_APIKEY is ignored; did you mean UPSTREAM_PETSTORE_KEY_API_KEY?'],
      // Three edits away: no "did you mean", but the nearest known variable is named first.
      ['UPSTREAM_TIMEOUT', undefined, expect.stringMatching(/^unknown setting UPSTREAM_TIMEOUT is ignored; the known UPSTREAM_ variables nearest to it are UPSTREAM_TIMEOUT_MS, /)],
      ['mcp_max_body_bytes', 'MCP_MAX_BODY_BYTES', 'unknown setting mcp_max_body_bytes is ignored; did you mean MCP_MAX_BODY_BYTES?'],
    ]);
  });

  it('#9 every known variable, credentials and overrides included, passes without a warning', async () => {
    const { code, stderr } = await runStdio({ OAUTH_AUDIENCE: 'x', MCP_ALLOWED_ORIGINS: 'https://a.example', AUDIT_LOG: '/dev/null', RATE_LIMIT_BURST: '5', UPSTREAM_CC_SCOPE: 'read', UPSTREAM_CC_TOKEN_URL: 'https://auth.example.com/t' });
    expect(code).toBe(0);
    expect(logLines(stderr, 'warn')).toEqual([]);
  });

  it('#9 --stdio says on stderr, once, that it serves, how many tools, and that no token is checked', async () => {
    const { stdout, stderr } = await runStdio({});
    expect(stdout).toBe('');
    const serving = logLines(stderr, 'info').filter((line) => String(line.msg).startsWith('MCP server serving'));
    expect(serving).toEqual([
      expect.objectContaining({ msg: 'MCP server serving 3 tools over stdio (no token checks: the caller is whoever started this process)', transport: 'stdio', tools: 3 }),
    ]);
  });

  it('#9 findUnknownSettings is bounded and deterministic for odd names', () => {
    const long = `MCP_${'X'.repeat(10_000)}`;
    const [warning] = findUnknownSettings({ [long]: 'v' }, ['MCP_PUBLIC_URL']);
    expect(warning!.message.length).toBeLessThan(300);
    expect(findUnknownSettings({ 'MCP_\n\u202eX': 'v' }, ['MCP_PUBLIC_URL'])[0]!.message).toBe(
      'unknown setting MCP_\\u000a\\u202eX is ignored; the known MCP_ variables nearest to it are MCP_PUBLIC_URL (see --help)',
    );
    expect(editDistance('OAUTH_AUDIENCES', 'OAUTH_AUDIENCE')).toBe(1);
    expect(editDistance('RATE_LIMIT_BRUST', 'RATE_LIMIT_BURST')).toBe(2);
  });

  it('#9 every variable name of our prefixes the runtime reads is a known setting, so none is warned about when set', () => {
    const runtime = new URL('../../templates/runtime/', import.meta.url);
    const pattern = new RegExp(`'((?:${SETTING_PREFIXES.join('|')})[A-Z0-9_]+)'`, 'g');
    const read = new Set<string>();
    for (const file of readdirSync(runtime).filter((name) => name.endsWith('.ts'))) {
      for (const match of readFileSync(new URL(file, runtime), 'utf8').matchAll(pattern)) read.add(match[1]!);
    }
    expect(read.size).toBeGreaterThan(20);
    const known = [...describeSettings().map((row) => row.variable), ...CALL_VARIABLES];
    expect([...read].filter((name) => !known.includes(name))).toEqual([]);
    expect(findUnknownSettings(Object.fromEntries(known.map((name) => [name, 'x'])), known)).toEqual([]);
  });
});
