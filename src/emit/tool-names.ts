/**
 * `src/tool-names.ts` of the emitted project: the union of every tool name, so `src/hooks.ts` (declared
 * `ServerHooks<ToolName>`) fails `npm run build` when it names a tool that no longer exists.
 *
 * Built in code rather than from a template because it is the one emitted TypeScript file whose text depends on the
 * spec: every name lands as a JSON string literal (a valid TypeScript string literal for any string), one
 * per line, so the file is well-formed by construction and generation need not load the TypeScript parser to check
 * it (≈0.3 s and ≈75 MiB; see format-typescript.ts). test/emit/tool-names.test.ts parses it for hostile names.
 */

/** The emitted path. */
export const TOOL_NAMES_PATH = 'src/tool-names.ts';

/** The text of `src/tool-names.ts` (without the generated-file header) for these tool names, in this order. */
export function toolNamesSource(names: readonly string[]): string {
  const union = names.length === 0 ? ' never' : names.map((name) => `\n  | ${stringLiteral(name)}`).join('');
  return [
    '/**',
    ' * The name of every tool this server serves. `src/hooks.ts` declares `ServerHooks<ToolName>`, so a hook for a tool',
    ' * that no longer exists (renamed or removed from the spec) fails `npm run build`.',
    ' */',
    `export type ToolName =${union};`,
    '',
  ].join('\n');
}

/** `JSON.stringify`, with U+2028/U+2029 escaped too: legal inside a string literal, but editors break the line there. */
function stringLiteral(text: string): string {
  return JSON.stringify(text).replace(/[\u2028\u2029]/g, (separator) => `\\u${separator.charCodeAt(0).toString(16)}`);
}
