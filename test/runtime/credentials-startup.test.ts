/**
 * #8 the emitted server as a process: one start-up warning naming missing upstream credential variables and their
 * tools, a malformed token URL override refusing start, and the token URL and scope printed by --print-config.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runEntry, type ExitedProcess } from '../support/run-entry.js';
import { scratchDir } from '../support/scratch.js';

const MAIN = new URL('../../templates/runtime/main.ts', import.meta.url).href;

let dir: string;
let entry: string;

beforeAll(() => {
  dir = scratchDir('credentials');
  const definition = JSON.parse(readFileSync(new URL('./fixtures/tools.json', import.meta.url), 'utf8')) as { tools: Record<string, unknown>[] } & Record<string, unknown>;
  definition.securitySchemes = {
    bearer: { name: 'bearer', envPrefix: 'UPSTREAM_BEARER', type: 'bearer' },
    key: { name: 'key', envPrefix: 'UPSTREAM_KEY', type: 'apiKey', in: 'header', parameterName: 'X-Api-Key' },
    cc: { name: 'cc', envPrefix: 'UPSTREAM_CC', type: 'oauth2ClientCredentials', tokenUrl: '/oauth/token', scopes: ['read'] },
  };
  const template = definition.tools[0]!;
  definition.tools = [
    ...Array.from({ length: 8 }, (_, index) => ({ ...template, name: `read_${index}`, upstreamSecurity: [['bearer']] })),
    { ...template, name: 'keyed', upstreamSecurity: [['key']] },
    { ...template, name: 'open', upstreamSecurity: [] },
  ];
  const file = join(dir, 'tools.json');
  writeFileSync(file, JSON.stringify(definition));
  entry = join(dir, 'entry.mts');
  writeFileSync(entry, `import { main } from ${JSON.stringify(MAIN)};\nawait main(new URL(${JSON.stringify(pathToFileURL(file).href)}));\n`);
});

/** Runs the server; over --stdio with stdin closed it starts, logs, and exits when the client goes away. */
function run(args: string[], env: Record<string, string>): Promise<ExitedProcess> {
  return runEntry(entry, args, { UPSTREAM_BASE_URL: 'http://127.0.0.1:9', ...env });
}

/** The JSON log lines of stderr at level warn. */
function warnings(stderr: string): { msg: string }[] {
  return stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: string; msg: string }).filter((line) => line.level === 'warn');
}

describe('#8 upstream credentials at start-up', () => {
  it('#8 warns once, naming each missing variable and (bounded) the tools that need it', async () => {
    const exited = await run(['--stdio'], { UPSTREAM_BEARER_TOKEN: '' });
    expect(exited.code).toBe(0);
    expect(warnings(exited.stderr).map((line) => line.msg)).toEqual([
      'upstream credentials are not configured, so these tools call the API without them and the API decides: '
      + 'set UPSTREAM_BEARER_TOKEN (security scheme "bearer") for tools read_0, read_1, read_2, read_3, read_4 and 3 more; '
      + 'set UPSTREAM_KEY_API_KEY (security scheme "key") for tool keyed',
    ]);
  }, 30_000);

  it('#8 does not warn when every tool has its credentials, and never logs their values', async () => {
    const exited = await run(['--stdio'], { UPSTREAM_BEARER_TOKEN: 'bearer-value-3c2d', UPSTREAM_KEY_API_KEY: 'key-value-1a0b' });
    expect(exited.code).toBe(0);
    expect(warnings(exited.stderr)).toEqual([]);
    expect(exited.stderr).not.toContain('bearer-value-3c2d');
    expect(exited.stderr).not.toContain('key-value-1a0b');
  }, 30_000);

  it('#8 a malformed UPSTREAM_CC_TOKEN_URL refuses start with one error line naming it', async () => {
    const exited = await run(['--stdio'], { UPSTREAM_CC_TOKEN_URL: 'http://auth.example.com/token' });
    expect(exited.code).toBe(1);
    expect(exited.stderr).toBe('error: UPSTREAM_CC_TOKEN_URL: "http://auth.example.com/token" must use https (plain http is accepted for loopback hosts only). Example: UPSTREAM_CC_TOKEN_URL=https://auth.example.com/oauth2/token\n');
  }, 30_000);

  it('#8 a client ID with the spec\'s relative token URL and no override refuses start naming UPSTREAM_CC_TOKEN_URL', async () => {
    const exited = await run(['--stdio'], { UPSTREAM_CC_CLIENT_ID: 'id', UPSTREAM_CC_CLIENT_SECRET: 'cc-secret-77' });
    expect(exited.code).toBe(1);
    expect(exited.stderr).toMatch(/^error: UPSTREAM_CC_TOKEN_URL: is required when UPSTREAM_CC_CLIENT_ID is set: the token URL "\/oauth\/token" of the spec is not an absolute URL\. /);
    expect(exited.stderr).not.toContain('cc-secret-77');
  }, 30_000);

  it('#8 --print-config shows the token URL and scope as they are, and keeps the client secret redacted', async () => {
    const exited = await run(['--stdio', '--print-config'], {
      UPSTREAM_CC_CLIENT_ID: 'id', UPSTREAM_CC_CLIENT_SECRET: 'cc-secret-77', UPSTREAM_CC_TOKEN_URL: 'https://staging.example.com/token', UPSTREAM_CC_SCOPE: 'read write',
    });
    expect(exited.code).toBe(0);
    expect(exited.stdout).toMatch(/^UPSTREAM_CC_TOKEN_URL=https:\/\/staging\.example\.com\/token +# env$/m);
    expect(exited.stdout).toMatch(/^UPSTREAM_CC_SCOPE=read write +# env$/m);
    expect(exited.stdout).toMatch(/^UPSTREAM_CC_CLIENT_SECRET=\[redacted\] +# env$/m);
    expect(exited.stdout).not.toContain('cc-secret-77');
  }, 30_000);
});
