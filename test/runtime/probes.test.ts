/** Readiness (probes.ts): why the server should get no traffic, saying nothing but a short reason. */

import { describe, expect, it } from 'vitest';
import { isProbePath, notReadyReason } from '../../templates/runtime/probes.js';
import type { TokenVerifier } from '../../templates/runtime/token-verifier.js';

const verifier = (ready: boolean, onAsk: () => void = () => undefined): TokenVerifier => ({
  verify: () => Promise.reject(new Error('not used')),
  ready: () => {
    onAsk();
    return Promise.resolve(ready);
  },
});

describe('probes', () => {
  it('#10 knows its two paths and nothing under them', () => {
    expect(['/healthz', '/readyz', '/healthz/', '/readyz/x', '/mcp'].map(isProbePath)).toEqual([true, true, false, false, false]);
  });

  it('#10 is ready with an upstream and, with authorization on, a reachable authorization server', async () => {
    const state = (closing: boolean, upstreamBaseUrl: string | undefined, check?: TokenVerifier) => ({ closing: () => closing, upstreamBaseUrl, verifier: () => check });
    expect(await notReadyReason(state(false, 'https://api.example.com', verifier(true)))).toBeUndefined();
    expect(await notReadyReason(state(false, 'https://api.example.com'))).toBeUndefined();
    expect(await notReadyReason(state(true, 'https://api.example.com', verifier(true)))).toBe('shutting_down');
    expect(await notReadyReason(state(false, undefined, verifier(true)))).toBe('upstream_not_configured');
    expect(await notReadyReason(state(false, 'https://api.example.com', verifier(false)))).toBe('authorization_server_unreachable');
  });

  it('#10 reports a shutdown that began while the authorization server was asked', async () => {
    let closing = false;
    const check = verifier(true, () => (closing = true));
    expect(await notReadyReason({ closing: () => closing, upstreamBaseUrl: 'https://api.example.com', verifier: () => check })).toBe('shutting_down');
  });
});
