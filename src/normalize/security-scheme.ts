/**
 * Security Scheme Objects (3.x `components.securitySchemes`, 2.0 `securityDefinitions`) into
 * NormalizedSecurityScheme, keyed by name in document order.
 * @see https://spec.openapis.org/oas/v3.1.0#security-scheme-object
 * @see https://swagger.io/specification/v2/#security-scheme-object
 */
import { isRecord } from '../shared/guards.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { optional, resolveObject, stringOf, type NormalizeContext } from './context.js';
import { dictionary } from './dictionary.js';
import { componentKeyProblem, scopeNameIssue, sentNameProblem } from './names.js';
import type { NormalizedOAuthFlow, NormalizedSecurityScheme } from './types.js';

type Flow = NormalizedOAuthFlow['flow'];

/** 3.x flow names, in the order the spec lists them. */
const FLOWS_3: readonly Flow[] = ['implicit', 'password', 'clientCredentials', 'authorizationCode'];

/** 2.0 `flow` values and their 3.x names. @see https://swagger.io/specification/v2/#fixed-fields-23 */
const FLOWS_2: Readonly<Record<string, Flow>> = {
  implicit: 'implicit',
  password: 'password',
  application: 'clientCredentials',
  accessCode: 'authorizationCode',
};

/**
 * Where schemes are declared in this version, for messages.
 * @see https://spec.openapis.org/oas/v3.1.0#components-object
 */
export function securitySchemesPointer(context: NormalizeContext): string {
  return context.version === '2.0' ? '#/securityDefinitions' : '#/components/securitySchemes';
}

/** The declared scopes (name → description) written at `pointer`; a name no token could carry is an error. */
function scopesOf(context: NormalizeContext, value: unknown, pointer: string): Record<string, string> {
  const scopes = dictionary<string>();
  if (!isRecord(value)) return scopes;
  for (const [scope, text] of Object.entries(value)) {
    const issue = scopeNameIssue(scope);
    if (issue) context.issues.error('ERR_SPEC_SCOPE_NAME', pointerJoin(pointer, scope), issue.message, issue.hint);
    scopes[scope] = String(text ?? '');
  }
  return scopes;
}

/** One flow written at `pointer` (its `scopes` are at `pointer/scopes`). */
function oauthFlow(context: NormalizeContext, flow: Flow, value: Record<string, unknown>, pointer: string): NormalizedOAuthFlow {
  return {
    flow,
    ...optional('authorizationUrl', stringOf(value.authorizationUrl)),
    ...optional('tokenUrl', stringOf(value.tokenUrl)),
    ...optional('refreshUrl', stringOf(value.refreshUrl)),
    scopes: scopesOf(context, value.scopes, pointerJoin(pointer, 'scopes')),
  };
}

/**
 * The name an apiKey is sent under must be valid where it goes (ERR_SPEC_NAME at its `name`).
 * @see https://spec.openapis.org/oas/v3.1.0#fixed-fields-22
 */
function apiKeyName(context: NormalizeContext, location: 'header' | 'query' | 'cookie', value: Record<string, unknown>, target: string): string {
  const name = String(value.name ?? '');
  const problem = sentNameProblem(location, name, `API key ${location} name`);
  if (problem) context.issues.error('ERR_SPEC_NAME', pointerJoin(target, 'name'), problem.message, problem.hint);
  return name;
}

function unsupported(context: NormalizeContext, pointer: string, type: unknown): undefined {
  context.issues.warn(
    'WARN_SPEC_UNSUPPORTED',
    pointer,
    `security scheme type ${JSON.stringify(type)} is not supported; operations that require it cannot be called`,
    'Use apiKey, http, oauth2, openIdConnect or mutualTLS.',
  );
  return undefined;
}

/**
 * Converts one 2.0 Security Scheme Object (basic → http basic; oauth2 `flow` → one 3.x flow).
 * @see https://swagger.io/specification/v2/#security-scheme-object
 */
