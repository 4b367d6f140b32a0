/**
 * The authorization policy of the config file, applied on top of the spec: `scopes.require` rules (first matching
 * rule wins), public opt-ins (`x-mcp-public: true`, config `public`), and `unprotected` (what becomes of an
 * operation that ends up with neither scopes nor roles).
 */
import type { OperationSelector, PortcullisConfig, ScopeRule } from '../config/types.js';
import type { IssueCollector, WarningCode } from '../errors.js';
import type { NormalizedOperation } from '../normalize/types.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { matchesAllCriteria } from './selection.js';
import { normalizeAlternatives, parseScopesExtension, provenanceOf } from './security.js';
import type { SecurityModel, ToolModel } from './types.js';

/** Which parts of the policy matched some operation, so that dead ones can be reported. */
export interface PolicyUsage {
  /** 0-based indexes of the rules whose selector matched an operation. */
  readonly rules: Set<number>;
  publicMatched: boolean;
}

/** A fresh usage record. */
export function newPolicyUsage(): PolicyUsage {
  return { rules: new Set(), publicMatched: false };
}

/** True when the rule's selector (or `all: true`) picks the operation. */
export function ruleMatches(operation: NormalizedOperation, rule: ScopeRule): boolean {
  return rule.all === true || matchesAllCriteria(operation, rule as OperationSelector);
}

/**
 * The operation's requirement once the config's policy is applied to `fromSpec` (its security from the spec).
 * Rules are walked in order and the first that applies wins: an `override` rule always applies, another only when
 * the spec asks no caller scope and the operation is not public on purpose.
 */
export function applyPolicy(
  operation: NormalizedOperation,
  fromSpec: SecurityModel,
  config: PortcullisConfig,
  issues: IssueCollector,
  usage: PolicyUsage,
): SecurityModel {
  const optInBySpec = operation.extensions['x-mcp-public'] === true;
  const optInByConfig = config.public !== undefined && matchesAllCriteria(operation, config.public);
  if (optInByConfig) usage.publicMatched = true;
  const optIn = optInBySpec || optInByConfig;
  const specProtects = fromSpec.scopes.length > 0;

  let chosen: number | undefined;
  (config.scopes?.require ?? []).forEach((rule, index) => {
    if (!ruleMatches(operation, rule)) return;
    usage.rules.add(index);
    if (chosen === undefined && (rule.override === true || (!specProtects && !optIn))) chosen = index;
  });

  if (chosen !== undefined) {
    const rule = config.scopes!.require![chosen]!;
    const security: SecurityModel = {
      ...fromSpec,
      scopes: normalizeAlternatives(parseScopesExtension(rule.scopes) ?? []),
      scopesFrom: 'config',
      rule: chosen + 1,
    };
    if (optIn) conflict(operation, optInBySpec, security, issues);
    return security;
  }
  if (optIn) {
    if (specProtects) conflict(operation, optInBySpec, fromSpec, issues);
    return { ...fromSpec, scopes: [], scopesFrom: 'public' };
  }
  return fromSpec;
}

/** Public on purpose and requiring scopes cannot both hold: the reader of either would be misled. */
function conflict(operation: NormalizedOperation, bySpec: boolean, security: SecurityModel, issues: IssueCollector): void {
  const scopes = security.scopes.map((set) => `[${set.join(' ')}]`).join(' or ');
  issues.error(
    'ERR_SPEC_PUBLIC_CONFLICT',
    bySpec ? `${operation.source}/x-mcp-public` : operation.source,
    `${bySpec ? 'x-mcp-public: true' : "the config's public selector"} makes ${operation.method} ${operation.path} public, but it requires scopes ${scopes} (from ${provenanceOf(security)})`,
    bySpec ? 'Remove x-mcp-public, or the scopes.' : "Remove the operation from the config's public selector, or remove its scopes.",
  );
}

/** Any valid token may call it, and nobody said that was intended. */
export function isUnprotected(tool: ToolModel): boolean {
  return tool.security.scopes.length === 0 && tool.roles.length === 0 && tool.security.scopesFrom !== 'public';
}

/** Warns, in the config file, about each rule and the public selector that matched no operation. */
export function warnUnusedPolicy(config: PortcullisConfig, usage: PolicyUsage, issues: IssueCollector, configFile: string): void {
  const warn = (code: WarningCode, pointer: string, message: string, hint: string) =>
    issues.issues.push({ code, severity: 'warning', file: configFile, pointer, message, hint });
  (config.scopes?.require ?? []).forEach((_rule, index) => {
    if (!usage.rules.has(index)) {
      warn(
        'WARN_CONFIG_UNUSED',
        pointerJoin('#/scopes/require', index),
        `rule ${index + 1} matches no operation that becomes a tool`,
        'Check its tags, operations, paths and methods against the spec (and include/exclude), or remove it.',
      );
    }
  });
  if (config.public !== undefined && !usage.publicMatched) {
    warn('WARN_CONFIG_UNUSED', '#/public', 'the public selector matches no operation that becomes a tool', 'Check it against the spec, or remove it.');
  }
}
