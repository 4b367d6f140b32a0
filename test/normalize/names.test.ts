/**
 * #16: names the server sends, matches or derives keys from must be ones that can work: scopes (RFC 6749 §3.3
 * scope-token), security scheme names (component keys), header names (RFC 9110 tokens), cookie and query names,
 * roles. Each rule is checked over every ASCII character and a few non-ASCII classes; then each place a spec writes
 * such a name reports a located error.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/errors.js';
import {
  componentKeyProblem,
  cookieNameProblem,
  headerNameProblem,
  queryNameProblem,
  roleNameProblem,
  scopeNameProblem,
} from '../../src/normalize/names.js';
import { normalizeSpec } from '../../src/normalize/normalize-spec.js';
import type { SpecVersion } from '../../src/normalize/types.js';

const ASCII = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code));
const NON_ASCII = { nel: '\u0085', nbsp: '\u00a0', lineSeparator: '\u2028', zeroWidthSpace: '\u200b', bom: '\ufeff', letter: 'é', cjk: '漢' };
/** Characters each rule allows, written out from its grammar. */
const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const COMPONENT = '.-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The ASCII characters a rule accepts inside a name. */
const accepted = (rule: (name: string) => string | undefined) => ASCII.filter((c) => rule(`a${c}b`) === undefined).join('');

describe('#16 name rules, over every ASCII character', () => {
  it('#16 scope names are RFC 6749 scope-tokens: %x21 / %x23-5B / %x5D-7E', () => {
    expect(accepted(scopeNameProblem)).toBe(ASCII.filter((c) => c === '!' || (c >= '#' && c <= '[') || (c >= ']' && c <= '~')).join(''));
    expect(scopeNameProblem('')).toBe('is empty');
    expect(scopeNameProblem('read pets')).toBe('contains " " (a space)');
    expect(scopeNameProblem('read"')).toBe('contains "\\""');
  });

  it('#16 header names are RFC 9110 tokens', () => {
    expect(accepted(headerNameProblem)).toBe(ASCII.filter((c) => TCHAR.includes(c)).join(''));
  });

  it('#16 security scheme names use the component key alphabet', () => {
    expect(accepted(componentKeyProblem)).toBe(ASCII.filter((c) => COMPONENT.includes(c)).join(''));
  });

  it('#16 cookie names exclude controls, white space, ";", "=" and ","', () => {
    expect(accepted(cookieNameProblem)).toBe(ASCII.filter((c) => c > ' ' && c < '\x7f' && !';=,'.includes(c)).join(''));
  });

  it('#16 query names exclude control characters only', () => {
    expect(accepted(queryNameProblem)).toBe(ASCII.filter((c) => c >= ' ' && c < '\x7f').join(''));
  });

  it('#16 role names are printable, without white space or commas', () => {
    expect(accepted(roleNameProblem)).toBe(ASCII.filter((c) => c > ' ' && c < '\x7f' && c !== ',').join(''));
  });

  it('#16 non-ASCII: controls, white space and invisible characters are refused everywhere; letters only in roles and query names', () => {
    const rules = { scopeNameProblem, headerNameProblem, componentKeyProblem, cookieNameProblem, queryNameProblem, roleNameProblem };
    const table = Object.fromEntries(
      Object.entries(rules).map(([rule, check]) => [rule, Object.fromEntries(Object.entries(NON_ASCII).map(([name, c]) => [name, check(`a${c}b`) ?? 'ok']))]),
    );
    const refusedInTokens = {
      nel: 'contains U+0085 (a control character)',
      nbsp: 'contains U+00A0 (a white-space character)',
      lineSeparator: 'contains U+2028 (a white-space character)',
      zeroWidthSpace: 'contains U+200B (an invisible character)',
      bom: 'contains U+FEFF (an invisible character)',
      letter: 'contains "é"',
      cjk: 'contains "漢"',
    };
    const printable = { ...refusedInTokens, letter: 'ok', cjk: 'ok' };
    expect(table).toEqual({
      scopeNameProblem: refusedInTokens,
      headerNameProblem: refusedInTokens,
      componentKeyProblem: refusedInTokens,
      cookieNameProblem: refusedInTokens,
      queryNameProblem: { letter: 'ok', cjk: 'ok', nel: 'contains U+0085 (a control character)', nbsp: 'ok', lineSeparator: 'ok', zeroWidthSpace: 'ok', bom: 'ok' },
      roleNameProblem: printable,
    });
  });
});

function lines(version: SpecVersion, document: Record<string, unknown>): string[] {
  const header = version === '2.0' ? { swagger: '2.0' } : { openapi: version === '3.0' ? '3.0.3' : '3.1.0' };
  const { issues } = normalizeSpec({ file: 'spec.yaml', document: { ...header, info: { title: 'T', version: '1' }, ...document }, specVersion: version });
  return issues.map(formatIssue);
}

const ok = { responses: { '200': { description: 'ok' } } };
const SCOPE_HINT = 'Rename it using printable ASCII characters other than space, \'"\' and \'\\\'.';
const scopeLine = (pointer: string, scope: string, problem: string) =>
  `spec.yaml${pointer}: scope ${JSON.stringify(scope)} ${problem}, so no access token can carry it (RFC 6749 §3.3 scope-token). ${SCOPE_HINT} [ERR_SPEC_SCOPE_NAME]`;

