/**
 * Pages of tools/list (2025-11-25 server/utilities/pagination): an opaque `cursor` in the request, `nextCursor` in the
 * result while tools remain, and -32602 for a cursor the server did not issue.
 *
 * The cursor encodes the index, in the definition's fixed order, of the first tool not yet examined; nothing else, so
 * a forged cursor can only point at another index, and the caller's policy filters every page, so no cursor can reveal
 * a tool the caller may not see. Every server instance decodes every other's cursors (the server is stateless).
 */

import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

/** A page is also cut at this many bytes of serialized tools (it always holds at least one tool). */
export const MAX_PAGE_BYTES = 1024 * 1024;

const CURSOR_PREFIX = 'tools:';
/** A decimal index without leading zeros, at most 9 digits. */
const CURSOR_INDEX = /^(?:0|[1-9]\d{0,8})$/;

export interface PageLimits {
  /** Tools per page. */
  readonly size: number;
  /** Serialized bytes per page; default MAX_PAGE_BYTES. */
  readonly maxBytes?: number;
}

export interface ToolPage<T> {
  readonly entries: readonly T[];
  readonly nextCursor?: string;
}

/** The page of `tools` starting at `cursor` (the first page without one), keeping only those `visible` says. */
export function toolPage<Tool, Entry>(
  tools: readonly Tool[],
  cursor: string | undefined,
  limits: PageLimits,
  visible: (tool: Tool) => boolean,
  entryOf: (tool: Tool) => Entry,
): ToolPage<Entry> {
  const maxBytes = limits.maxBytes ?? MAX_PAGE_BYTES;
  const entries: Entry[] = [];
  let bytes = 0;
  let index = cursor === undefined ? 0 : cursorIndex(cursor, tools.length);
  for (; index < tools.length && entries.length < limits.size; index++) {
    const tool = tools[index]!;
    if (!visible(tool)) continue;
    const entry = entryOf(tool);
    // The serialized size of the entry plus its separating comma.
    const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (entries.length > 0 && bytes + size > maxBytes) break;
    entries.push(entry);
    bytes += size;
  }
  // No cursor when no visible tool remains: a client never gets an empty last page, nor a hint of hidden tools there.
  let next = index;
  while (next < tools.length && !visible(tools[next]!)) next++;
  return next < tools.length ? { entries, nextCursor: encodeCursor(index) } : { entries };
}

/** The opaque cursor of the page starting at tool `index`. */
export function encodeCursor(index: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${index}`, 'utf8').toString('base64url');
}

/** The tool index a cursor of this server stands for; throws -32602 (invalid params) for anything else. */
function cursorIndex(cursor: string, count: number): number {
  const text = /^[A-Za-z0-9_-]{1,32}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const digits = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : '';
  const index = CURSOR_INDEX.test(digits) ? Number(digits) : Number.NaN;
  // Canonical encoding only, and an index inside the list: anything else was not issued by this server.
  if (!(index < count) || encodeCursor(index) !== cursor) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid cursor: use the nextCursor of a previous tools/list result');
  return index;
}
