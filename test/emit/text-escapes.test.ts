/**
 * #16 items 2 and 3, the escapes themselves: for every code point, a YAML scalar reads back as the original string
 * under YAML 1.1 and 1.2 and is printable ASCII; Markdown text and code spans render as exactly their characters;
 * keys outside the strict alphabet are refused.
 */
import MarkdownIt from 'markdown-it';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { markdownCode, markdownCodeCell, markdownText } from '../../src/emit/markdown-inline.js';
import { printableAscii } from '../../src/emit/printable-ascii.js';
import { assertKey } from '../../src/emit/safe-key.js';
import { commentText, yamlString } from '../../src/emit/yaml-scalar.js';

/** Every code point of the BMP except surrogates, and a sample of the astral planes. */
function everyCodePoint(): string {
  let text = '';
  for (let code = 0; code <= 0xffff; code++) if (code < 0xd800 || code > 0xdfff) text += String.fromCodePoint(code);
  for (const code of [0x10000, 0x1f389, 0x1f468, 0xe0001, 0x10fffd, 0x10ffff]) text += String.fromCodePoint(code);
  return text;
}

describe('#16 YAML scalars and comments', () => {
  it('#16 a YAML string of every code point is printable ASCII and reads back exactly under YAML 1.1 and 1.2', () => {
    const text = everyCodePoint();
    const scalar = yamlString(text);
    expect(scalar).toMatch(/^"[\x20-\x7e]*"$/);
    for (const version of ['1.1', '1.2'] as const) expect(parse(`key: ${scalar}\n`, { version })).toEqual({ key: text });
  });

  it('#16 YAML strings keep YAML syntax and line breaks as data', () => {
    for (const text of ['', ' lead', 'trail ', ': ', '#', '---', '...', '- a', '"', "'", '\\', '\\u0085', '{a: b}', '[a]', '&a *a !tag', 'a\u0085b: c', 'a\r\nb', '\t', 'null', 'true', '0x1F', '1e3', '~']) {
      for (const version of ['1.1', '1.2'] as const) expect(parse(`k: ${yamlString(text)}`, { version }), JSON.stringify(text)).toEqual({ k: text });
    }
  });

  it('#16 a lone surrogate, which has no UTF-8 form, is U+FFFD', () => {
    expect(parse(`k: ${yamlString('a\ud800b\udc00')}`)).toEqual({ k: 'a\ufffdb\ufffd' });
  });

  it('#16 comment text is printable ASCII, with `\\` escaped so escapes stay unambiguous', () => {
    expect(commentText(everyCodePoint())).toMatch(/^[\x20-\x7e]*$/);
    expect(commentText('a\u0085  KEY: v\\u0085 \u{1F389}')).toBe('a\\u0085  KEY: v\\\\u0085 \\U0001F389');
    expect(printableAscii('"q"', '"')).toBe('\\"q\\"');
  });
});

describe('#16 keys and variable names', () => {
  it('#16 passes names of [A-Za-z0-9_.-] through unchanged', () => {
    for (const key of ['HOST', 'UPSTREAM_PETSTORE_AUTH_API_KEY', 'app.kubernetes.io-name_1', '20.19-bookworm-slim']) expect(assertKey(key)).toBe(key);
  });

  it('#16 refuses anything else, naming it printably', () => {
    for (const key of ['', 'A B', 'A:B', 'A\nB', 'A\u0085B', 'A\u2028B', 'K\u212A', 'A"B', 'A#B', 'A=B', 'ä', '\u{1F389}']) {
      expect(() => assertKey(key, 'variable'), JSON.stringify(key)).toThrow(/^internal error: variable "[\x20-\x7e]*" is not made of/);
    }
    expect(() => assertKey(undefined)).toThrow(/internal error: key undefined/);
    expect(() => assertKey(7)).toThrow(/internal error: key 7/);
  });
});

const markdown = new MarkdownIt({ html: true });

/** The inline children of the only paragraph or table cell in `source`. */
function inlineOf(source: string, cell: boolean): { type: string; content: string }[] {
  const document = cell ? `| h |\n| --- |\n| ${source} |\n` : `${source}\n`;
  const inlines = markdown.parse(document, {}).filter((token) => token.type === 'inline');
  const body = inlines.at(-1)!;
  if (cell) expect(markdown.parse(document, {}).filter((token) => token.type === 'td_open'), source).toHaveLength(1);
  return (body.children ?? []).map(({ type, content }) => ({ type, content }));
}

/** Strings made of every ASCII punctuation character and the Markdown constructs they can start. */
const MARKDOWN_CASES = [
  Array.from({ length: 0x5f }, (_, i) => String.fromCharCode(0x20 + i)).join(''),
  '**strong** *em* _em_ __strong__ a_b_c _a_b snake_case_ ~~del~~ ~del~',
  '[link](javascript:alert(1)) ![img](data:x) [ref] [ref]: http://x <http://x> <a@b.c> <b>html</b> <!-- c -->',
  '&amp; &#106; &lt;b&gt; \\ \\\\ \\| | \\* `code` ``a`b`` $math$',
  '# heading',
  '- item',
  '+ item',
  '> quote',
  '=== setext',
  'a\n    indented\n# heading\n- item\n\n\n> quote',
  'trailing backslash \\',
  'trailing spaces  ',
];

describe('#16 Markdown text', () => {
  it.each([false, true])('#16 renders as exactly its characters, as plain text (in a table cell: %s)', (cell) => {
    for (const text of MARKDOWN_CASES) {
      const children = inlineOf(markdownText(text), cell);
      expect(children.map((child) => child.type), text).toEqual(['text']);
      // Leading and trailing spaces of a paragraph or cell are not content in Markdown; line breaks become spaces.
      expect(children[0]!.content, text).toBe(text.replace(/\n+/g, ' ').trim());
    }
  });

  it('#16 puts every kind of line break on one line and makes controls and bidi overrides visible', () => {
    expect(markdownText('a\r\nb\nc\rd\ve\ff\u0085g\u2028h\u2029i')).toBe('a b c d e f g h i');
    expect(markdownText('x\u202Ey\u2066z\u0000\u0007\u009b')).toBe('x\uFFFDy\uFFFDz\uFFFD\uFFFD\uFFFD');
  });
});

describe('#16 Markdown code spans', () => {
  const CODE_CASES = ['plain', '`', '``', 'a`b', 'a``b`c', '`lead', 'trail`', ' both ', ' lead', 'trail ', '<b>x</b> [l](javascript:x)', '*a* _b_ \\', 'a|b', '  ', 'x\\'];

  it('#16 shows exactly its content, however many backticks or spaces it has', () => {
    for (const text of CODE_CASES) expect(inlineOf(markdownCode(text), false), JSON.stringify(text)).toEqual([{ type: 'code_inline', content: text }]);
  });

  it('#16 in a table cell, escapes `|` and keeps to one cell; a `\\|` in the text falls back to escaped text', () => {
    for (const text of CODE_CASES) expect(inlineOf(markdownCodeCell(text), true), JSON.stringify(text)).toEqual([{ type: 'code_inline', content: text }]);
    for (const text of ['a\\|b', '\\|', 'x\\\\|[l](javascript:y)']) {
      expect(markdownCodeCell(text)).toBe(markdownText(text));
      expect(inlineOf(markdownCodeCell(text), true), text).toEqual([{ type: 'text', content: text }]);
    }
  });

  it('#16 an empty name still renders as a code span', () => {
    expect(inlineOf(markdownCode(''), false)).toEqual([{ type: 'code_inline', content: ' ' }]);
  });
});
