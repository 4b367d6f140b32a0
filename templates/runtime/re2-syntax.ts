/**
 * JSON Schema patterns are ECMA-262 regular expressions (JSON Schema 2020-12 validation §6.3.3); the server runs them
 * on RE2, whose syntax differs in one way specs use often: RE2 spells a code point `\x{…}`, not `\uXXXX` or `\u{…}`.
 * Everything else is passed on unchanged, so what RE2 cannot run (backreferences, lookarounds) still fails to compile
 * rather than silently meaning something else. The generator checks every pattern through this same function.
 */

/** `pattern` with every `\uXXXX` and `\u{…}` escape written as RE2's `\x{…}`; other text unchanged. */
export function toRe2Syntax(pattern: string): string {
  let out = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index]!;
    if (char !== '\\' || index + 1 >= pattern.length) {
      out += char;
      continue;
    }
    const rest = pattern.slice(index + 1);
    const escape = /^u([0-9A-Fa-f]{4})/.exec(rest) ?? /^u\{([0-9A-Fa-f]{1,6})\}/.exec(rest);
    if (escape) {
      out += `\\x{${escape[1]}}`;
      index += escape[0].length;
    } else {
      // Any other escape (including `\\`) is copied whole, so an escaped backslash never starts a `\u`.
      out += `\\${pattern[index + 1]}`;
      index += 1;
    }
  }
  return out;
}
