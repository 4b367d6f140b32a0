/**
 * `--print-config` as a process: every setting with its effective value and where it came from, secrets redacted,
 * exit 0 without listening; a bad setting still exits 1 naming it.
 */

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeSettings } from '../../templates/runtime/settings.js';
import { runEntry, type ExitedProcess } from '../support/run-entry.js';

const ENTRY = fileURLToPath(new URL('./fixtures/secured-server.ts', import.meta.url));

/** Secret values, each unique so that any leak (even of a part) is found. */
const SECRETS = {
  UPSTREAM_KEY_API_KEY: 'apikey-9f8e7d6c5b4a',
  UPSTREAM_BEARER_TOKEN: 'bearer-1a2b3c4d5e6f',
  UPSTREAM_BASIC_PASSWORD: 'password-0c9b8a7f6e',
  UPSTREAM_CC_CLIENT_SECRET: 'ccsecret-5d4c3b2a1f',
  OAUTH_INTROSPECTION_CLIENT_SECRET: 'introspect-7e6d5c4b3a',
} as const;

function run(args: string[], env: Record<string, string>): Promise<ExitedProcess> {
  return runEntry(ENTRY, args, env);
}

describe('main --print-config', () => {
  it('prints every setting with its value and source, redacts every secret, and exits 0 without listening', async () => {
    const env = {
      ...SECRETS,
      UPSTREAM_BASIC_USERNAME: 'svc-user',
      UPSTREAM_CC_CLIENT_ID: 'svc-client',
      OAUTH_ISSUER: 'https://auth.example.com',
      OAUTH_INTROSPECTION_URL: 'https://auth.example.com/introspect',
      OAUTH_INTROSPECTION_CLIENT_ID: 'introspector',
      PORT: '8123',
      RATE_LIMIT_PER_MINUTE: '120',
    };
    const exited = await run(['--print-config'], env);
    expect(exited.stderr).toBe('');
    expect(exited.code).toBe(0);
    for (const value of Object.values(SECRETS)) {
      expect(exited.stdout).not.toContain(value);
      expect(exited.stdout).not.toContain(value.slice(-6));
    }
    const lines = new Map(
      exited.stdout
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => {
          const [, variable, value, source] = /^([A-Z_]+)=(.*?)\s+# (env|default|unset)(?: \(not used over HTTP\))?$/.exec(line)!;
          return [variable!, { value, source }] as const;
        }),
    );
    // Every documented setting and every credential variable appears.
    for (const { variable } of describeSettings()) expect(lines.has(variable), variable).toBe(true);
    for (const variable of Object.keys(SECRETS)) expect(lines.get(variable)).toEqual({ value: '[redacted]', source: 'env' });
    // #9: the settings list's `secret` flag decides, as for the Kubernetes Secret: every part of a credential.
    expect(lines.get('UPSTREAM_BASIC_USERNAME')).toEqual({ value: '[redacted]', source: 'env' });
    expect(lines.get('UPSTREAM_CC_CLIENT_ID')).toEqual({ value: '[redacted]', source: 'env' });
    expect(lines.get('OAUTH_INTROSPECTION_CLIENT_ID')).toEqual({ value: 'introspector', source: 'env' });
    expect(lines.get('PORT')).toEqual({ value: '8123', source: 'env' });
    expect(lines.get('RATE_LIMIT_PER_MINUTE')).toEqual({ value: '120', source: 'env' });
    expect(lines.get('UPSTREAM_MAX_CONCURRENCY')).toEqual({ value: '64', source: 'default' });
    expect(lines.get('UPSTREAM_BASE_URL')).toEqual({ value: 'http://127.0.0.1:9/unused', source: 'default' });
    expect(lines.get('OAUTH_JWKS_URL')?.source).toBe('default');
  });

  it('exits 1 naming a bad setting, printing no configuration', async () => {
    const exited = await run(['--print-config'], { OAUTH_ISSUER: 'https://auth.example.com', UPSTREAM_MAX_CONCURRENCY: 'lots', ...SECRETS });
    expect(exited.code).toBe(1);
    expect(exited.stdout).toBe('');
    expect(exited.stderr).toBe('error: UPSTREAM_MAX_CONCURRENCY: "lots" is not an integer from 1 to 100000. Example: UPSTREAM_MAX_CONCURRENCY=16\n');
  });
});
