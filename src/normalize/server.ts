/**
 * Server Objects (3.x) and `schemes`/`host`/`basePath` (2.0) into NormalizedServer.
 * @see https://spec.openapis.org/oas/v3.1.0#server-object
 * @see https://swagger.io/specification/v2/#swagger-object
 */
import { isRecord } from '../shared/guards.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { optional, stringOf, stringsOf, type NormalizeContext } from './context.js';
import { dictionary, ownValue } from './dictionary.js';
import { serverUrlProblem } from './path-safety.js';
import type { NormalizedServer } from './types.js';

/** What a document without servers means: the host that serves it. @see https://spec.openapis.org/oas/v3.1.0#openapi-object */
export const DEFAULT_SERVERS: readonly NormalizedServer[] = [{ url: '/', variables: {} }];

/**
 * Converts one 3.x Server Object, with its variables (default and enum as strings).
 * @see https://spec.openapis.org/oas/v3.1.0#server-variable-object
 */
export function normalizeServer(server: Record<string, unknown>): NormalizedServer {
  const variables = dictionary<{ default: string; enum?: string[] }>();
  for (const [name, variable] of Object.entries(isRecord(server.variables) ? server.variables : {})) {
    if (!isRecord(variable)) continue;
    const values = Array.isArray(variable.enum) ? variable.enum.map(String) : undefined;
    variables[name] = { default: String(variable.default ?? ''), ...optional('enum', values) };
  }
  return { url: String(server.url ?? '/'), ...optional('description', stringOf(server.description)), variables };
}

/** The server URL with its variables at their defaults (a variable without one stays as written). */
export function serverUrl(server: NormalizedServer): string {
  return server.url.replace(/\{([^}]+)\}/g, (whole, variable: string) => ownValue(server.variables, variable)?.default ?? whole);
}

/**
 * Reports ERR_SPEC_PATH when the server URL, as written or with its variables at their defaults, has a `..` segment.
 * @see https://spec.openapis.org/oas/v3.1.0#server-object
 */
function checkServerUrl(context: NormalizeContext, server: NormalizedServer, pointer: string): void {
  const subject = `the server URL ${JSON.stringify(server.url)}`;
  const resolved = serverUrl(server);
  const problem =
    serverUrlProblem(server.url, subject) ??
    serverUrlProblem(resolved, `${subject} (with its variables at their defaults: ${JSON.stringify(resolved)})`);
  if (problem) context.issues.error('ERR_SPEC_PATH', pointerJoin(pointer, 'url'), problem.message, problem.hint);
}

/**
 * Converts a 3.x `servers` list found at `pointer`; `undefined` when absent or empty (the caller decides what that
 * means).
 * @see https://spec.openapis.org/oas/v3.1.0#fixed-fields
 */
export function normalizeServers(context: NormalizeContext, value: unknown, pointer: string): NormalizedServer[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const servers = value.flatMap((item, index) => {
    if (!isRecord(item)) return [];
    const server = normalizeServer(item);
    checkServerUrl(context, server, pointerJoin(pointer, index));
    return [server];
  });
  return servers.length > 0 ? servers : undefined;
}

/**
 * Builds the 2.0 server: the first of `schemes` (default https) with `host` and `basePath`; without a host the
 * API is on the host serving the document, so the URL is `basePath` alone (relative, default `/`).
 * @see https://swagger.io/specification/v2/#fixed-fields
 */
export function swagger2Server(document: Record<string, unknown>, schemes: unknown = document.schemes): NormalizedServer {
  const basePath = stringOf(document.basePath) ?? '';
  const host = stringOf(document.host);
  if (!host) return { url: basePath || '/', variables: {} };
  const scheme = stringsOf(schemes)[0] ?? 'https';
  return { url: `${scheme}://${host}${basePath === '/' ? '' : basePath}`, variables: {} };
}
