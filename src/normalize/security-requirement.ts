/**
 * Security Requirement Objects (document- and operation-level `security`) into NormalizedSecurityRequirement,
 * checking that each names a declared scheme, and that OAuth2 scopes are declared by that scheme's flows.
 * @see https://spec.openapis.org/oas/v3.1.0#security-requirement-object
 * @see https://swagger.io/specification/v2/#security-requirement-object
 */
import { isRecord } from '../shared/guards.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { stringsOf, type NormalizeContext } from './context.js';
import { ownValue } from './dictionary.js';
import { scopeNameIssue } from './names.js';
import { securitySchemesPointer } from './security-scheme.js';
import type { NormalizedSecurityRequirement, NormalizedSecurityScheme } from './types.js';

/** Where the scopes of an OAuth2 scheme are declared, for the hint of an undeclared scope. */
function scopesPointer(scheme: Extract<NormalizedSecurityScheme, { type: 'oauth2' }>, version: string): string {
  if (version === '2.0') return `${scheme.source}/scopes`;
  const [first, ...others] = scheme.flows;
  if (!first) return `${scheme.source}/flows`;
  const pointer = pointerJoin(scheme.source, 'flows', first.flow, 'scopes');
  return others.length > 0 ? `${pointer} (or another flow's scopes)` : pointer;
}

function quoteNames(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}

/**
 * Checks one scheme named by a requirement: declared; and when it asks scopes of the caller (OAuth2, OpenID
 * Connect), every scope a token can carry (RFC 6749 §3.3, at the scope's index) and (OAuth2) declared by a flow.
 */
function checkSchemeUse(
  context: NormalizeContext,
  schemes: Readonly<Record<string, NormalizedSecurityScheme>>,
  name: string,
  scopes: readonly string[],
  pointer: string,
): void {
  const scheme = ownValue(schemes, name);
  const declaredAt = securitySchemesPointer(context);
  if (!scheme) {
    const names = Object.keys(schemes);
    const hint =
      names.length > 0
        ? `Declare it under ${declaredAt}, or use one of the declared schemes: ${quoteNames(names)}.`
        : `No security schemes are declared; declare "${name}" under ${declaredAt}.`;
    context.issues.error('ERR_SPEC_UNKNOWN_SCHEME', pointer, `security scheme "${name}" is not declared`, hint);
    return;
  }
  if (scheme.type !== 'oauth2' && scheme.type !== 'openIdConnect') return;
  scopes.forEach((scope, index) => {
    const issue = scopeNameIssue(scope);
    if (issue) context.issues.error('ERR_SPEC_SCOPE_NAME', pointerJoin(pointer, index), issue.message, issue.hint);
  });
  if (scheme.type !== 'oauth2') return;
  const declared = new Set(scheme.flows.flatMap((flow) => Object.keys(flow.scopes)));
  for (const scope of scopes) {
    if (declared.has(scope)) continue;
    context.issues.warn(
      'WARN_SPEC_UNKNOWN_SCOPE',
      pointer,
      `scope "${scope}" is not declared`,
      `Declare it under ${scopesPointer(scheme, context.version)} or remove it here.`,
    );
  }
}

/**
 * Converts a `security` list found at `pointer`: `undefined` when absent, `[]` kept (it means "public").
 * @see https://spec.openapis.org/oas/v3.1.0#operation-object (security)
 */
export function normalizeSecurityRequirements(
  context: NormalizeContext,
  schemes: Readonly<Record<string, NormalizedSecurityScheme>>,
  value: unknown,
  pointer: string,
): NormalizedSecurityRequirement[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.flatMap((requirement, index) => {
    if (!isRecord(requirement)) return [];
    const source = pointerJoin(pointer, index);
    const uses = Object.entries(requirement).map(([scheme, scopes]) => ({ scheme, scopes: stringsOf(scopes) }));
    for (const use of uses) checkSchemeUse(context, schemes, use.scheme, use.scopes, pointerJoin(source, use.scheme));
    return [{ schemes: uses, source }];
  });
}
