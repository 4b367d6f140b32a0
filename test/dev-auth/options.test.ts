/** `portcullis dev-auth` flags, the loopback rule for its address and for registered redirect URIs, and tools.json grants. */
import { describe, expect, it } from 'vitest';
import { formatStartup, shellQuote } from '../../src/dev-auth/banner.js';
import { isLoopbackHost, toDevAuthOptions } from '../../src/dev-auth/options.js';
import { isLoopbackRedirectUri } from '../../src/dev-auth/redirect-uris.js';
import { toKnownGrants } from '../../src/dev-auth/tools-file.js';

const LOOPBACK = ['127.0.0.1', '127.0.0.2', '127.255.255.254', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost'];
const NOT_LOOPBACK = ['0.0.0.0', '::', '10.0.0.1', '192.168.1.20', '128.0.0.1', '::ffff:10.0.0.1', '::2', 'example.com', '127.0.0.1.nip.io', 'localhost.example.com', '', ' 127.0.0.1'];

describe('the loopback rule', () => {
  it.each(LOOPBACK)('#9 accepts the loopback host %j', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
    expect(toDevAuthOptions({ host })).toMatchObject({ host });
  });

  it.each(NOT_LOOPBACK)('#9 refuses to listen on the non-loopback host %j', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
    expect(toDevAuthOptions({ host })).toEqual({
      usage: `--host ${JSON.stringify(host)} is not a loopback address: dev-auth is for development on this machine only and listens on 127.0.0.1 or ::1, e.g. --host 127.0.0.1`,
    });
  });

  it.each(['http://127.0.0.1:6274/oauth/callback', 'http://localhost/cb', 'http://[::1]:8080/cb', 'https://127.0.0.9/cb'])('#9 allows the loopback redirect URI %s', (uri) => {
    expect(isLoopbackRedirectUri(uri)).toBe(true);
  });

  it.each(['https://evil.example/cb', 'http://10.0.0.1/cb', 'http://localhost.evil.example/cb', 'http://127.0.0.1@evil.example/cb', 'myapp://callback', 'javascript:alert(1)', 'not a url'])(
    '#9 refuses the redirect URI %s (codes are approved without asking, so they never leave the machine)',
    (uri) => {
      expect(isLoopbackRedirectUri(uri)).toBe(false);
    },
  );
});

describe('toDevAuthOptions', () => {
  it('#9 defaults to 127.0.0.1:4000 for http://127.0.0.1:3000/mcp', () => {
    expect(toDevAuthOptions({})).toEqual({ host: '127.0.0.1', port: 4000, resource: 'http://127.0.0.1:3000/mcp', scopes: [], roles: [] });
  });

  it('#9 merges the scopes and roles of a tools.json with --scopes and --roles, deduplicated', () => {
    expect(toDevAuthOptions({ scopes: 'b c, d', roles: 'r2 r3', tokenScopes: 'a d' }, { scopes: ['a', 'b'], roles: ['r1', 'r2'] })).toEqual({
      host: '127.0.0.1',
      port: 4000,
      resource: 'http://127.0.0.1:3000/mcp',
      scopes: ['a', 'b', 'c', 'd'],
      roles: ['r1', 'r2', 'r3'],
      tokenScopes: ['a', 'd'],
    });
  });

  it.each(['-1', '65536', '4000x', '1e3', ''])('#9 refuses --port %j', (port) => {
    expect(toDevAuthOptions({ port })).toEqual({ usage: `--port ${JSON.stringify(port)} is not a TCP port from 0 to 65535, e.g. --port 4000` });
  });

  it.each([
    ['/mcp', 'is not an absolute URL'],
    ['ftp://127.0.0.1/mcp', "must be an http(s) URL (the MCP server's MCP_PUBLIC_URL)"],
    ['http://127.0.0.1:3000/mcp#x', 'must not have a fragment (RFC 8707 §2)'],
    ['http://user:pw@127.0.0.1:3000/mcp', 'must not carry credentials'],
  ])('#9 refuses --resource %s', (resource, problem) => {
    expect(toDevAuthOptions({ resource })).toEqual({ usage: `--resource ${JSON.stringify(resource)} ${problem}, e.g. --resource http://127.0.0.1:3000/mcp` });
  });

  it('#9 refuses token scopes that are not granted and scopes that are not scope tokens', () => {
    expect(toDevAuthOptions({ scopes: 'a', tokenScopes: 'a b' })).toEqual({ usage: '--token-scopes: "b" not among the scopes (a); add them with --scopes or --tools' });
    expect(toDevAuthOptions({}, { scopes: ['ok', 'bad"quote'], roles: [] })).toEqual({
      usage: 'scope "bad\\"quote" is not a valid OAuth scope token (RFC 6749 §3.3: printable ASCII without space, " or \\)',
    });
  });
});

describe('toKnownGrants', () => {
  it('#9 takes scopes, the broader implied scopes and roles of a tools.json', () => {
    expect(toKnownGrants({ scopes: ['t:read', 't:write'], impliedScopes: { 't:admin': ['t:read', 't:write'] }, roles: ['agent'] })).toEqual({
      scopes: ['t:read', 't:write', 't:admin'],
      roles: ['agent'],
    });
  });

  it.each([null, [], { scopes: 'a', roles: [] }, { scopes: [], roles: [1] }, { roles: [] }])('#9 refuses a tools.json of the wrong shape: %j', (definition) => {
    expect(toKnownGrants(definition)).toBeUndefined();
  });
});

describe('formatStartup', () => {
  it('#9 prints the settings to run the emitted server with and quotes what the shell would split', () => {
    const text = formatStartup({
      issuer: 'http://127.0.0.1:4000',
      resource: 'http://127.0.0.1:3000/mcp',
      scopes: ['a', 'b'],
      roles: ['r'],
      devUser: 'dev-user',
      devClient: { clientId: 'dev-client', clientSecret: 's3cret' },
      token: { value: 'tok', scopes: ['a', 'b'], roles: ['r'], ttl: 3600 },
    });
    expect(text.split('\n')[1]).toBe('  DEVELOPMENT ONLY: portcullis dev-auth signs tokens for anyone on this machine who asks.');
    expect(text).toContain('\n  OAUTH_ISSUER=http://127.0.0.1:4000 MCP_PUBLIC_URL=http://127.0.0.1:3000/mcp PORT=3000 npm start\n');
    expect(text).toContain(
      `\n  curl -s http://127.0.0.1:3000/mcp -H 'authorization: Bearer tok' -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'\n`,
    );
    expect(text).toContain("--data-urlencode scope='a b'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe(`''`);
  });
});
