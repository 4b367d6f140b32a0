/**
 * Hooks that no longer guard anything: keys of `tools` in the user's `src/hooks.ts` naming no tool of the new
 * generation (the tool was renamed or removed), reported as security-relevant changes, with the tool it was renamed
 * to when the operation (method and path) is the same. The keys are read with the TypeScript parser (ts-morph,
 * loaded only when the file has `tools` entries); a key that cannot be read statically is a warning saying so.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ts } from 'ts-morph';
import type { Change } from '../diff/diff-models.js';
import type { ToolSummary } from '../emit/manifest.js';
import type { WarningIssue } from '../errors.js';

/** The user-owned hooks file, relative to the output folder. */
export const HOOKS_PATH = 'src/hooks.ts';

/** A key of `tools` in the hooks file, with its 1-based line and column. */
export interface HookKey {
  readonly name: string;
  readonly line: number;
  readonly column: number;
}

/** Something under `hooks` or `tools` that cannot be read without running the code. */
export interface UnreadableHook {
  readonly line: number;
  readonly column: number;
  readonly what: string;
}

/** A hook key naming no tool any more. */
export interface StaleHook extends HookKey {
  /** The tool with the same operation in this generation, when the old tool was renamed. */
  readonly renamedTo?: string;
  /** `METHOD /path` of the tool the key named, when the last generation knew it. */
  readonly operation?: string;
}

export interface HooksReport {
  readonly stale: readonly StaleHook[];
  /** WARN_HOOKS_UNREADABLE issues for what could not be read. */
  readonly warnings: readonly WarningIssue[];
}

type Operation = Pick<ToolSummary, 'name' | 'method' | 'path'>;

/**
 * Reads `src/hooks.ts` in `outDir` (nothing when missing) and reports every `tools` key naming none of `tools`,
 * using `previous` (the last generation's tools) to find what it was renamed to.
 */
export async function checkHooks(outDir: string, tools: readonly Operation[], previous: readonly Operation[] = []): Promise<HooksReport> {
  const file = join(outDir, HOOKS_PATH);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined || !mayHaveToolHooks(text)) return { stale: [], warnings: [] };
  // ts-morph carries the TypeScript compiler (a dependency; `typescript` itself is only a dev dependency here).
  const { ts: typescript } = await import('ts-morph');
  const { keys, unreadable } = readHookKeys(text, typescript);
  return {
    stale: staleHooks(keys, tools, previous),
    warnings: unreadable.map((entry) => unreadableIssue(file, entry)),
  };
}

/**
 * Whether `text` may have entries under `tools` or compute `hooks` some other way: false for the template as created
 * (entries only in comments), so the TypeScript parser is not loaded for nothing.
 */
export function mayHaveToolHooks(text: string): boolean {
  const code = withoutComments(text);
  return /\btools\b/.test(code.replace(/\btools\s*:\s*\{\s*\}/g, ''));
}

/** `text` with comments blanked out; string and template literals are kept as they are. */
function withoutComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      out += ' ';
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The keys of the object literal under `tools` of the `hooks` variable, and what could not be read statically. */
export function readHookKeys(text: string, typescript: typeof ts): { keys: HookKey[]; unreadable: UnreadableHook[] } {
  const source = typescript.createSourceFile(HOOKS_PATH, text, typescript.ScriptTarget.Latest, true, typescript.ScriptKind.TS);
  const at = (node: ts.Node) => {
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
    return { line: line + 1, column: character + 1 };
  };
  const keys: HookKey[] = [];
  const unreadable: UnreadableHook[] = [];
  const variables = new Map<string, ts.VariableDeclaration>();
  for (const statement of source.statements) {
    if (!typescript.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (typescript.isIdentifier(declaration.name)) variables.set(declaration.name.text, declaration);
    }
  }
  /** The object literal an expression stands for: through parentheses, `as`, `satisfies` and local constants. */
  const objectOf = (expression: ts.Expression | undefined, seen = new Set<string>()): ts.ObjectLiteralExpression | undefined => {
    let node = expression;
    while (node && (typescript.isParenthesizedExpression(node) || typescript.isAsExpression(node) || typescript.isSatisfiesExpression(node) || typescript.isTypeAssertionExpression(node))) {
      node = node.expression;
    }
    if (node && typescript.isIdentifier(node) && !seen.has(node.text)) return objectOf(variables.get(node.text)?.initializer, new Set([...seen, node.text]));
    return node && typescript.isObjectLiteralExpression(node) ? node : undefined;
  };

  const declaration = variables.get('hooks');
  const hooks = objectOf(declaration?.initializer);
  if (!hooks) {
    unreadable.push({ ...(declaration ? at(declaration) : { line: 1, column: 1 }), what: 'the `hooks` object (it is not an object literal declared in this file)' });
    return { keys, unreadable };
  }
  for (const member of hooks.properties) {
    if (typescript.isSpreadAssignment(member)) {
      unreadable.push({ ...at(member), what: `the spread ${member.getText(source)} in \`hooks\`` });
      continue;
    }
    if (staticName(member.name, typescript) !== 'tools') {
      if (member.name && typescript.isComputedPropertyName(member.name) && staticName(member.name, typescript) === undefined) {
        unreadable.push({ ...at(member), what: `the computed key ${member.name.getText(source)} in \`hooks\`` });
      }
      continue;
    }
    const tools = typescript.isPropertyAssignment(member) ? objectOf(member.initializer) : typescript.isShorthandPropertyAssignment(member) ? objectOf(member.name) : undefined;
    if (!tools) {
      unreadable.push({ ...at(member), what: '`tools` (it is not an object literal declared in this file)' });
      continue;
    }
    for (const entry of tools.properties) {
      const name = typescript.isSpreadAssignment(entry) ? undefined : staticName(entry.name, typescript);
      if (name === undefined) unreadable.push({ ...at(entry), what: `the key ${typescript.isSpreadAssignment(entry) ? entry.getText(source) : entry.name.getText(source)} in \`tools\`` });
      else keys.push({ name, ...at(entry) });
    }
  }
  return { keys, unreadable };
}

