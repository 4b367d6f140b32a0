/**
 * The Cedar schema of an emitted project (`policies/schema.cedarschema`), derived from its tools: who calls (the
 * entity type `Caller`), what is called (one action per tool, on the entity type `Tool`) and with what
 * (`context.args`, typed from the tool's input schema as far as Cedar's types go).
 * @see https://docs.cedarpolicy.com/schema/human-readable-schema.html
 *
 * Every name from the spec is written as a Cedar string literal (action names, attribute names), never as an
 * identifier, so no argument name can change the meaning of the schema. What Cedar cannot type is left out of
 * `context.args` and listed in a comment: numbers that may be fractional, nulls, unions (`oneOf`/`anyOf`, type lists),
 * free-form objects and recursive types.
 */
import { byText } from '../shared/compare.js';
import { isRecord } from '../shared/guards.js';
import type { JsonSchema, ServerDefinition, ToolDefinition } from '../../templates/runtime/definition.js';

/** The generator-owned Cedar schema file, relative to the output folder. */
export const POLICY_SCHEMA_PATH = 'policies/schema.cedarschema';

/** A Cedar type in the human-readable schema syntax, or why the JSON Schema has none. */
type Typed = { readonly type: string } | { readonly leftOut: string };

/** Nesting beyond this depth is left out (a Cedar record per level). */
const MAX_DEPTH = 8;

/** A Cedar string literal: `"` and `\` escaped, every other character outside printable ASCII as `\u{…}`. */
export function cedarString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (code >= 0x20 && code < 0x7f) out += char;
    else out += `\\u{${code.toString(16)}}`;
  }
  return `${out}"`;
}

/** The text of `policies/schema.cedarschema` for `definition`, offering the claims at `claims` as Strings. */
export function cedarSchemaText(definition: ServerDefinition, claims: readonly string[]): string {
  const lines = [
    `// Cedar schema of the ${cedarComment(definition.title)} MCP server: what policies in this folder can see.`,
    '// principal: the caller (Caller::"<sub>"); action: the tool (Action::"<tool name>"); resource: Tool::"<tool name>".',
    '// context.args: the validated arguments of the call, where Cedar can type them (String, Long, Bool, Set, Record).',
    'entity Caller = {',
    '  "sub"?: String,',
    '  "client_id"?: String,',
    '  "roles": Set<String>,',
    '  "scopes": Set<String>,',
    `  "claims": {${[...claims].sort().map((claim) => ` ${cedarString(claim)}?: String`).join(',')} },`,
    '};',
    'entity Tool;',
  ];
  for (const tool of [...definition.tools].sort(byText((tool) => tool.name))) {
    const leftOut: string[] = [];
    const args = argumentsType(tool, definition.definitions, leftOut);
    lines.push('');
    if (leftOut.length > 0) lines.push(`// ${cedarComment(tool.name)}: not in context.args (no Cedar type): ${leftOut.map(cedarComment).join('; ')}`);
    lines.push(`action ${cedarString(tool.name)} appliesTo {`, '  principal: [Caller],', '  resource: [Tool],', `  context: { "args": ${args} },`, '};');
  }
  return `${lines.join('\n')}\n`;
}

/** The Cedar record type of a tool's arguments (bound arguments included: they are validated like the others). */
function argumentsType(tool: ToolDefinition, definitions: ServerDefinition['definitions'], leftOut: string[]): string {
  const schema = tool.boundInputSchema ?? tool.inputSchema;
  const typed = typeOf(schema, definitions ?? {}, '', new Set(), 0, leftOut);
  return 'type' in typed ? typed.type : '{}';
}

/** The Cedar type of `schema` at argument path `at` (for the left-out list), refs followed, cycles and unions left out. */
function typeOf(schema: unknown, definitions: Readonly<Record<string, JsonSchema>>, at: string, expanding: ReadonlySet<string>, depth: number, leftOut: string[]): Typed {
  if (typeof schema !== 'object' || schema === null) return { leftOut: 'no schema' };
  const node = schema as JsonSchema;
  if (typeof node.$ref === 'string') {
    const name = refName(node.$ref);
    if (name === undefined || !Object.hasOwn(definitions, name)) return { leftOut: 'unresolved $ref' };
    if (expanding.has(name)) return { leftOut: 'recursive type' };
    return typeOf(definitions[name], definitions, at, new Set([...expanding, name]), depth, leftOut);
  }
  if (depth > MAX_DEPTH) return { leftOut: 'nested too deeply' };
  if (node.oneOf !== undefined || node.anyOf !== undefined || node.allOf !== undefined || Array.isArray(node.type)) return { leftOut: 'union' };
  const type = node.type ?? (node.properties !== undefined ? 'object' : constType(node));
  switch (type) {
    case 'string':
      return { type: 'String' };
    case 'integer':
      return { type: 'Long' };
    case 'boolean':
      return { type: 'Bool' };
    case 'number':
      return { leftOut: 'number (not only integers)' };
    case 'null':
      return { leftOut: 'null' };
    case 'array': {
      const item = typeOf(node.items, definitions, `${at}[]`, expanding, depth + 1, leftOut);
      return 'type' in item ? { type: `Set<${item.type}>` } : { leftOut: `array of ${item.leftOut}` };
    }
    case 'object':
      return recordType(node, definitions, at, expanding, depth, leftOut);
    default:
      return { leftOut: 'no type' };
  }
}

/** A Cedar record of the properties Cedar can type; the others are listed in `leftOut`. A free-form object has none. */
function recordType(node: JsonSchema, definitions: Readonly<Record<string, JsonSchema>>, at: string, expanding: ReadonlySet<string>, depth: number, leftOut: string[]): Typed {
  const properties = isRecord(node.properties) ? node.properties : {};
  const names = Object.keys(properties).sort();
  if (names.length === 0 && at !== '') return { leftOut: 'free-form object' };
  const required = new Set(Array.isArray(node.required) ? (node.required as unknown[]).filter((name): name is string => typeof name === 'string') : []);
  const attributes: string[] = [];
  for (const name of names) {
    const path = at === '' ? name : `${at}.${name}`;
    const typed = typeOf(properties[name], definitions, path, expanding, depth + 1, leftOut);
    if ('type' in typed) attributes.push(`${cedarString(name)}${required.has(name) ? '' : '?'}: ${typed.type}`);
    else leftOut.push(`${path} (${typed.leftOut})`);
  }
  return { type: attributes.length === 0 ? '{}' : `{ ${attributes.join(', ')} }` };
}

/** `string` for `const`/`enum` of strings only (no `type`), else undefined. */
function constType(node: JsonSchema): string | undefined {
  const values = node.enum !== undefined ? node.enum : node.const !== undefined ? [node.const] : undefined;
  if (!Array.isArray(values) || values.length === 0) return undefined;
  if (values.every((value) => typeof value === 'string')) return 'string';
  if (values.every((value) => typeof value === 'boolean')) return 'boolean';
  if (values.every((value) => Number.isSafeInteger(value))) return 'integer';
  return undefined;
}

/** The definition name of a local `#/$defs/<name>` ref. */
function refName(ref: string): string | undefined {
  const match = /^#\/\$defs\/(.+)$/.exec(ref);
  return match ? match[1]!.replace(/~1/g, '/').replace(/~0/g, '~') : undefined;
}

/** Text safe inside a `//` comment: one line, printable ASCII. */
function cedarComment(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}
