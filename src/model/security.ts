/**
 * Who may call a tool (caller scopes) and how the server authenticates upstream, from the spec's `security`.
 *
 * @see https://spec.openapis.org/oas/v3.1.0#security-requirement-object
 * @see ../../../shared/auth-requirements.md §5 — only OAuth2 and OpenID Connect schemes carry caller scopes.
 */
import type { IssueCollector } from '../errors.js';
import { ownValue } from '../normalize/dictionary.js';
import { scopeNameIssue } from '../normalize/names.js';
import type { NormalizedOperation, NormalizedSecurityScheme, NormalizedSpec } from '../normalize/types.js';
import type { UpstreamSchemeDefinition } from '../../templates/runtime/definition.js';
import { pointerJoin } from '../shared/json-pointer.js';
import type { SecurityModel } from './types.js';

/** Schemes whose scopes are asked of the caller. */
function carriesCallerScopes(scheme: NormalizedSecurityScheme | undefined): boolean {
  return scheme?.type === 'oauth2' || scheme?.type === 'openIdConnect';
}

/**
 * The effective security of an operation: operation-level overrides document-level; `x-mcp-scopes` overrides both.
 * `rename` maps upstream scope names to this server's own (config `scopes.rename`); `x-mcp-scopes` are already
 * this server's names.
 */
export function securityOf(
  operation: NormalizedOperation,
  spec: NormalizedSpec,
  issues: IssueCollector,
  rename: Readonly<Record<string, string>> = {},
): SecurityModel {
  const inForce = operation.security ?? spec.security ?? [];
  const source = operation.security
    ? `${operation.source}/security`
    : spec.security
      ? '#/security'
      : operation.source;
  const requirements = inForce.map((requirement) => requirement.schemes.map((use) => ({ scheme: use.scheme, scopes: [...use.scopes] })));

  const override = operation.extensions['x-mcp-scopes'];
  if (override !== undefined) {
    const scopes = parseScopesExtension(override);
    if (scopes) checkScopeNames(override as unknown[], `${operation.source}/x-mcp-scopes`, issues);
    if (scopes) return { requirements, scopes: normalizeAlternatives(scopes), scopesFrom: 'x-mcp-scopes', source: `${operation.source}/x-mcp-scopes` };
    issues.error(
      'ERR_SPEC_EXTENSION',
      `${operation.source}/x-mcp-scopes`,
      'x-mcp-scopes must be a list of scopes (all required) or a list of such lists (any one of them suffices)',
      'For example x-mcp-scopes: [pets:read] or x-mcp-scopes: [[pets:read], [pets:admin]].',
    );
  }

  // One requirement asking no caller scope satisfies the OR: the tool is then open to any valid token.
  const alternatives = requirements.map((requirement) =>
    requirement
      .filter((use) => carriesCallerScopes(ownValue(spec.securitySchemes, use.scheme)))
      .flatMap((use) => use.scopes.map((scope) => (Object.hasOwn(rename, scope) ? rename[scope]! : scope))),
  );
  const isPublic = alternatives.length === 0 || alternatives.some((scopes) => scopes.length === 0);
  return {
    requirements,
    scopes: isPublic ? [] : normalizeAlternatives(alternatives),
    scopesFrom: isPublic ? 'none' : 'spec',
    source,
  };
}

/** Every scope of a well-formed `x-mcp-scopes` must be one a token can carry (ERR_SPEC_SCOPE_NAME at its index). */
function checkScopeNames(value: readonly unknown[], pointer: string, issues: IssueCollector): void {
  value.forEach((item, index) => {
    if (Array.isArray(item)) {
      checkScopeNames(item, pointerJoin(pointer, index), issues);
      return;
    }
    const issue = scopeNameIssue(String(item));
    if (issue) issues.error('ERR_SPEC_SCOPE_NAME', pointerJoin(pointer, index), issue.message, issue.hint);
  });
}

/** `[a, b]` → `[[a, b]]`; `[[a], [b]]` as it is; anything else → undefined. `[]` means public. */
export function parseScopesExtension(value: unknown): string[][] | undefined {
  if (!Array.isArray(value)) return undefined;
  if (value.every((v) => typeof v === 'string' && v.length > 0)) return value.length === 0 ? [] : [value as string[]];
  if (value.every((v) => Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0))) return value as string[][];
  return undefined;
}

/** Sorts each AND set, removes duplicate scopes and duplicate sets, keeps the order of alternatives. */
export function normalizeAlternatives(alternatives: readonly (readonly string[])[]): string[][] {
  const seen = new Set<string>();
  const result: string[][] = [];
  for (const alternative of alternatives) {
    const set = [...new Set(alternative)].sort();
    const key = JSON.stringify(set);
    if (!seen.has(key)) {
      seen.add(key);
      result.push(set);
    }
  }
  return result.some((set) => set.length === 0) ? [] : result;
}

