/** Syntax check and formatting of every emitted `.ts` file, in memory, with ts-morph. */
import { Project, ts } from 'ts-morph';

let project: Project | undefined;

function sharedProject(): Project {
  project ??= new Project({ useInMemoryFileSystem: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } });
  return project;
}

/** Throws when `text` has syntax errors (naming file and line); returns it formatted when `format` is set. */
export function checkTypeScript(path: string, text: string, options: { format: boolean }): string {
  const file = sharedProject().createSourceFile(`/${path}`, text, { overwrite: true });
  try {
    const diagnostics = file.getProject().getProgram().getSyntacticDiagnostics(file);
    if (diagnostics.length > 0) {
      const first = diagnostics[0]!;
      const line = first.getLineNumber() ?? 0;
      const message = ts.flattenDiagnosticMessageText(first.getMessageText() as string | ts.DiagnosticMessageChain, ' ');
      throw new Error(`emitted ${path}:${line} has a syntax error: ${message}`);
    }
    if (!options.format) return text;
    file.formatText({ indentSize: 2, convertTabsToSpaces: true, ensureNewLineAtEndOfFile: true });
    return file.getFullText();
  } finally {
    file.delete();
  }
}
