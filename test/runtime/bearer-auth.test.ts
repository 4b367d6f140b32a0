/** Bearer authentication of the MCP endpoint (bearer-auth.ts): header parsing and the 401 / 503 refusals. */

import { describe, expect, it } from 'vitest';
import { anonymousAuth, bearerCredentialsOf, createBearerAuth } from '../../templates/runtime/bearer-auth.js';
import { ANONYMOUS_CALLER } from '../../templates/runtime/caller.js';
import { AuthServerUnavailableError, InvalidTokenError } from '../../templates/runtime/token-verifier.js';
import type { TokenVerifier, VerifiedToken } from '../../templates/runtime/token-verifier.js';

const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
const VERIFIED: VerifiedToken = { caller: { subject: 'alice', scopes: ['pets:read'], roles: [] }, authInfo: { token: 't', clientId: 'c', scopes: ['pets:read'] } };

/** A verifier answering `outcome` for every token, recording what it was asked. */
function verifier(outcome: VerifiedToken | Error): TokenVerifier & { readonly asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    verify: (token) => {
      asked.push(token);
      return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
    },
    ready: () => Promise.resolve(true),
  };
}

describe('bearer-auth', () => {
  it('#10 reads a bearer token from the Authorization header (RFC 6750 §2.1)', () => {
    const cases: [string | undefined, unknown][] = [
      [undefined, { missing: true }],
      ['', { missing: true }],
      ['Basic dXNlcjpwYXNz', { missing: true }],
      ['Bearerabc', { missing: true }],
      ['Bearer abc.DEF-123_~+/==', { token: 'abc.DEF-123_~+/==' }],
      ['bearer abc', { token: 'abc' }],
      ['  BEARER   abc  ', { token: 'abc' }],
      ['Bearer', { malformed: true }],
      ['Bearer ', { malformed: true }],
      ['Bearer a b', { malformed: true }],
      ['Bearer a=b', { malformed: true }],
      ['Bearer "abc"', { malformed: true }],
      ['Bearer\tabc', { malformed: true }],
    ];
    expect(cases.map(([header]) => bearerCredentialsOf(header))).toEqual(cases.map(([, expected]) => expected));
  });

  it('#10 answers a request without a bearer token 401 with a challenge without an error code (RFC 6750 §3.1)', async () => {
    const check = verifier(VERIFIED);
    const authenticate = createBearerAuth({ verifier: check, resourceMetadataUrl: METADATA, challengeScopes: ['pets:read', 'pets:write'] });
    expect(await authenticate('Basic dXNlcjpwYXNz')).toEqual({
      status: 401,
      reason: 'missing_token',
      message: 'Unauthorized: an access token is required',
      headers: { 'WWW-Authenticate': `Bearer resource_metadata="${METADATA}", scope="pets:read pets:write"` },
    });
    expect(check.asked).toEqual([]);
  });

  it('#10 answers a malformed header 401 invalid_token without asking the verifier', async () => {
    const check = verifier(VERIFIED);
    const refusal = await createBearerAuth({ verifier: check, resourceMetadataUrl: METADATA, challengeScopes: [] })('Bearer a b');
    expect(refusal).toEqual({
      status: 401,
      reason: 'invalid_token:malformed',
      message: 'Unauthorized: The Authorization header is not "Bearer <token>"',
      headers: { 'WWW-Authenticate': `Bearer resource_metadata="${METADATA}", error="invalid_token", error_description="The Authorization header is not  Bearer <token> "` },
    });
    expect(check.asked).toEqual([]);
  });

  it('#10 answers a token the verifier refuses 401 with its reason and description', async () => {
    const authenticate = createBearerAuth({ verifier: verifier(new InvalidTokenError('expired', 'The access token has expired')), resourceMetadataUrl: METADATA, challengeScopes: ['pets:read'] });
    expect(await authenticate('Bearer abc')).toEqual({
      status: 401,
      reason: 'invalid_token:expired',
      message: 'Unauthorized: The access token has expired',
      headers: { 'WWW-Authenticate': `Bearer resource_metadata="${METADATA}", scope="pets:read", error="invalid_token", error_description="The access token has expired"` },
    });
  });

  it('#10 answers 503 with Retry-After while tokens cannot be checked, and lets other errors through', async () => {
    const unavailable = createBearerAuth({ verifier: verifier(new AuthServerUnavailableError('down')), resourceMetadataUrl: METADATA, challengeScopes: [] });
    expect(await unavailable('Bearer abc')).toEqual({
      status: 503,
      reason: 'auth_server_unavailable',
      message: 'Service unavailable: access tokens cannot be checked right now',
      headers: { 'Retry-After': '10' },
    });
    const broken = createBearerAuth({ verifier: verifier(new TypeError('bug')), resourceMetadataUrl: METADATA, challengeScopes: [] });
    await expect(broken('Bearer abc')).rejects.toThrow('bug');
  });

  it('#10 hands over the verified caller and AuthInfo; with authorization off, every request is the anonymous caller', async () => {
    const check = verifier(VERIFIED);
    expect(await createBearerAuth({ verifier: check, resourceMetadataUrl: METADATA, challengeScopes: [] })('Bearer abc')).toBe(VERIFIED);
    expect(check.asked).toEqual(['abc']);
    expect(await anonymousAuth('Bearer abc')).toEqual({ caller: ANONYMOUS_CALLER });
  });
});
