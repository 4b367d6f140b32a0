/** `portcullis dev-auth`: starts the development authorization server, prints how to use it, and runs until stopped. */
import { formatStartup } from './banner.js';
import { DEFAULT_ACCESS_TOKEN_TTL, toDevAuthOptions, type DevAuthFlags } from './options.js';
import { DEV_USER, startDevAuth, type DevAuthEvent, type DevAuthServer } from './start-dev-auth.js';
import { readToolsFile } from './tools-file.js';

export interface DevAuthIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Stops the server (besides SIGINT and SIGTERM); for tests and embedders. */
  signal?: AbortSignal;
  /** Called once the server listens and the start-up text is printed. */
  onReady?: (server: DevAuthServer) => void;
}

/** Runs dev-auth with these flags until SIGINT, SIGTERM or `io.signal`; resolves to the exit code. */
export async function runDevAuth(flags: DevAuthFlags, io: DevAuthIo): Promise<number> {
  const known = flags.tools === undefined ? undefined : await readToolsFile(flags.tools);
  if (known && 'usage' in known) return usage(known.usage, io);
  const options = toDevAuthOptions(flags, known);
  if ('usage' in options) return usage(options.usage, io);
  if (options.scopes.length === 0) io.stderr('warning: no scopes: pass --tools <generated server>/tools.json or --scopes "a b"; tokens will hold no scope\n');

  let server: DevAuthServer;
  try {
    server = await startDevAuth({ ...options, onEvent: (event) => io.stderr(`${describeEvent(event)}\n`) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') return usage(`port ${options.port} on ${options.host} is in use; choose another with --port`, io);
    if (code === 'EADDRNOTAVAIL') return usage(`${options.host} is not an address of this machine; use --host 127.0.0.1`, io);
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('oidc-provider')) {
      return usage('dev-auth needs the oidc-provider package: npm install --save-dev oidc-provider@8', io);
    }
    throw error;
  }
  const tokenScopes = options.tokenScopes ?? options.scopes;
  const value = await server.mintToken({ scopes: tokenScopes, roles: options.roles });
  io.stdout(
    formatStartup({
      issuer: server.issuer,
      resource: server.resource,
      scopes: server.scopes,
      roles: server.roles,
      devUser: DEV_USER,
      devClient: server.devClient,
      token: { value, scopes: tokenScopes, roles: options.roles, ttl: options.accessTokenTTL ?? DEFAULT_ACCESS_TOKEN_TTL },
    }),
  );
  io.onReady?.(server);
  await stopped(io.signal);
  await server.close();
  return 0;
}

function usage(message: string, io: DevAuthIo): number {
  io.stderr(`error: ${message}\n`);
  return 1;
}

/** Resolves on SIGINT, SIGTERM or when the signal aborts. */
function stopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    if (signal?.aborted) return stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop);
  });
}

/** One log line on stderr per thing that happened (never a token or a secret). */
export function describeEvent(event: DevAuthEvent): string {
  switch (event.type) {
    case 'registration':
      return `dev-auth: registered client ${event.clientId} (redirect URIs: ${event.redirectUris.join(' ') || 'none'})`;
    case 'consent':
      return `dev-auth: ${event.clientId} authorized by the dev user for: ${event.scope || '(no resource scope)'}`;
    case 'token':
      return `dev-auth: token for ${event.clientId} (${event.grantType}): ${event.scope ?? '(no scope)'}`;
    case 'error':
      return `dev-auth: refused (${event.where}): ${event.error}${event.description ? `: ${event.description}` : ''}`;
  }
}
