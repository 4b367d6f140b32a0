/**
 * The config's `upstream` section in the model: Security Scheme Objects added to the spec's, a requirement list for
 * operations that declare no `security`, and headers sent on every call. Upstream security says how this server
 * authenticates to the API; it never asks anything of the server's callers.
 * @see https://spec.openapis.org/oas/v3.1.0#security-requirement-object
 */
import type { PortcullisConfig, UpstreamSchemeConfig } from '../config/types.js';
import type { ErrorCode, IssueCollector, WarningCode } from '../errors.js';
import { dictionary, ownValue } from '../normalize/dictionary.js';
import type { NormalizedOperation, NormalizedParameter, NormalizedSecurityScheme, NormalizedSpec } from '../normalize/types.js';
import type { UpstreamSchemeDefinition } from '../../templates/runtime/definition.js';
import { pointerJoin } from '../shared/json-pointer.js';
import type { SchemeUseModel } from './types.js';

/** What the config's `upstream` section adds to the spec, ready for the model. */
export interface UpstreamPolicy {
  /** The spec's security schemes and the config's, by name (no prototype). */
  readonly schemes: Readonly<Record<string, NormalizedSecurityScheme>>;
  /** `upstream.security` when every scheme it names is declared somewhere; undefined otherwise or when absent. */
  readonly requirements?: readonly (readonly SchemeUseModel[])[];
  /** `upstream.headers` as `[name, value]` pairs, in the config's order. */
  readonly fixedHeaders: readonly (readonly [string, string])[];
}

/** Reports one issue located in the config file; a warning carries a WARN_ code. */
export type Report = (
  ...args:
    | [code: ErrorCode, severity: 'error', pointer: string, message: string, hint: string]
    | [code: WarningCode, severity: 'warning', pointer: string, message: string, hint: string]
) => void;

/** Reports issues located in the config file. */
export function configReporter(issues: IssueCollector, configFile: string): Report {
  const report: Report = (code, severity, pointer, message, hint) => {
    const at = { file: configFile, pointer, message, hint };
    issues.issues.push(severity === 'error' ? { ...at, severity, code } : { ...at, severity, code });
  };
  return report;
}

/** Merges the config's schemes into the spec's and resolves `upstream.security` against both (errors located in the config). */
export function upstreamPolicyOf(spec: NormalizedSpec, config: PortcullisConfig, report: Report): UpstreamPolicy {
  const upstream = config.upstream ?? {};
  const schemes = dictionary<NormalizedSecurityScheme>();
  for (const [name, scheme] of Object.entries(spec.securitySchemes)) schemes[name] = scheme;
  for (const [name, scheme] of Object.entries(upstream.securitySchemes ?? {})) {
    const at = pointerJoin('#/upstream/securitySchemes', name);
    if (Object.hasOwn(spec.securitySchemes, name)) {
      report('ERR_CONFIG_INVALID', 'error', at, `security scheme "${name}" is also declared by the spec (${spec.securitySchemes[name]!.source})`, 'Rename this one, or use the spec\'s scheme in upstream.security and remove this one.');
      continue;
    }
    schemes[name] = normalizeConfigScheme(name, scheme, at);
  }

  let requirements: SchemeUseModel[][] | undefined;
  if (upstream.security !== undefined) {
    let sound = true;
    upstream.security.forEach((requirement, index) => {
      for (const name of Object.keys(requirement)) {
        if (ownValue(schemes, name)) continue;
        sound = false;
        const declared = Object.keys(schemes);
        report(
          'ERR_CONFIG_INVALID',
          'error',
          pointerJoin('#/upstream/security', index, name),
          `security scheme "${name}" is declared neither by the spec nor under upstream.securitySchemes`,
          declared.length > 0 ? `Declare it under upstream.securitySchemes, or use one of: ${declared.map((n) => JSON.stringify(n)).join(', ')}.` : `Declare it under upstream.securitySchemes, e.g. ${name}: { type: http, scheme: bearer }.`,
        );
      }
    });
    if (sound) requirements = upstream.security.map((requirement) => Object.entries(requirement).map(([scheme, scopes]) => ({ scheme, scopes: [...scopes] })));
  }
  return { schemes, ...(requirements ? { requirements } : {}), fixedHeaders: Object.entries(upstream.headers ?? {}) };
}