/** Where a tool's scopes came from, for people: `spec`, `x-mcp-scopes`, `config rule 2`, `public opt-in` or `none`. */
export function provenanceOf(security: Pick<SecurityModel, 'scopesFrom' | 'rule'>): string {
  switch (security.scopesFrom) {
    case 'config':
      return `config rule ${security.rule ?? '?'}`;
    case 'public':
      return 'public opt-in';
    default:
      return security.scopesFrom;
  }
}

/** Scheme names per requirement object, for choosing upstream credentials at run time. */
export function upstreamSecurityOf(security: Pick<SecurityModel, 'requirements'>): string[][] {
  const seen = new Set<string>();
  return security.requirements
    .map((requirement) => requirement.map((use) => use.scheme))
    .filter((names) => {
      const key = JSON.stringify(names);
      return seen.has(key) ? false : (seen.add(key), true);
    });
}

/** `petstore_auth` → `PETSTORE_AUTH`; `apiKey` → `API_KEY`. */
export function upperSnake(name: string): string {
  return (
    name
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toUpperCase() || 'SCHEME'
  );
}

/**
 * How the emitted server authenticates upstream for each scheme the selected tools use, with env prefixes
 * `UPSTREAM_<SCHEME>` made unique. `scopesByScheme` lists the scopes tools need from each scheme, which a
 * client-credentials token is requested with (least privilege that still covers every tool).
 */
export function upstreamSchemes(
  spec: Pick<NormalizedSpec, 'securitySchemes'>,
  used: ReadonlySet<string>,
  scopesByScheme: ReadonlyMap<string, ReadonlySet<string>>,
  issues: IssueCollector,
): UpstreamSchemeDefinition[] {
  const prefixes = new Set<string>();
  return [...used].sort().flatMap((name) => {
    const scheme = ownValue(spec.securitySchemes, name);
    if (!scheme) return [];
    let envPrefix = `UPSTREAM_${upperSnake(name)}`;
    for (let n = 2; prefixes.has(envPrefix); n++) envPrefix = `UPSTREAM_${upperSnake(name)}_${n}`;
    prefixes.add(envPrefix);
    const base = { name, envPrefix };
    switch (scheme.type) {
      case 'apiKey':
        return [{ ...base, type: 'apiKey' as const, in: scheme.in, parameterName: scheme.parameterName }];
      case 'http': {
        const kind = scheme.scheme.toLowerCase();
        if (kind === 'basic' || kind === 'bearer') return [{ ...base, type: kind }];
        return [unsupported(`HTTP authentication scheme "${scheme.scheme}"`)];
      }
      case 'oauth2': {
        const flow = scheme.flows.find((f) => f.flow === 'clientCredentials');
        if (flow?.tokenUrl) {
          const scopes = [...(scopesByScheme.get(name) ?? [])].sort();
          return [{ ...base, type: 'oauth2ClientCredentials' as const, tokenUrl: flow.tokenUrl, scopes }];
        }
        return [{ ...base, type: 'oauth2Token' as const }];
      }
      case 'openIdConnect':
        return [{ ...base, type: 'oauth2Token' as const }];
      case 'mutualTLS':
        return [unsupported('mutual TLS')];
    }

    function unsupported(what: string): UpstreamSchemeDefinition {
      issues.warn(
        'WARN_SPEC_UNSUPPORTED',
        scheme!.source,
        `${what} is not supported for upstream calls`,
        'Tools that need only this scheme will answer with an error; add another scheme to their security, or exclude them.',
      );
      return { ...base, type: 'unsupported', reason: `${what} is not supported` };
    }
  });
}

/**
 * Transitive closure of the config's scope hierarchy: each broader scope → every scope it implies, sorted.
 * @see ../../../shared/auth-requirements.md §5 (scope hierarchies, MCP 2026-07-28)
 */
export function impliedScopesOf(implies: Readonly<Record<string, readonly string[]>> = {}): Record<string, string[]> {
  const closure = (scope: string, seen: Set<string>): Set<string> => {
    for (const narrower of Object.hasOwn(implies, scope) ? implies[scope]! : []) {
      if (!seen.has(narrower)) {
        seen.add(narrower);
        closure(narrower, seen);
      }
    }
    return seen;
  };
  return Object.fromEntries(
    Object.keys(implies)
      .sort()
      .map((scope) => [scope, [...closure(scope, new Set())].filter((s) => s !== scope).sort()]),
  );
}
