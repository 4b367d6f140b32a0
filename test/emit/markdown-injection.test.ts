/**
 * #16 item 3: spec text in README.md and AUTHORIZATION.md stays inert. Each document of a hostile spec is parsed with
 * markdown-it (raw HTML on) and must have exactly the token structure of the same document for a benign spec of the
 * same shape: spec text adds no heading, link, image, HTML, fence, code block, list, quote, emphasis or table cell.
 * Links, with linkify on as GitHub renders, only ever point to http(s). And the spec text reads back exactly.
 */
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { emitServer } from '../../src/emit/emit-server.js';
import { BENIGN, HOSTILE, byPath, generateFrom, hostileText, shortHostileText, withHostileNames, type Files } from './hostile-spec.js';

const DOCUMENTS = ['README.md', 'AUTHORIZATION.md'] as const;
type Token = ReturnType<InstanceType<typeof MarkdownIt>['parse']>[number];
const structural = new MarkdownIt({ html: true });
const linkifying = new MarkdownIt({ html: true, linkify: true });

function flatten(tokens: readonly Token[]): Token[] {
  return tokens.flatMap((token) => [token, ...flatten(token.children ?? [])]);
}

/** Token types in document order, without the text itself (code spans count as text: both are inert). */
function structureOf(markdown: string): string[] {
  return flatten(structural.parse(markdown, {}))
    .filter((token) => token.type !== 'text' && token.type !== 'code_inline')
    .map((token) => (token.type === 'inline' ? 'inline' : `${token.type}${token.markup ? ` ${token.markup}` : ''}`));
}

/** What a reader sees: the text and code of every inline run, one run per line. */
function visibleText(markdown: string): string {
  return structural
    .parse(markdown, {})
    .filter((token) => token.type === 'inline')
    .map((token) => (token.children ?? []).map((child) => (child.type === 'text' || child.type === 'code_inline' ? child.content : child.type === 'softbreak' ? '\n' : '')).join(''))
    .join('\n');
}

/** The cells of each table row as cmark-gfm splits them (`\` pairs with the next character; a lone `|` splits). */
function gfmCellCounts(markdown: string): number[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((row) => {
      let cells = 0;
      for (let i = 0; i < row.length; i++) {
        if (row[i] === '\\') i++;
        else if (row[i] === '|') cells++;
      }
      return cells - 1;
    });
}

/** Spec text as the documents show it: each run of line breaks one space, controls and bidi overrides U+FFFD. */
function shown(text: string): string {
  return text.replace(/(?:\r\n|[\n\v\f\r\u0085\u2028\u2029])+/g, ' ').replace(/[\0-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '\uFFFD');
}

/** Every link and image target, as GitHub would render the document (bare URLs linked). */
function targetsOf(markdown: string): string[] {
  return flatten(linkifying.parse(markdown, {})).flatMap((token) => [token.attrGet('href'), token.attrGet('src')].filter((url): url is string => url !== null));
}

function expectInert(hostile: Files, benign: Files): void {
  for (const path of DOCUMENTS) {
    const [markdown, expected] = [hostile[path]!, benign[path]!];
    expect(structureOf(markdown), path).toEqual(structureOf(expected));
    expect(gfmCellCounts(markdown), path).toEqual(gfmCellCounts(expected));
    // Beyond the template's own links (e.g. to AUTHORIZATION.md), spec text may only make bare http(s) URLs clickable.
    const own = new Set(targetsOf(expected));
    for (const url of targetsOf(markdown).filter((target) => !own.has(target))) expect(url, path).toMatch(/^https?:\/\//);
    expect(linkifying.render(markdown), path).not.toMatch(/<(script|a|img|div|i|b)\b[^>]*(javascript:|vbscript:|data:|onclick)/i);
  }
}

describe('#16 spec text in Markdown', () => {
  it('#16 a hostile title, version, summaries and descriptions add no Markdown structure and read back exactly', async () => {
    const [hostile, benign] = [await generateFrom(HOSTILE), await generateFrom(BENIGN)];
    expectInert(hostile.files, benign.files);
    const readme = visibleText(hostile.files['README.md']!);
    expect(readme).toContain(`${shown(hostileText('title'))} — MCP server`);
    expect(readme).toContain(`version ${shown(hostileText('version'))})`);
    expect(readme).toContain(shown(hostileText('summary')));
    const authorization = visibleText(hostile.files['AUTHORIZATION.md']!);
    expect(authorization).toContain(`Authorization of ${shown(hostileText('title'))} — for review`);
    expect(authorization).toContain(shown(hostileText('scope')));
    for (const name of [HOSTILE.scope('read'), HOSTILE.role('reader'), `${HOSTILE.path('items')}/{id}`]) expect(authorization).toContain(name);
  });

  it('#16 hostile names that slip past the model (scopes, roles, schemes, paths) add no Markdown structure either', async () => {
    const { model, files } = await generateFrom(BENIGN);
    const hostile = byPath(emitServer(withHostileNames(model)));
    expectInert(hostile, files);
    const authorization = visibleText(hostile['AUTHORIZATION.md']!);
    for (const text of [hostileText('scopeName'), hostileText('roleName'), `/${hostileText('path')}/{id}`]) expect(authorization).toContain(shown(text));
    expect(visibleText(hostile['README.md']!)).toContain(shown(shortHostileText('schemeName')));
  });

  it('#16 javascript:, data: and vbscript: links in a summary are shown as text, never as links', async () => {
    const { files } = await generateFrom(HOSTILE);
    const html = linkifying.render(files['README.md']!);
    expect(html).toContain('[click](javascript:alert(1))');
    expect(html).not.toMatch(/(href|src)="\s*(javascript|data|vbscript):/i);
    expect(targetsOf(files['README.md']!).filter((url) => !/^https?:\/\//.test(url))).toEqual(['AUTHORIZATION.md', 'AUTHORIZATION.md']);
  });
});