export function swagger2SecurityScheme(
  context: NormalizeContext,
  name: string,
  value: Record<string, unknown>,
  source: string,
  target: string = source,
): NormalizedSecurityScheme | undefined {
  const common = { name, ...optional('description', stringOf(value.description)), source };
  switch (value.type) {
    case 'basic':
      return { ...common, type: 'http', scheme: 'basic' };
    case 'apiKey': {
      const location = value.in === 'query' ? 'query' : 'header';
      return { ...common, type: 'apiKey', in: location, parameterName: apiKeyName(context, location, value, target) };
    }
    case 'oauth2': {
      const flow = typeof value.flow === 'string' && Object.hasOwn(FLOWS_2, value.flow) ? FLOWS_2[value.flow] : undefined;
      return { ...common, type: 'oauth2', flows: flow ? [oauthFlow(context, flow, value, target)] : [] };
    }
    default:
      return unsupported(context, source, value.type);
  }
}

/**
 * Converts one 3.x Security Scheme Object; the http `scheme` is lower-cased (it is case-insensitive).
 * @see https://spec.openapis.org/oas/v3.1.0#security-scheme-object
 */
export function normalizeSecurityScheme(
  context: NormalizeContext,
  name: string,
  value: Record<string, unknown>,
  source: string,
  target: string = source,
): NormalizedSecurityScheme | undefined {
  const common = { name, ...optional('description', stringOf(value.description)), source };
  switch (value.type) {
    case 'apiKey': {
      const location = value.in === 'query' || value.in === 'cookie' ? value.in : 'header';
      return { ...common, type: 'apiKey', in: location, parameterName: apiKeyName(context, location, value, target) };
    }
    case 'http':
      return {
        ...common,
        type: 'http',
        scheme: String(value.scheme ?? '').toLowerCase(),
        ...optional('bearerFormat', stringOf(value.bearerFormat)),
      };
    case 'oauth2': {
      const flows = isRecord(value.flows) ? value.flows : {};
      // Document order of the flows object; unknown keys (extensions) are not flows.
      const known = Object.keys(flows).filter((key): key is Flow => (FLOWS_3 as readonly string[]).includes(key));
      const at = pointerJoin(target, 'flows');
      return {
        ...common,
        type: 'oauth2',
        flows: known.flatMap((flow) => (isRecord(flows[flow]) ? [oauthFlow(context, flow, flows[flow], pointerJoin(at, flow))] : [])),
      };
    }
    case 'openIdConnect':
      return { ...common, type: 'openIdConnect', openIdConnectUrl: String(value.openIdConnectUrl ?? '') };
    case 'mutualTLS':
      return { ...common, type: 'mutualTLS' };
    default:
      return unsupported(context, source, value.type);
  }
}

/**
 * A scheme's name becomes a key of the emitted definition and part of environment variable names: it must use the
 * Components Object's key alphabet (ERR_SPEC_NAME).
 * @see https://spec.openapis.org/oas/v3.1.0#fixed-fields-5
 */
function checkSchemeName(context: NormalizeContext, name: string, pointer: string): void {
  const problem = componentKeyProblem(name);
  if (!problem) return;
  context.issues.error(
    'ERR_SPEC_NAME',
    pointer,
    `security scheme name ${JSON.stringify(name)} ${problem}; component names may only use A-Z, a-z, 0-9, ".", "-" and "_"`,
    'Rename it, and every security requirement that names it.',
  );
}

/**
 * Converts every declared security scheme of the document, following `$ref`s (3.x), into a dictionary without a
 * prototype (a scheme may be called `constructor` or `__proto__`).
 * @see https://spec.openapis.org/oas/v3.1.0#components-object
 */
export function normalizeSecuritySchemes(context: NormalizeContext): Record<string, NormalizedSecurityScheme> {
  const { document, version } = context;
  const declared = version === '2.0' ? document.securityDefinitions : isRecord(document.components) ? document.components.securitySchemes : undefined;
  const schemes = dictionary<NormalizedSecurityScheme>();
  if (!isRecord(declared)) return schemes;
  const base = securitySchemesPointer(context);
  for (const [name, raw] of Object.entries(declared)) {
    checkSchemeName(context, name, pointerJoin(base, name));
    const resolved = resolveObject(context, raw, pointerJoin(base, name), 'a security scheme');
    if (!resolved) continue;
    const scheme =
      version === '2.0'
        ? swagger2SecurityScheme(context, name, resolved.value, resolved.site, resolved.target)
        : normalizeSecurityScheme(context, name, resolved.value, resolved.site, resolved.target);
    if (scheme) schemes[name] = scheme;
  }
  return schemes;
}
