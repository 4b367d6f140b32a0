/**
 * Unauthenticated probes for orchestrators: GET/HEAD /healthz (the process answers) and GET/HEAD /readyz (it can
 * serve). Neither needs a token, so both say nothing but a status and a short reason: no URLs, versions or
 * configuration. With REDIS_URL, /readyz also says whether the shared Redis is up (it stays ready when it is not).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './refusal.js';
import type { TokenVerifier } from './token-verifier.js';

export const HEALTH_PATH = '/healthz';
export const READINESS_PATH = '/readyz';

/** What readiness depends on; read at each probe, since shutdown and the verifier come and go. */
export interface ReadinessState {
  /** Whether shutdown has started. */
  readonly closing: () => boolean;
  /** UPSTREAM_BASE_URL, if any. */
  readonly upstreamBaseUrl: string | undefined;
  /** The token verifier (AUTH_MODE=oauth), once the server listens. */
  readonly verifier: () => TokenVerifier | undefined;
  /** With REDIS_URL: whether the shared Redis is reachable now. */
  readonly redisUp?: () => boolean;
}

/** Whether `path` is one of the probes. */
export function isProbePath(path: string): boolean {
  return path === HEALTH_PATH || path === READINESS_PATH;
}

/** Answers a probe at `path`: 200, 503 with the reason it is not ready, or 405 for another method than GET or HEAD. */
export async function serveProbe(req: IncomingMessage, res: ServerResponse, path: string, state: ReadinessState): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return sendJson(res, 405, { status: 'error', reason: 'method_not_allowed' });
  }
  if (path === HEALTH_PATH) return sendJson(res, 200, { status: 'ok' });
  const reason = await notReadyReason(state);
  const redis = redisNote(state);
  if (reason === undefined) return sendJson(res, 200, { status: 'ready', ...redis });
  return sendJson(res, 503, { status: 'unavailable', reason, ...redis });
}

/**
 * With REDIS_URL, `{ redis: 'up' }` or `{ redis: 'down' }`. Redis down does not make the server unready: every replica
 * shares the one Redis, so failing readiness would take all of them out of service at once, while they can still serve
 * with per-process rate limits (consent approvals are refused until Redis is back).
 */
function redisNote(state: ReadinessState): { redis?: 'up' | 'down' } {
  if (!state.redisUp) return {};
  return { redis: state.redisUp() ? 'up' : 'down' };
}

/**
 * Why the server should get no traffic now, or undefined when it is ready: shutting down, no upstream base URL, or
 * (AUTH_MODE=oauth) the authorization server's metadata and keys unreachable, so no token could be checked.
 */
export async function notReadyReason(state: ReadinessState): Promise<string | undefined> {
  if (state.closing()) return 'shutting_down';
  if (!state.upstreamBaseUrl) return 'upstream_not_configured';
  const verifier = state.verifier();
  if (verifier && !(await verifier.ready())) return 'authorization_server_unreachable';
  // Shutdown may have started while the authorization server was asked.
  return state.closing() ? 'shutting_down' : undefined;
}
