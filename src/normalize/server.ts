/**
 * Server Objects (3.x) and `schemes`/`host`/`basePath` (2.0) into NormalizedServer.
 * @see https://spec.openapis.org/oas/v3.1.0#server-object
 * @see https://swagger.io/specification/v2/#swagger-object
 */
import { isRecord } from './pointer.js';
import { optional, stringOf, stringsOf } from './context.js';
import type { NormalizedServer } from './types.js';

/** What a document without servers means: the host that serves it. @see https://spec.openapis.org/oas/v3.1.0#openapi-object */
export const DEFAULT_SERVERS: readonly NormalizedServer[] = [{ url: '/', variables: {} }];

/**
 * Converts one 3.x Server Object, with its variables (default and enum as strings).
 * @see https://spec.openapis.org/oas/v3.1.0#server-variable-object
 */
export function normalizeServer(server: Record<string, unknown>): NormalizedServer {
  const variables: Record<string, { default: string; enum?: string[] }> = {};
  for (const [name, variable] of Object.entries(isRecord(server.variables) ? server.variables : {})) {
    if (!isRecord(variable)) continue;
    const values = Array.isArray(variable.enum) ? variable.enum.map(String) : undefined;
    variables[name] = { default: String(variable.default ?? ''), ...optional('enum', values) };
  }
  return { url: String(server.url ?? '/'), ...optional('description', stringOf(server.description)), variables };
}

/**
 * Converts a 3.x `servers` list; `undefined` when absent or empty (the caller decides what that means).
 * @see https://spec.openapis.org/oas/v3.1.0#fixed-fields
 */
export function normalizeServers(value: unknown): NormalizedServer[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const servers = value.filter(isRecord).map(normalizeServer);
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
