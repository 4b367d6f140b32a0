/**
 * What the upstream exchange (upstream-http.ts) reports to metrics and tracing, and about which tool. Each upstream
 * request is tagged with its tool when its credentials are applied (the one step every call takes with both in hand),
 * so the exchange, which sees only the request, can label its latency and span with the tool's name and path template.
 */

import type { UpstreamCredentials } from './credentials.js';
import type { ToolDefinition } from './definition.js';
import type { Metrics } from './metrics.js';
import type { UpstreamRequest } from './request.js';
import type { Tracing } from './tracing.js';

export interface UpstreamObserver {
  readonly metrics?: Metrics | undefined;
  readonly tracing?: Tracing | undefined;
}

/** The tool and observer of an upstream request, by request: the entry goes when the request does. */
const tagged = new WeakMap<UpstreamRequest, { readonly tool: ToolDefinition; readonly observer: UpstreamObserver }>();

/** `credentials` whose apply() also tags each request with its tool for `observer`. */
export function observedCredentials(credentials: UpstreamCredentials, observer: UpstreamObserver): UpstreamCredentials {
  const observed: UpstreamCredentials = Object.create(credentials) as UpstreamCredentials;
  return Object.assign(observed, {
    apply(tool: ToolDefinition, request: UpstreamRequest, caller?: Parameters<UpstreamCredentials['apply']>[2]) {
      tagged.set(request, { tool, observer });
      return credentials.apply(tool, request, caller);
    },
  });
}

/** The tool and observer `request` was tagged with, if any. */
export function observerOf(request: UpstreamRequest): { readonly tool: ToolDefinition; readonly observer: UpstreamObserver } | undefined {
  return tagged.get(request);
}
