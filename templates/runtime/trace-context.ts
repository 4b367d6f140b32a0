/**
 * W3C Trace Context carried in a request's `_meta` (2026-07-28 basic/index#_meta: the `traceparent` key, whose value
 * follows W3C Trace Context §3.2). The server forwards a valid one to the upstream API and records its trace id in the
 * audit line, so one trace links the client, this server and the API. An invalid value is ignored, never forwarded:
 * it is text from the caller and would otherwise reach the upstream request's headers.
 */

/** version 00: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`, lowercase (W3C Trace Context §3.2.2). */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const ALL_ZERO = /^0+$/;

/** The `traceparent` of a request's `_meta` when it is a valid version-00 value, else undefined. */
export function traceparentOf(meta: unknown): string | undefined {
  if (typeof meta !== 'object' || meta === null || !Object.hasOwn(meta, 'traceparent')) return undefined;
  const value = (meta as { traceparent?: unknown }).traceparent;
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT.exec(value);
  // §3.2.2.3 and §3.2.2.4: an all-zero trace id or parent id is invalid.
  if (!match || ALL_ZERO.test(match[1]!) || ALL_ZERO.test(match[2]!)) return undefined;
  return value;
}

/** The trace id of a valid `traceparent` (for the audit line). */
export function traceIdOf(traceparent: string): string {
  return traceparent.slice(3, 35);
}
