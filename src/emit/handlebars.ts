/**
 * The one Handlebars instance that renders per-spec glue. Rules from real bugs (a backtick in a description broke
 * a peer's output): strict mode, no HTML escaping, and every string from the spec goes through a helper that makes
 * it safe for where it lands — `literal` for code and JSON, `md`/`mdCell` for Markdown.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type Handlebars from 'handlebars';

type Environment = typeof Handlebars;

/** The compile options of every template. */
export const TEMPLATE_OPTIONS = { strict: true, noEscape: true } as const;

/**
 * Compiling the templates (and loading Handlebars' compiler) is work every run would redo, so `npm run build`
 * (scripts/build-assets.mjs) precompiles every template into `precompiled-templates.cjs` next to this module,
 * keyed by the sha256 of its source; a template whose source has that digest runs on the Handlebars runtime alone,
 * anything else (a changed template, a run from the sources) is compiled here as before.
 */
export const PRECOMPILED_TEMPLATES_FILE = 'precompiled-templates.cjs';

/** The key of a template source in the precompiled file. */
export function templateDigest(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

const require = createRequire(import.meta.url);
let compiler: Environment | undefined;
let runtime: Environment | undefined;
let precompiled: Readonly<Record<string, object>> | undefined;

/** The full Handlebars (with the compiler), loaded on first use. */
function compilerEnvironment(): Environment {
  compiler ??= withHelpers((require('handlebars') as Environment).create());
  return compiler;
}

function runtimeEnvironment(): Environment {
  runtime ??= withHelpers((require('handlebars/runtime') as Environment).create());
  return runtime;
}

function precompiledTemplates(): Readonly<Record<string, object>> {
  if (!precompiled) {
    const file = fileURLToPath(new URL(PRECOMPILED_TEMPLATES_FILE, import.meta.url));
    precompiled = existsSync(file) ? (require(file) as Record<string, object>) : {};
  }
  return precompiled;
}

/** `environment` with the project's helpers. */
function withHelpers(handlebars: Environment): Environment {
  /** A JSON/JavaScript string or value literal; throws on undefined, which strict mode does not catch for helpers. */
  handlebars.registerHelper('literal', (value: unknown) => {
    if (value === undefined) throw new Error('literal: value is undefined');
    return JSON.stringify(value);
  });

  /** A JSON value pretty-printed, indented to continue at the current nesting level. */
  handlebars.registerHelper('json', (value: unknown, indent: unknown) => {
    if (value === undefined) throw new Error('json: value is undefined');
    const pad = typeof indent === 'number' ? ' '.repeat(indent) : '';
    return JSON.stringify(value, null, 2).replace(/\n/g, `\n${pad}`);
  });

  /** Markdown text: HTML-like and emphasis-breaking characters neutralised, so spec text cannot inject markup. */
  handlebars.registerHelper('md', (value: unknown) => escapeMarkdown(String(value ?? '')));

  /** A Markdown table cell: also one line, and `|` escaped. */
  handlebars.registerHelper('mdCell', (value: unknown) => escapeMarkdown(String(value ?? '')).replace(/\r?\n+/g, ' ').replace(/\|/g, '\\|'));

  /** Inline code in Markdown, safe for any content (backticks in the value widen the fence). */
  handlebars.registerHelper('code', (value: unknown) => {
    const text = String(value ?? '').replace(/\r?\n+/g, ' ').replace(/\|/g, '\\|');
    const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
    const fence = '`'.repeat(longest + 1);
    const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
    return `${fence}${pad}${text}${pad}${fence}`;
  });

  /** One line of plain text (for comments in .env files and the like, where a newline would start a new entry). */
  handlebars.registerHelper('oneLine', (value: unknown) => String(value ?? '').replace(/[\r\n\u2028\u2029]+/g, ' '));

  handlebars.registerHelper('join', (list: unknown, separator: unknown) =>
    Array.isArray(list) ? list.join(typeof separator === 'string' ? separator : ', ') : '',
  );

  handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  return handlebars;
}

function escapeMarkdown(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Compiles a template with the project's rules (or takes the build's precompiled form of this very source). */
export function compileTemplate(source: string): Handlebars.TemplateDelegate {
  const spec = precompiledTemplates()[templateDigest(source)];
  if (spec) return runtimeEnvironment().template(spec as never);
  return compilerEnvironment().compile(source, TEMPLATE_OPTIONS);
}
