/**
 * Spec text as printable ASCII, for places where any other code point could end a line or a comment: every code point
 * outside U+0020–U+007E, and `\`, becomes an escape sequence, so no parser can read a line break into the result.
 * YAML 1.1 (the version go-yaml v2 and so kubectl read) breaks lines on NEL, LS and PS as well as CR and LF; an
 * allowlist of what stays is the only rule that holds for every code point.
 * @see https://yaml.org/spec/1.1/#id868534 (YAML 1.1 line break characters)
 */

/**
 * `text` with `\`, the characters of `alsoEscape`, and every code point outside printable ASCII escaped: `\uXXXX`
 * (BMP), `\UXXXXXXXX` (astral), `\uFFFD` for a lone surrogate (it has no UTF-8 form). These are the escapes of YAML
 * 1.1 and 1.2 double-quoted scalars, so the same text serves YAML strings and comments.
 */
export function printableAscii(text: string, alsoEscape = ''): string {
  let result = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0x20 && code <= 0x7e) result += char === '\\' || alsoEscape.includes(char) ? `\\${char}` : char;
    else if (code >= 0xd800 && code <= 0xdfff) result += '\\uFFFD';
    else if (code <= 0xffff) result += `\\u${hex(code, 4)}`;
    else result += `\\U${hex(code, 8)}`;
  }
  return result;
}

function hex(code: number, digits: number): string {
  return code.toString(16).toUpperCase().padStart(digits, '0');
}
