/**
 * Spec text in Markdown (README.md, AUTHORIZATION.md), made inert for its inline position: plain text, a table cell
 * or a code span. Spec text never opens a block (line breaks, in every Unicode form, become spaces), and never
 * produces a link, image, raw HTML, emphasis or table cell of its own (the ASCII punctuation that could start one is
 * backslash-escaped, which CommonMark allows before any ASCII punctuation). Control characters and bidirectional
 * formatting characters, which could make a reviewer read something other than what the spec says, become U+FFFD.
 * @see https://spec.commonmark.org/0.31.2/#backslash-escapes
 * @see https://spec.commonmark.org/0.31.2/#code-spans
 * @see https://github.github.com/gfm/#tables-extension- (a `|` in a cell, even in a code span, must be escaped)
 */

/** Every Unicode line break (CR, LF, VT, FF, NEL, LS, PS), CRLF counted once. */
const LINE_BREAKS = /(?:\r\n|[\n\v\f\r\u0085\u2028\u2029])+/g;
/** C0 and C1 controls (tab excepted), and the bidirectional formatting characters (Trojan Source, CVE-2021-42574). */
const INVISIBLE = /[\0-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/**
 * ASCII punctuation that can start or end an inline construct (GFM strikethrough `~`, math `$` included). A `_`
 * between two letters or digits is left alone: it can neither open nor close emphasis (CommonMark §6.2, flanking
 * rules), and names like UPSTREAM_BASE_URL stay readable in the Markdown source.
 */
const INLINE_PUNCTUATION = /[\\`*[\]<>&|~$]|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu;
/** Characters that start a block (heading, list, quote, setext underline) when they open a line. */
const BLOCK_START = /^[#+\-=>]/;

/** `text` on one line with nothing invisible or misleading left in it. */
function visibleLine(text: string): string {
  return text.replace(LINE_BREAKS, ' ').replace(INVISIBLE, '\uFFFD');
}

/** Inline Markdown text (paragraph, heading, table cell) that renders as exactly the characters of `text`. */
export function markdownText(text: string): string {
  const escaped = visibleLine(text).replace(INLINE_PUNCTUATION, (char) => `\\${char}`);
  return BLOCK_START.test(escaped) ? `\\${escaped}` : escaped;
}

/** An inline code span showing `text` (outside tables): the fence is longer than any backtick run inside it. */
export function markdownCode(text: string): string {
  const line = visibleLine(text);
  if (line === '') return '` `';
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // One space is stripped from each end of a code span when both ends have one; padding keeps edge spaces and backticks.
  const pad = /^[` ]|[` ]$/.test(line) && line.trim() !== '' ? ' ' : '';
  return `${fence}${pad}${line}${pad}${fence}`;
}

/**
 * An inline code span for a table cell: `|` escaped, as GFM splits cells before it parses code spans. A backslash
 * right before a `|` would pair with the escape's (cmark-gfm reads `\\|` as an escaped backslash and a cell
 * boundary) and cannot be written inside a code span, so such text is shown as escaped plain text instead.
 */
export function markdownCodeCell(text: string): string {
  const line = visibleLine(text);
  if (/\\\|/.test(line)) return markdownText(line);
  return markdownCode(line).replace(/\|/g, '\\|');
}
