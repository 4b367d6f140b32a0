/** #8 the config's `upstream` section: every malformed scheme, requirement and header reported, located. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { ConfigError, formatIssue } from '../../src/errors.js';
import { FIXED_HEADER_FORBIDDEN } from '../../templates/runtime/definition.js';

function problems(upstream: unknown): string[] {
  try {
    parseConfig({ upstream }, 'portcullis.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map(formatIssue);
  }
}

const line = (pointer: string, text: string) => `portcullis.yaml#/upstream${pointer}: ${text} [ERR_CONFIG_INVALID]`;

describe('#8 config upstream', () => {
  it('#8 accepts apiKey, http basic/bearer and OAuth2 client credentials schemes, a requirement list and headers', () => {
    const upstream = {
      securitySchemes: {
        key: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'key' },
        queryKey: { type: 'apiKey', in: 'query', name: 'api_key' },
        basic: { type: 'http', scheme: 'Basic' },
        token: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        cc: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://auth.example.com/token', scopes: { 'api:read': 'Read' } } } },
      },
      security: [{ key: [] }, { cc: ['api:read'], token: [] }],
      headers: { 'Notion-Version': '2022-06-28', Accept: 'application/vnd.github+json', 'X-Tab': 'a\tb' },
    };
    expect(parseConfig({ upstream }, 'c.yaml')).toEqual({ upstream });
  });

  it('#8 reports each malformed security scheme at its key', () => {
    expect(
      problems({
        securitySchemes: {
          'bad name': { type: 'http', scheme: 'bearer' },
          digest: { type: 'http', scheme: 'digest' },
          oidc: { type: 'openIdConnect', openIdConnectUrl: 'https://x' },
          notObject: 'bearer',
          key: { type: 'apiKey', in: 'body', name: 'k' },
          noName: { type: 'apiKey', in: 'header' },
          badHeader: { type: 'apiKey', in: 'header', name: 'X Key' },
          extra: { type: 'http', scheme: 'bearer', flows: {} },
          code: { type: 'oauth2', flows: { authorizationCode: { authorizationUrl: 'https://a', tokenUrl: 'https://t' } } },
          relative: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: '/token', scopes: { 'a b': 'x' } } } },
        },
      }),
    ).toEqual([
      line('/securitySchemes/bad name', 'security scheme name "bad name" contains " " (a space); scheme names may only use A-Z, a-z, 0-9, ".", "-" and "_". Rename it, and every requirement in upstream.security that names it.'),
      line('/securitySchemes/digest/scheme', 'must be basic or bearer (the HTTP authentication schemes this server can send). For example scheme: bearer.'),
      line('/securitySchemes/oidc/type', 'must be a Security Scheme Object of type apiKey, http or oauth2. For example { type: http, scheme: bearer }, { type: apiKey, in: header, name: X-Api-Key } or { type: oauth2, flows: { clientCredentials: { tokenUrl: https://auth.example.com/token } } }.'),
      line('/securitySchemes/notObject', 'must be a Security Scheme Object of type apiKey, http or oauth2. For example { type: http, scheme: bearer }, { type: apiKey, in: header, name: X-Api-Key } or { type: oauth2, flows: { clientCredentials: { tokenUrl: https://auth.example.com/token } } }.'),
      line('/securitySchemes/key/in', 'must be header, query or cookie. For example in: header.'),
      line('/securitySchemes/noName/name', 'missing: the name the key is sent under. For example name: X-Api-Key.'),
      line('/securitySchemes/badHeader/name', 'API key header name "X Key" contains " " (a space); an HTTP field name must be a token (RFC 9110 §5.6.2). Rename it using only letters, digits and !#$%&\'*+-.^_`|~.'),
      line('/securitySchemes/extra/flows', 'unknown key "flows" for type http. Allowed keys: type, description, scheme, bearerFormat.'),
      line('/securitySchemes/code/flows', 'must have a clientCredentials flow (the only one a server can use on its own). For example flows: { clientCredentials: { tokenUrl: https://auth.example.com/token, scopes: { api:read: Read } } }.'),
      line('/securitySchemes/relative/flows/clientCredentials/tokenUrl', 'must be an absolute http or https URL. For example flows: { clientCredentials: { tokenUrl: https://auth.example.com/token, scopes: { api:read: Read } } }.'),
      line('/securitySchemes/relative/flows/clientCredentials/scopes/a b', 'scope "a b" contains " " (a space), so no access token can carry it (RFC 6749 §3.3 scope-token). Rename it using printable ASCII characters other than space, \'"\' and \'\\\'.'),
    ]);
  });

  it('#8 reports a malformed requirement list', () => {
    const example = 'For example security: [{ token: [] }] (one scheme) or [{ key: [] }, { oauth: [api:read] }] (any one of them).';
    expect(problems({ security: [] })).toEqual([line('/security', `must be a non-empty list of security requirements. ${example}`)]);
    expect(problems({ security: [{}, 'token', { token: 'read' }, { cc: ['a b'] }] })).toEqual([
      line('/security/0', `must be an object naming one or more security schemes. ${example}`),
      line('/security/1', `must be an object naming one or more security schemes. ${example}`),
      line('/security/2/token', `must be a list of scopes (empty for schemes other than oauth2). ${example}`),
      line('/security/3/cc/0', 'scope "a b" contains " " (a space), so no access token can carry it (RFC 6749 §3.3 scope-token). Rename it using printable ASCII characters other than space, \'"\' and \'\\\'.'),
    ]);
  });

  it('#8 refuses every header that carries credentials, frames the message or is hop-by-hop, in any case', () => {
    const headers = Object.fromEntries(FIXED_HEADER_FORBIDDEN.map((name, index) => [index % 2 ? name.toUpperCase() : name, 'x']));
    const lines = problems({ headers });
    expect(lines).toHaveLength(FIXED_HEADER_FORBIDDEN.length);
    for (const name of Object.keys(headers)) {
      expect(lines).toContain(line(`/headers/${name}`, `header "${name}" cannot be a fixed header: it carries credentials, frames the message or is hop-by-hop. Remove it; upstream credentials belong in upstream.securitySchemes and upstream.security.`));
    }
    for (const name of ['authorization', 'cookie', 'host', 'content-length', 'transfer-encoding', 'connection']) expect(FIXED_HEADER_FORBIDDEN).toContain(name);
  });

  it('#8 refuses bad header names and values: not a token, CR/LF and other controls, non-ASCII, padded, not a string; duplicates and API key headers', () => {
    const value = (pointer: string, problem: string) => line(pointer, `the value ${problem}. Write it as a quoted string of printable ASCII, e.g. '2022-06-28'.`);
    expect(
      problems({
        securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-Api-Key' } },
        headers: {
          'Bad Name': 'x',
          'X-Split': 'a\r\nX-Evil: 1',
          'X-Nul': 'a\u0000',
          'X-Utf': 'é',
          'X-Padded': ' a',
          'X-Number': 2,
          'X-Empty': '',
          'x-api-key': 'k',
          'X-Dup': 'a',
          'x-dup': 'b',
        },
      }),
    ).toEqual([
      line('/headers/Bad Name', 'header name "Bad Name" contains " " (a space); an HTTP field name must be a token (RFC 9110 §5.6.2). Rename it using only letters, digits and !#$%&\'*+-.^_`|~.'),
      value('/headers/X-Split', 'contains U+000D (a control character)'),
      value('/headers/X-Nul', 'contains U+0000 (a control character)'),
      value('/headers/X-Utf', 'contains "é"'),
      value('/headers/X-Padded', 'begins or ends with white space'),
      value('/headers/X-Number', 'must be a string, not number'),
      value('/headers/X-Empty', 'is empty'),
      line('/headers/x-api-key', 'header "x-api-key" is the one an API key of upstream.securitySchemes is sent in. Remove it: the credential sets this header.'),
      line('/headers/x-dup', 'header "x-dup" is also given as "X-Dup" (header names are case-insensitive). Keep one of them.'),
    ]);
  });

  it('#8 reports unknown keys and a malformed section', () => {
    expect(problems({ schemes: {}, headers: ['a'] })).toEqual([
      line('/schemes', 'unknown key "schemes". Allowed keys: securitySchemes, security, headers.'),
      line('/headers', "must map header names to values. For example headers: { Notion-Version: '2022-06-28' }."),
    ]);
    expect(problems('bearer')).toHaveLength(1);
  });
});
