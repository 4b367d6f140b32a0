/** Which redirect URIs a dynamically registered client may use at dev-auth: loopback ones only. */
import { isLoopbackHost } from './options.js';

/**
 * True for an http(s) redirect URI on a loopback host (RFC 8252 §7.3). dev-auth approves every authorization request
 * without asking, so a code must never be sent off this machine: a web page that registered a client with its own
 * redirect URI would otherwise receive the dev user's tokens.
 */
export function isLoopbackRedirectUri(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
}