/** A config Security Scheme Object in the normalized shape the spec's take; `source` points into the config file. */
function normalizeConfigScheme(name: string, scheme: UpstreamSchemeConfig, source: string): NormalizedSecurityScheme {
  const common = { name, ...(scheme.description !== undefined ? { description: scheme.description } : {}), source };
  switch (scheme.type) {
    case 'apiKey':
      return { ...common, type: 'apiKey', in: scheme.in, parameterName: scheme.name };
    case 'http':
      return { ...common, type: 'http', scheme: scheme.scheme.toLowerCase(), ...(scheme.bearerFormat !== undefined ? { bearerFormat: scheme.bearerFormat } : {}) };
    case 'oauth2': {
      const flow = scheme.flows.clientCredentials;
      const scopes = dictionary<string>();
      for (const [scope, text] of Object.entries(flow.scopes ?? {})) scopes[scope] = text;
      return { ...common, type: 'oauth2', flows: [{ flow: 'clientCredentials', tokenUrl: flow.tokenUrl, scopes }] };
    }
  }
}

/** True when neither the operation nor the document has `security` (`security: []` is a declaration: public). */
export function declaresNoSecurity(operation: NormalizedOperation, spec: NormalizedSpec): boolean {
  return operation.security === undefined && spec.security === undefined;
}

/** The operation's parameters less the header parameters a fixed header replaces (header names are case-insensitive). */
export function withoutFixedHeaders(parameters: readonly NormalizedParameter[], fixedHeaders: UpstreamPolicy['fixedHeaders']): NormalizedParameter[] {
  const fixed = new Set(fixedHeaders.map(([name]) => name.toLowerCase()));
  return parameters.filter((parameter) => !(parameter.in === 'header' && fixed.has(parameter.name.toLowerCase())));
}

/** A fixed header must not be the one an API key credential is sent in: the credential would be the server's to set. */
export function checkFixedHeadersAgainstCredentials(policy: UpstreamPolicy, used: readonly UpstreamSchemeDefinition[], report: Report): void {
  for (const [name] of policy.fixedHeaders) {
    const scheme = used.find((s) => s.type === 'apiKey' && s.in === 'header' && s.parameterName.toLowerCase() === name.toLowerCase());
    if (!scheme) continue;
    report(
      'ERR_CONFIG_INVALID',
      'error',
      pointerJoin('#/upstream/headers', name),
      `header "${name}" is the one the API key of security scheme "${scheme.name}" is sent in`,
      `Remove it: the server sets it from ${scheme.envPrefix}_API_KEY.`,
    );
  }
}

/** Warns when `upstream.security` reaches no tool, and about each config scheme it does not name. */
export function warnUnusedUpstream(config: PortcullisConfig, applied: boolean, report: Report): void {
  const upstream = config.upstream ?? {};
  if (upstream.security !== undefined && !applied) {
    report('WARN_CONFIG_UNUSED', 'warning', '#/upstream/security', 'every operation that becomes a tool declares its own security, so upstream.security applies to none', 'Remove it, or check the spec\'s security.');
  }
  const named = new Set((upstream.security ?? []).flatMap((requirement) => Object.keys(requirement)));
  for (const name of Object.keys(upstream.securitySchemes ?? {})) {
    if (!named.has(name)) {
      report('WARN_CONFIG_UNUSED', 'warning', pointerJoin('#/upstream/securitySchemes', name), `security scheme "${name}" is not named in upstream.security, so no call uses it`, `Add { ${name}: [] } to upstream.security, or remove it.`);
    }
  }
}
