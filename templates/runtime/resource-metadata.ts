/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728), which tells MCP clients which authorization server to ask for a
 * token for this server (MCP 2025-11-25 basic/authorization "Authorization Server Location").
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerDefinition } from './definition.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** The RFC 9728 document for the resource `publicUrl`, protected by tokens of `issuer`. */
export interface ProtectedResourceMetadata {
  readonly resource: string;
  readonly authorization_servers: readonly string[];
  readonly scopes_supported: readonly string[];
  readonly bearer_methods_supported: readonly ['header'];
  readonly resource_name: string;
}

/** Paths the metadata is served at: the well-known suffix inserted before the endpoint's path (RFC 9728 §3.1), and bare. */
export function metadataPaths(publicUrl: string): readonly string[] {
  const path = new URL(publicUrl).pathname;
  // RFC 9728 §3.1: a terminating slash right after the host is removed before inserting.
  return path === '/' ? [WELL_KNOWN] : [`${WELL_KNOWN}${path}`, WELL_KNOWN];
}

/** Absolute URL of the metadata document, as advertised in `resource_metadata` of every challenge. */
export function metadataUrl(publicUrl: string): string {
  return new URL(metadataPaths(publicUrl)[0]!, publicUrl).href;
}

/** The metadata document (RFC 9728 §2–3). */
export function protectedResourceMetadata(definition: Pick<ServerDefinition, 'scopes' | 'title'>, publicUrl: string, issuer: string): ProtectedResourceMetadata {
  return {
    // RFC 9728 §3.3: exactly the URL the well-known location was built from, or clients discard the document.
    resource: publicUrl,
    // MCP 2025-11-25: at least one authorization server.
    authorization_servers: [issuer],
    // offline_access is a client's business with its authorization server, never a resource's scope (RFC 9728 §2 scopes_supported).
    scopes_supported: definition.scopes.filter((scope) => scope !== 'offline_access'),
    // Tokens only in the Authorization header (RFC 6750 §2.1; MCP 2025-11-25 basic/authorization#token-requirements).
    bearer_methods_supported: ['header'],
    resource_name: definition.title,
  };
}

/** Answers a request for the metadata: GET → 200 JSON, OPTIONS → CORS preflight, anything else → 405. CORS open (`*`). */
export function serveMetadata(req: IncomingMessage, res: ServerResponse, body: string): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      'Access-Control-Allow-Methods': 'GET, OPTIONS',
      'Access-Control-Allow-Headers': 'mcp-protocol-version',
      'Access-Control-Max-Age': '86400',
    });
    res.end();
    return;
  }
  if (req.method !== 'GET') {
    res.writeHead(405, { Allow: 'GET, OPTIONS', 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'method_not_allowed' }));
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=3600' }).end(body);
}