describe('#16 names in a spec', () => {
  it('#16 scope names in declared flows and in requirements (OAuth2 and OpenID Connect), located at the scope', () => {
    const document = {
      components: {
        securitySchemes: {
          oauth: {
            type: 'oauth2',
            flows: {
              clientCredentials: { tokenUrl: 'https://as/t', scopes: { 'pets:read': 'r', 'pets write': 'w' } },
              implicit: { authorizationUrl: 'https://as/a', scopes: { 'a\u0085b': 'x', '': 'empty' } },
            },
          },
          oidc: { type: 'openIdConnect', openIdConnectUrl: 'https://as/.well-known/openid-configuration' },
          key: { type: 'apiKey', in: 'header', name: 'X-Key' },
        },
      },
      security: [{ oauth: ['pets:read', 'pets write'] }],
      paths: { '/a': { get: { ...ok, security: [{ oidc: ['openid', 'é'] }, { key: ['not a scope: apiKey lists are not scopes'] }] } } },
    };
    expect(lines('3.1', document)).toEqual([
      scopeLine('#/components/securitySchemes/oauth/flows/clientCredentials/scopes/pets write', 'pets write', 'contains " " (a space)'),
      scopeLine('#/components/securitySchemes/oauth/flows/implicit/scopes/a\u0085b', 'a\u0085b', 'contains U+0085 (a control character)'),
      scopeLine('#/components/securitySchemes/oauth/flows/implicit/scopes/', '', 'is empty'),
      scopeLine('#/security/0/oauth/1', 'pets write', 'contains " " (a space)'),
      scopeLine('#/paths/~1a/get/security/0/oidc/1', 'é', 'contains "é"'),
    ]);
  });

  it('#16 2.0 scopes are located in the security definition', () => {
    const document = {
      securityDefinitions: { oauth: { type: 'oauth2', flow: 'application', tokenUrl: 'https://as/t', scopes: { 'read\tall': 'r' } } },
      paths: { '/a': { get: ok } },
    };
    expect(lines('2.0', document)).toEqual([scopeLine('#/securityDefinitions/oauth/scopes/read\tall', 'read\tall', 'contains U+0009 (a control character)')]);
  });

  it('#16 security scheme names outside the component key alphabet, and API key names that cannot be sent', () => {
    const document = {
      components: {
        securitySchemes: {
          'my key': { type: 'apiKey', in: 'header', name: 'X Key' },
          'nel\u0085': { type: 'apiKey', in: 'cookie', name: 'session;path' },
          query: { type: 'apiKey', in: 'query', name: 'key\n' },
          fine: { type: 'apiKey', in: 'query', name: 'api key' },
        },
      },
      paths: { '/a': { get: ok } },
    };
    const scheme = (name: string, problem: string) =>
      `spec.yaml#/components/securitySchemes/${name}: security scheme name ${JSON.stringify(name)} ${problem}; component names may only use A-Z, a-z, 0-9, ".", "-" and "_". Rename it, and every security requirement that names it. [ERR_SPEC_NAME]`;
    expect(lines('3.0', document)).toEqual([
      scheme('my key', 'contains " " (a space)'),
      'spec.yaml#/components/securitySchemes/my key/name: API key header name "X Key" contains " " (a space); an HTTP field name must be a token (RFC 9110 §5.6.2). Rename it using only letters, digits and !#$%&\'*+-.^_`|~. [ERR_SPEC_NAME]',
      scheme('nel\u0085', 'contains U+0085 (a control character)'),
      'spec.yaml#/components/securitySchemes/nel\u0085/name: API key cookie name "session;path" contains ";"; a cookie name must be printable ASCII without spaces, ";", "=" or "," (RFC 6265 §4.1.1). Rename it without those characters. [ERR_SPEC_NAME]',
      'spec.yaml#/components/securitySchemes/query/name: API key query name "key\\n" contains U+000A (a control character); a query parameter name cannot contain control characters. Remove the control characters from the name. [ERR_SPEC_NAME]',
    ]);
  });

  it('#16 header, cookie and query parameter names, located at the name (also through $ref and on the path item)', () => {
    const document = {
      components: { parameters: { trace: { name: 'X-Trace:Id', in: 'header', schema: { type: 'string' } } } },
      paths: {
        '/a': {
          parameters: [{ name: 'a=b', in: 'cookie', schema: { type: 'string' } }],
          get: {
            ...ok,
            parameters: [
              { $ref: '#/components/parameters/trace' },
              { name: 'q\r', in: 'query', schema: { type: 'string' } },
              { name: 'X-Fine', in: 'header', schema: { type: 'string' } },
              { name: 'fine name', in: 'query', schema: { type: 'string' } },
            ],
          },
          post: ok,
        },
      },
    };
    expect(lines('3.0', document)).toEqual([
      'spec.yaml#/paths/~1a/parameters/0/name: cookie parameter name "a=b" contains "="; a cookie name must be printable ASCII without spaces, ";", "=" or "," (RFC 6265 §4.1.1). Rename it without those characters. [ERR_SPEC_NAME]',
      'spec.yaml#/components/parameters/trace/name: header parameter name "X-Trace:Id" contains ":"; an HTTP field name must be a token (RFC 9110 §5.6.2). Rename it using only letters, digits and !#$%&\'*+-.^_`|~. [ERR_SPEC_NAME]',
      'spec.yaml#/paths/~1a/get/parameters/1/name: query parameter name "q\\r" contains U+000D (a control character); a query parameter name cannot contain control characters. Remove the control characters from the name. [ERR_SPEC_NAME]',
    ]);
  });
});
