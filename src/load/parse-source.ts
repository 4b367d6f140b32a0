/**
 * Parses spec text (JSON or YAML) into a value, with syntax errors located by line and column.
 * JSON goes through `JSON.parse` (fast on multi-megabyte specs); YAML through js-yaml when it is sure to read it as
 * the `yaml` package does (yaml-fast-path.ts), else through the `yaml` package, which also locates every error.
 * @see https://spec.openapis.org/oas/v3.1.0#format
 */
import { createRequire } from 'node:module';
import type { Document } from 'yaml';
import { parseYamlFast } from './yaml-fast-path.js';

type Yaml = typeof import('yaml');
let yamlModule: Yaml | undefined;

/** The `yaml` package, loaded on first use: a JSON spec that parses never needs it. */
function yaml(): Yaml {
  yamlModule ??= createRequire(import.meta.url)('yaml') as Yaml;
  return yamlModule;
}

/** One syntax error, 1-based line and column. */
export interface SyntaxProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /** Set when the text nests deeper than the parser can follow, rather than being malformed. */
  readonly tooDeep?: true;
}

export type ParseResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problems: readonly SyntaxProblem[] };

/** Parses JSON or YAML text; JSON when the text starts with `{` or `[`, YAML otherwise. */
export function parseSource(text: string): ParseResult {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return /^\s*[{[]/.test(source) ? parseJson(source) : parseYaml(source);
}

/** Formats a problem as `line 3, column 5: message` (the form used in ERR_SPEC_PARSE messages). */
export function formatSyntaxProblem(problem: SyntaxProblem): string {
  return `line ${problem.line}, column ${problem.column}: ${problem.message}`;
}

function parseYaml(source: string): ParseResult {
  const fast = parseYamlFast(source);
  if (fast) return { ok: true, value: fast.value };
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error): SyntaxProblem => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      // The yaml package reports its own stack overflow (collections nested too deeply) this way.
      if (error.code === 'RESOURCE_EXHAUSTION') return { line, column: col, message: 'collections nested too deeply to parse', tooDeep: true };
      return { line, column: col, message: error.message };
    });
    const deep = problems.find((problem) => problem.tooDeep);
    if (deep) return { ok: false, problems: [deep] };
    // One mistake often yields several errors at the same spot; the first says it best.
    return { ok: false, problems: problems.filter((p, i) => problems.findIndex((q) => q.line === p.line && q.column === p.column) === i) };
  }
  let value: unknown;
  try {
    const recursive = findRecursiveAlias(document, lineCounter);
    if (recursive) return { ok: false, problems: [recursive] };
    // An alias becomes the same object as its anchor, not a copy, so expansion costs nothing here; the expanded
    // size is bounded by checkDocumentLimits (limits.ts), which replaces the package's alias-count heuristic.
    value = document.toJS({ maxAliasCount: -1 });
  } catch (error) {
    if (error instanceof RangeError) return { ok: false, problems: [{ line: 1, column: 1, message: 'collections nested too deeply to parse', tooDeep: true }] };
    return { ok: false, problems: [{ line: 1, column: 1, message: (error as Error).message }] };
  }
  return { ok: true, value };
}

/** A YAML alias inside its own anchor (`a: &x [*x]`) makes a cyclic value that no later stage could walk. */
function findRecursiveAlias(document: Document.Parsed, lineCounter: import('yaml').LineCounter): SyntaxProblem | undefined {
  const { visit } = yaml();
  let problem: SyntaxProblem | undefined;
  visit(document, {
    Alias(_key, alias, path) {
      if (!path.some((ancestor) => (ancestor as { anchor?: string }).anchor === alias.source)) return undefined;
      const { line, col } = lineCounter.linePos(alias.range?.[0] ?? 0);
      const message = `alias *${alias.source} is inside its own anchor; use a $ref for recursive structures`;
      problem = { line, column: col, message };
      return visit.BREAK;
    },
  });
  return problem;
}

function parseJson(source: string): ParseResult {
  try {
    return { ok: true, value: JSON.parse(source) };
  } catch (error) {
    return { ok: false, problems: [locateJsonError(source, (error as Error).message)] };
  }
}

/**
 * Locates a `JSON.parse` error. V8 gives `at position N` for most errors; for the rest (`Unexpected token 'x',
 * "...text..." is not valid JSON`) the `yaml` parser in JSON mode names the offending token and where it is.
 */
function locateJsonError(source: string, message: string): SyntaxProblem {
  const position = /^(.*?)(?: in JSON)? at position (\d+)/s.exec(message);
  if (position) return { ...lineAndColumn(source, Number(position[2])), message: position[1] ?? message };
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const problem = parseDocument(source, { lineCounter, schema: 'json', prettyErrors: false }).errors[0];
  if (!problem || problem.code === 'RESOURCE_EXHAUSTION') return { line: 1, column: 1, message };
  const { line, col } = lineCounter.linePos(problem.pos[0]);
  return { line, column: col, message: problem.message };
}

function lineAndColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
