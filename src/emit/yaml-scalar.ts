/**
 * YAML scalars and comments built from spec text. A value is a double-quoted scalar in which every code point outside
 * printable ASCII is an escape, so it reads back as exactly the original string under YAML 1.1 and 1.2 alike and no
 * character of it can be read as a line break (which would let spec text add keys to a manifest).
 * @see https://yaml.org/spec/1.2.2/#57-escaped-characters
 * @see https://yaml.org/spec/1.1/#id872840 (YAML 1.1 escape sequences: the same `\uXXXX` and `\UXXXXXXXX`)
 */
import { printableAscii } from './printable-ascii.js';

/** `value` as a YAML double-quoted scalar that parses back to exactly `value`, on one line of printable ASCII. */
export function yamlString(value: string): string {
  return `"${printableAscii(value, '"')}"`;
}

/** Text for a `#` comment (YAML, .env, Dockerfile): printable ASCII only, so it cannot end the comment. */
export function commentText(value: string): string {
  return printableAscii(value);
}
