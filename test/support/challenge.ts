/**
 * Reading the `WWW-Authenticate` challenges a server under test sends (RFC 9110 §11.6.1, RFC 6750 §3): strictly, so a
 * test that reads a challenge also checks that it is well formed.
 */

/** The scheme and auth-params (names lower-cased; quoted or token values) of one challenge; undefined for none; throws when malformed. */
export function parseChallenge(header: string | null | undefined): { scheme: string; params: Record<string, string> } | undefined {
  if (!header) return undefined;
  const match = /^\s*([A-Za-z][\w-]*)(?:\s+(.*))?$/s.exec(header);
  if (!match) throw new Error(`malformed challenge: ${header}`);
  const params: Record<string, string> = {};
  const rest = (match[2] ?? '').trim();
  const pattern = /\s*([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(?:,|$)/y;
  while (pattern.lastIndex < rest.length) {
    const param = pattern.exec(rest);
    if (!param) throw new Error(`malformed challenge: ${header}`);
    const name = param[1]!.toLowerCase();
    if (Object.hasOwn(params, name)) throw new Error(`challenge repeats ${name}: ${header}`);
    params[name] = param[2] !== undefined ? param[2].replace(/\\(.)/g, '$1') : param[3]!;
  }
  return { scheme: match[1]!, params };
}

/** The auth-params of a Bearer challenge (RFC 6750 §3); throws when the header is absent, another scheme, or malformed. */
export function bearerChallengeParams(header: string | null | undefined): Record<string, string> {
  const challenge = parseChallenge(header);
  if (challenge?.scheme.toLowerCase() !== 'bearer') throw new Error(`not a Bearer challenge: ${header}`);
  return challenge.params;
}
