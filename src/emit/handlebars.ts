/**
 * The one Handlebars instance that renders per-spec glue. Rules from real bugs (a backtick in a description broke
 * a peer's output): strict mode, no HTML escaping, and every string from the spec goes through a helper that makes
 * it safe for where it lands — `literal` for code and JSON, `md`/`mdCell` for Markdown.
 */
import Handlebars from 'handlebars';

export const handlebars = Handlebars.create();

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

function escapeMarkdown(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Compiles a template with the project's rules. */
export function compileTemplate(source: string): Handlebars.TemplateDelegate {
  return handlebars.compile(source, { strict: true, noEscape: true });
}
