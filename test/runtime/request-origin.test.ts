/** The Host / Origin checks and CORS answers of the MCP endpoint (request-origin.ts), without a server. */

import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ALLOWED_HEADERS, allowedHeaders, hostAllowed, originOf, originPolicy, originRefusal, originRefusalMessage } from '../../templates/runtime/request-origin.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('request-origin', () => {
  it('#10 bound to loopback, allows loopback names and the public host only (DNS rebinding)', () => {
    const policy = { listenHost: '127.0.0.1', publicUrl: 'https://mcp.example.com/mcp' };
    const cases: [string | undefined, boolean][] = [
      ['127.0.0.1:3000', true],
      ['localhost:3000', true],
      ['localhost', true],
      ['[::1]:3000', true],
      ['mcp.example.com', true],
      ['mcp.example.com:443', true],
      ['attacker.example', false],
      ['attacker.example:3000', false],
      ['127.0.0.1.attacker.example', false],
      ['', false],
      ['%%%', false],
      [undefined, false],
    ];
    expect(cases.map(([host]) => hostAllowed(host, policy))).toEqual(cases.map(([, allowed]) => allowed));
  });

  it('#10 bound to another interface, leaves the Host to the token check', () => {
    expect(hostAllowed('anything.example', { listenHost: '0.0.0.0', publicUrl: 'https://mcp.example.com/mcp' })).toBe(true);
    expect(hostAllowed(undefined, { listenHost: '10.0.0.5', publicUrl: 'https://mcp.example.com/mcp' })).toBe(true);
  });

  it('#10 serializes http(s) origins only; anything else is never allowed', () => {
    expect(originOf('https://App.Example.com:443')).toBe('https://app.example.com');
    expect(originOf('http://localhost:6274')).toBe('http://localhost:6274');
    expect(originOf('null')).toBe('');
    expect(originOf('file:///etc/passwd')).toBe('');
    expect(originOf('chrome-extension://abc')).toBe('');
  });

  it('#10 refuses a foreign Host or Origin 403, allows the public origin and MCP_ALLOWED_ORIGINS', () => {
    const policy = originPolicy('127.0.0.1', 'http://127.0.0.1:3000/mcp', ['http://localhost:6274']);
    expect([...policy.allowedOrigins]).toEqual(['http://127.0.0.1:3000', 'http://localhost:6274']);
    expect(originRefusal(request({ host: '127.0.0.1:3000' }), policy)).toBeUndefined();
    expect(originRefusal(request({ host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' }), policy)).toBeUndefined();
    expect(originRefusal(request({ host: '127.0.0.1:3000', origin: 'http://localhost:6274' }), policy)).toBeUndefined();
    expect(originRefusal(request({ host: 'evil.example' }), policy)).toEqual({ status: 403, reason: 'host', message: 'Forbidden: Host header not allowed' });
    expect(originRefusal(request({ host: '127.0.0.1:3000', origin: 'https://evil.example' }), policy)).toEqual({
      status: 403,
      reason: 'origin',
      message: 'Forbidden: Origin not allowed; to allow a browser-based client from it, set MCP_ALLOWED_ORIGINS=https://evil.example',
    });
  });

  it('#10 names only a parsed origin in the refusal, never other request text', () => {
    expect(originRefusalMessage('null')).toBe('Forbidden: Origin not allowed; to allow a browser-based client from it, set MCP_ALLOWED_ORIGINS=this origin');
    expect(originRefusalMessage('https://evil.example/path?q=<script>')).toContain('MCP_ALLOWED_ORIGINS=https://evil.example');
    expect(originRefusalMessage('javascript:alert(1)')).not.toContain('alert');
  });

  it('#10 allows our request headers and the Mcp-Param-* headers asked for, nothing else', () => {
    expect(allowedHeaders(undefined)).toBe(ALLOWED_HEADERS.join(', '));
    expect(allowedHeaders('X-Custom, Cookie')).toBe(ALLOWED_HEADERS.join(', '));
    expect(allowedHeaders(' Mcp-Param-Region ,mcp-param-region, MCP-PARAM-Tenant_Id, mcp-param-, mcp-param-a b')).toBe(
      [...ALLOWED_HEADERS, 'mcp-param-region', 'mcp-param-tenant_id'].join(', '),
    );
    expect(ALLOWED_HEADERS).toEqual(expect.arrayContaining(['authorization', 'mcp-protocol-version', 'mcp-method', 'mcp-name', 'traceparent']));
  });
});
