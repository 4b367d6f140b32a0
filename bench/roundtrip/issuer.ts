/**
 * A minimal authorization server on 127.0.0.1 for the round-trip benchmark: RFC 8414 metadata ({issuer, jwks_uri}) and
 * the JWKS of an RS256 key generated at start, plus a minter of access tokens signed with it. It counts the requests
 * it serves, so the report can show that the server under test fetched the keys once, not per call.
 */
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface Issuer {
  /** E.g. `http://127.0.0.1:41234` (no trailing slash: what OAUTH_ISSUER and `iss` carry). */
  readonly issuer: string;
  readonly jwksUri: string;
  /** Requests served so far, by path. */
  readonly hits: Map<string, number>;
  /** An RS256 access token (typ at+jwt) for `audience`, valid for an hour. */
  mint(claims: { audience: string; scope: string; subject: string }): Promise<string>;
  close(): Promise<void>;
}

const KID = 'roundtrip-bench';

export async function startIssuer(): Promise<Issuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const hits = new Map<string, number>();
  let issuer = '';
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/.well-known/oauth-authorization-server') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'] }));
    } else if (path === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    hits,
    mint: ({ audience, scope, subject }) =>
      new SignJWT({ scope, client_id: 'roundtrip-bench-client' })
        .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'at+jwt' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(subject)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