/** The text of a property name known without running the code: identifiers, string and number literals. */
function staticName(name: ts.PropertyName | undefined, typescript: typeof ts): string | undefined {
  if (!name) return undefined;
  if (typescript.isIdentifier(name) || typescript.isPrivateIdentifier(name)) return name.text;
  if (typescript.isStringLiteral(name) || typescript.isNoSubstitutionTemplateLiteral(name) || typescript.isNumericLiteral(name)) return name.text;
  if (typescript.isComputedPropertyName(name)) {
    const expression = name.expression;
    if (typescript.isStringLiteral(expression) || typescript.isNoSubstitutionTemplateLiteral(expression) || typescript.isNumericLiteral(expression)) return expression.text;
  }
  return undefined;
}

/** Keys naming none of `tools` (`'*'` names them all), with the rename when `previous` had it on the same operation. */
export function staleHooks(keys: readonly HookKey[], tools: readonly Operation[], previous: readonly Operation[]): StaleHook[] {
  const names = new Set(tools.map((tool) => tool.name));
  const byOperation = new Map(tools.map((tool) => [operationOf(tool), tool.name]));
  const before = new Map(previous.map((tool) => [tool.name, tool]));
  return keys
    .filter((key) => key.name !== '*' && !names.has(key.name))
    .map((key) => {
      const old = before.get(key.name);
      const renamedTo = old ? byOperation.get(operationOf(old)) : undefined;
      return { ...key, ...(old ? { operation: operationOf(old) } : {}), ...(renamedTo ? { renamedTo } : {}) };
    });
}

/** Stale hooks as entries of the change summary: each one is a guard that no longer runs, so security-relevant. */
export function staleHookChanges(stale: readonly StaleHook[]): Change[] {
  return stale.map((hook) => {
    const where = `${HOOKS_PATH}:${hook.line}`;
    const fix = hook.renamedTo
      ? `tool ${hook.renamedTo} is the same operation (${hook.operation}): rename the key to ${hook.renamedTo}`
      : `${hook.operation ? `its tool (${hook.operation}) was removed` : 'no tool has that name'}: delete the hook or give it a current tool name`;
    return {
      kind: 'stale-hook',
      subject: hook.name,
      message: `hook ${hook.name} in ${where} names no tool any more, so it no longer runs; ${fix}`,
      security: true,
    };
  });
}

function unreadableIssue(file: string, entry: UnreadableHook): WarningIssue {
  return {
    code: 'WARN_HOOKS_UNREADABLE',
    severity: 'warning',
    file: `${file}:${entry.line}:${entry.column}`,
    pointer: '',
    message: `portcullis cannot read ${entry.what} without running it, so it cannot check that every hook names a tool`,
    hint: 'Write `tools` as an object literal with plain keys (names or strings), or check the names yourself after renaming.',
  };
}

function operationOf(tool: Operation): string {
  return `${tool.method} ${tool.path}`;
}
