/**
 * The words of a consent question: what the user is asked before a risky call runs, as a form elicitation (2025-11-25
 * client/elicitation#form-mode, 2026-07-28 basic/patterns/mrtr). The text is put together from the tool's consent parts
 * (definition.ts ConsentDefinition, written by the generator on single printable lines) and the values of the
 * arguments that matter, each on its own line, JSON-encoded, with control and bidirectional-formatting characters
 * escaped and bounded in length: a value can never add a line or fake the question's wording.
 */

import type { ConsentDefinition, ToolDefinition } from './definition.js';

/** Characters of an argument's value shown before it is cut with an ellipsis. */
export const MAX_VALUE_CHARS = 80;
/** Characters of one part of the question taken from the definition (already bounded by the generator). */
const MAX_PART_CHARS = 300;
/** The form's one field: the user's answer. */
export const CONFIRM_FIELD = 'confirm';

/**
 * Control characters (C0, DEL, C1), line and paragraph separators, and the Unicode bidirectional formatting
 * characters (Unicode TR9 §2: LRM, RLM, ALM, LRE…RLO, LRI…PDI) plus zero-width characters that could hide text.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** The form elicitation's requested schema: one boolean the user must set to approve. */
export const CONSENT_SCHEMA = Object.freeze({
  type: 'object' as const,
  properties: {
    [CONFIRM_FIELD]: { type: 'boolean' as const, title: 'Approve', description: 'Approve this action', default: false },
  },
  required: [CONFIRM_FIELD],
});

/**
 * The question for a call of `tool` with validated arguments `args`: system, action and request on the first line,
 * one `name: "value"` line per consent argument that has a value (never a bound argument), the consequence last.
 */
export function consentQuestion(tool: ToolDefinition & { readonly consent: ConsentDefinition }, args: Readonly<Record<string, unknown>>): string {
  const { consent } = tool;
  const bound = new Set((tool.bindings ?? []).map((binding) => binding.argument));
  const lines = [`${part(consent.system)}: ${part(consent.action)} (${part(consent.request)}).`];
  for (const name of consent.arguments) {
    // Bound arguments come from the caller's claims: they are never shown, even if the definition names one.
    if (bound.has(name) || !Object.hasOwn(args, name) || args[name] === undefined) continue;
    lines.push(`${part(name)}: ${shownValue(args[name])}`);
  }
  if (consent.consequence !== undefined) lines.push(part(consent.consequence));
  return lines.join('\n');
}

/** A value as shown in a question: JSON, unsafe characters escaped, at most MAX_VALUE_CHARS characters with `…`. */
export function shownValue(value: unknown): string {
  if (typeof value === 'string') return quoted(value);
  const characters = Array.from(escapeUnsafe(JSON.stringify(value) ?? 'null'));
  return characters.length <= MAX_VALUE_CHARS ? characters.join('') : `${characters.slice(0, MAX_VALUE_CHARS - 1).join('')}…`;
}

/** A string as a JSON string, cut between characters (never inside an escape) with `…` inside the quotes. */
function quoted(text: string): string {
  const whole = escapeUnsafe(JSON.stringify(text));
  if (Array.from(whole).length <= MAX_VALUE_CHARS) return whole;
  let shown = '';
  let length = 2;
  for (const character of text) {
    const piece = escapeUnsafe(JSON.stringify(character).slice(1, -1));
    if (length + piece.length > MAX_VALUE_CHARS - 1) return `"${shown}…"`;
    shown += piece;
    length += piece.length;
  }
  return `"${shown}"`;
}

/** One part of the question from the definition: one line, unsafe characters escaped, bounded. */
function part(text: string): string {
  const safe = escapeUnsafe(text);
  const characters = Array.from(safe);
  return characters.length <= MAX_PART_CHARS ? safe : `${characters.slice(0, MAX_PART_CHARS - 1).join('')}…`;
}

function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
