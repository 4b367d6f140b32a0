/** Syntax check and formatting of emitted `.ts` files, in memory, with ts-morph (and the compiler it bundles). */
import { Project, ts } from 'ts-morph';

/**
 * Throws when `text` has syntax errors (naming file and line); returns it formatted when `format` is set.
 * Parsing alone (no program, no type check) keeps this cheap enough to run on every emitted file.
 */
export function checkTypeScript(path: string, text: string, options: { format: boolean }): string {
  const parsed = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  // `parseDiagnostics` holds exactly the syntax errors; the public route to them needs a whole Program.
  const [first] = (parsed as unknown as { parseDiagnostics: readonly ts.Diagnostic[] }).parseDiagnostics;
  if (first) {
    const { line } = parsed.getLineAndCharacterOfPosition(first.start ?? 0);
    throw new Error(`emitted ${path}:${line + 1} has a syntax error: ${ts.flattenDiagnosticMessageText(first.messageText, ' ')}`);
  }
  if (!options.format) return text;
  // A fresh project per file: ts-morph's incremental state corrupts a re-created file of the same name.
  const file = new Project({ useInMemoryFileSystem: true }).createSourceFile(`/${path}`, text);
  file.formatText({ indentSize: 2, convertTabsToSpaces: true, ensureNewLineAtEndOfFile: true });
  return file.getFullText();
}
