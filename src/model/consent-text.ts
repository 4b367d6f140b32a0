/**
 * Spec text as one line of a consent question: the user reads it in a dialog to decide, so no text from the spec may
 * break the question's lines, hide characters from the reader, or crowd out the rest of it.
 * @see https://www.unicode.org/reports/tr9/ (bidirectional formatting characters) and CVE-2021-42574 (Trojan Source)
 */

/** Longest text part of a consent question, in code points (the ellipsis included). */
export const MAX_CONSENT_TEXT = 200;

/** Runs of whitespace in every Unicode form, line and paragraph separators and NEL included. */
const WHITESPACE = /[\s\u0085\u180e\u200b]+/gu;
/** What no reader can see or that reorders what they see: controls, format characters (bidi), unassigned, private use, lone surrogates. */
const INVISIBLE = /\p{C}/gu;

/**
 * `text` on one line: whitespace collapsed to single spaces, invisible and bidirectional characters shown as U+FFFD,
 * trimmed, cut to `max` code points with an ellipsis; `''` when nothing is left. Markdown and HTML stay as written: the
 * question is plain text, and whoever renders it elsewhere escapes it there.
 */
export function consentLine(text: string, max = MAX_CONSENT_TEXT): string {
  const line = text.replace(WHITESPACE, ' ').replace(INVISIBLE, '\uFFFD').trim();
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}
