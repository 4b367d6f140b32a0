/**
 * The one Handlebars instance that renders per-spec glue. Rules from real bugs (a backtick in a description broke
 * a peer's output): strict mode, no HTML escaping, and every string from the spec goes through a helper that makes
 * it safe for where it lands — `literal` for code and JSON, `yaml` for YAML scalars, `comment` for `#` comments,
 * `md`/`code`/`codeCell` for Markdown, `key` for keys and variable names. None of them strips a list of
 * characters: each escapes for its format, or refuses.
 */
import { builtAsset } from '../shared/built-asset.js';
import { sha256Hex } from '../shared/sha256.js';
import { createRequire } from 'node:module';
import type Handlebars from 'handlebars';
import { markdownCode, markdownCodeCell, markdownText } from './markdown-inline.js';
import { assertKey } from './safe-key.js';
import { commentText, yamlString } from './yaml-scalar.js';

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
  return sha256Hex(source);
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

/** The Handlebars runtime alone, from its one-file build (`handlebars/runtime` is the same code in 21 files). */
function runtimeEnvironment(): Environment {
  runtime ??= withHelpers((require('handlebars/dist/handlebars.runtime.js') as Environment).create());
  return runtime;
}

function precompiledTemplates(): Readonly<Record<string, object>> {
  if (!precompiled) {
    const file = builtAsset(`src/emit/${PRECOMPILED_TEMPLATES_FILE}`);
    precompiled = file ? (require(file) as Record<string, object>) : {};
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

  /** Inline Markdown text (paragraph, heading or table cell): renders as exactly the spec's characters, on one line. */
  handlebars.registerHelper('md', (value: unknown) => markdownText(text('md', value)));

  /** An inline code span in Markdown, outside tables (any backticks in the value widen the fence). */
  handlebars.registerHelper('code', (value: unknown) => markdownCode(text('code', value)));

  /** An inline code span in a Markdown table cell (`|` escaped). */
  handlebars.registerHelper('codeCell', (value: unknown) => markdownCodeCell(text('codeCell', value)));

  /** A YAML double-quoted scalar that reads back as exactly the value, under YAML 1.1 and 1.2. */
  handlebars.registerHelper('yaml', (value: unknown) => yamlString(text('yaml', value)));

  /** Text inside a `#` comment (YAML, .env, Dockerfile): printable ASCII only, so it cannot end the comment. */
  handlebars.registerHelper('comment', (value: unknown) => commentText(text('comment', value)));

  /** A key or variable name: rendered as it is, or the render fails when it is outside `[A-Za-z0-9_.-]`. */
  handlebars.registerHelper('key', (value: unknown) => assertKey(value));

  handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  return handlebars;
}

/** `value` when it is a string; helpers refuse anything else, which strict mode does not check for helper arguments. */
function text(helper: string, value: unknown): string {
  if (typeof value !== 'string') throw new Error(`${helper}: expected a string, got ${value === undefined ? 'undefined' : typeof value}`);
  return value;
}

/** Compiles a template with the project's rules (or takes the build's precompiled form of this very source). */
export function compileTemplate(source: string): Handlebars.TemplateDelegate {
  const spec = precompiledTemplates()[templateDigest(source)];
  if (spec) return runtimeEnvironment().template(spec as never);
  return compilerEnvironment().compile(source, TEMPLATE_OPTIONS);
}
