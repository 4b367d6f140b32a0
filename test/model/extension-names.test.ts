/**
 * #16: scopes in `x-mcp-scopes` and roles in `x-mcp-roles` must be names a token and a roles claim can carry; and
 * security schemes whose names derive the same `UPSTREAM_<SCHEME>` prefix still get distinct variables.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue, IssueCollector } from '../../src/errors.js';
import { buildModel } from '../../src/model/build-model.js';
import { upstreamSchemes } from '../../src/model/security.js';
import { apiKey, oauth, operation, spec } from '../support/normalized.js';

const SCOPE_HINT = 'Rename it using printable ASCII characters other than space, \'"\' and \'\\\'.';
const ROLE_HINT = 'Rename it without white space, commas, control or invisible characters.';

function lines(extensions: Record<string, unknown>): string[] {
  const { issues } = buildModel(spec({ securitySchemes: { oauth }, operations: [operation({ method: 'GET', path: '/a', extensions })] }), {}, { specFile: 'spec.yaml' });
  return issues.map(formatIssue);
}

describe('#16 names in x-mcp-scopes and x-mcp-roles', () => {
  it('#16 reports every scope no token can carry, at its index, in both forms', () => {
    expect(lines({ 'x-mcp-scopes': ['pets:read', 'pets write'] })).toEqual([
      `spec.yaml#/paths/~1a/get/x-mcp-scopes/1: scope "pets write" contains " " (a space), so no access token can carry it (RFC 6749 §3.3 scope-token). ${SCOPE_HINT} [ERR_SPEC_SCOPE_NAME]`,
    ]);
    expect(lines({ 'x-mcp-scopes': [['ok'], ['fine', 'a\\b', 'c"d']] })).toEqual([
      `spec.yaml#/paths/~1a/get/x-mcp-scopes/1/1: scope "a\\\\b" contains "\\\\", so no access token can carry it (RFC 6749 §3.3 scope-token). ${SCOPE_HINT} [ERR_SPEC_SCOPE_NAME]`,
      `spec.yaml#/paths/~1a/get/x-mcp-scopes/1/2: scope "c\\"d" contains "\\"", so no access token can carry it (RFC 6749 §3.3 scope-token). ${SCOPE_HINT} [ERR_SPEC_SCOPE_NAME]`,
    ]);
  });

  it('#16 reports every role a roles claim could never match, at its index', () => {
    expect(lines({ 'x-mcp-roles': ['admin', 'team lead', 'a,b', 'ops\u2028', 'zero\u200bwidth', 'développeur'] })).toEqual([
      `spec.yaml#/paths/~1a/get/x-mcp-roles/1: role "team lead" contains " " (a space); roles arrive in a claim that may be a space- or comma-separated list, so it could never be matched. ${ROLE_HINT} [ERR_SPEC_NAME]`,
      `spec.yaml#/paths/~1a/get/x-mcp-roles/2: role "a,b" contains ","; roles arrive in a claim that may be a space- or comma-separated list, so it could never be matched. ${ROLE_HINT} [ERR_SPEC_NAME]`,
      `spec.yaml#/paths/~1a/get/x-mcp-roles/3: role "ops\u2028" contains U+2028 (a white-space character); roles arrive in a claim that may be a space- or comma-separated list, so it could never be matched. ${ROLE_HINT} [ERR_SPEC_NAME]`,
      `spec.yaml#/paths/~1a/get/x-mcp-roles/4: role "zero\u200bwidth" contains U+200B (an invisible character); roles arrive in a claim that may be a space- or comma-separated list, so it could never be matched. ${ROLE_HINT} [ERR_SPEC_NAME]`,
    ]);
  });
});

describe('#16 upstream variable prefixes', () => {
  it('#16 schemes whose names derive the same prefix get distinct ones, whatever the suffixes already taken', () => {
    const names = ['a_2', 'A', 'a', 'a-2', 'A_2_2', '__proto__', 'proto', 'PROTO'];
    const schemes = upstreamSchemes(
      spec({ securitySchemes: Object.fromEntries(names.map((name) => [name, { ...apiKey, name }])) }),
      new Set(names),
      new Map(),
      new IssueCollector('f'),
    );
    const prefixes = schemes.map((scheme) => [scheme.name, scheme.envPrefix]);
    expect(prefixes).toEqual([
      ['A', 'UPSTREAM_A'],
      ['A_2_2', 'UPSTREAM_A_2_2'],
      ['PROTO', 'UPSTREAM_PROTO'],
      ['__proto__', 'UPSTREAM_PROTO_2'],
      ['a', 'UPSTREAM_A_2'],
      ['a-2', 'UPSTREAM_A_2_3'],
      ['a_2', 'UPSTREAM_A_2_4'],
      ['proto', 'UPSTREAM_PROTO_3'],
    ]);
    expect(new Set(prefixes.map(([, prefix]) => prefix)).size).toBe(names.length);
  });
});
