/** What `portcullis dev-auth` prints on stdout at start: pure, so the exact text can be tested. */

export interface StartupInfo {
  readonly issuer: string;
  readonly resource: string;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  readonly devUser: string;
  readonly devClient: { readonly clientId: string; readonly clientSecret: string };
  /** The ready-to-use access token and what it holds. */
  readonly token: { readonly value: string; readonly scopes: readonly string[]; readonly roles: readonly string[]; readonly ttl: number };
}

const RULE = '='.repeat(78);

/** The start-up text: a development-only banner, the emitted server's settings, a token and the commands to use it. */
export function formatStartup(info: StartupInfo): string {
  const resource = new URL(info.resource);
  const port = resource.port || (resource.protocol === 'https:' ? '443' : '80');
  const list = (items: readonly string[]) => (items.length > 0 ? items.join(' ') : '(none)');
  const toolsList = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  const mint = [
    `curl -s ${info.issuer}/token`,
    `-d grant_type=client_credentials -d client_id=${info.devClient.clientId} -d client_secret=${info.devClient.clientSecret}`,
    `--data-urlencode resource=${shellQuote(info.resource)}`,
    `--data-urlencode scope=${shellQuote(info.scopes.join(' '))}`,
    ...(info.roles.length > 0 ? [`--data-urlencode roles=${shellQuote(info.roles.join(' '))}`] : []),
  ];
  return [
    RULE,
    '  DEVELOPMENT ONLY: portcullis dev-auth signs tokens for anyone on this machine who asks.',
    '  Every authorization request is approved without a login. Keys live in memory and are new at every start.',
    '  Never point a deployed server at it.',
    RULE,
    '',
    `issuer     ${info.issuer}`,
    `resource   ${info.resource}   (the audience of every token)`,
    `scopes     ${list(info.scopes)}`,
    `roles      ${list(info.roles)}`,
    `dev user   ${info.devUser} (roles: ${list(info.roles)}): signed in and consenting automatically (authorization code + PKCE)`,
    `discovery  ${info.issuer}/.well-known/openid-configuration (also at /.well-known/oauth-authorization-server)`,
    `register   ${info.issuer}/reg (open dynamic client registration, loopback redirect URIs only)`,
    '',
    'Run the emitted MCP server with:',
    `  OAUTH_ISSUER=${info.issuer} MCP_PUBLIC_URL=${info.resource} PORT=${port} npm start`,
    '',
    `Access token (client credentials; scopes: ${list(info.token.scopes)}; roles: ${list(info.token.roles)}; expires in ${info.token.ttl} s):`,
    `  ${info.token.value}`,
    '',
    'List the tools with it:',
    `  curl -s ${shellQuote(info.resource)} -H 'authorization: Bearer ${info.token.value}' -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' -d '${toolsList}'`,
    '',
    `Another token (client ${info.devClient.clientId}; choose the scope and roles):`,
    `  ${mint.join(' \\\n    ')}`,
    '',
  ].join('\n');
}

/** A word safe to paste into a POSIX shell. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
