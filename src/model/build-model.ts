/** Builds the ServerModel from a normalized spec and the config: one tool per selected operation. */
import { configFileOf } from '../config/load-config.js';
import type { PortcullisConfig } from '../config/types.js';
import { IssueCollector, type StageResult } from '../errors.js';
import { ownValue } from '../normalize/dictionary.js';
import { roleNameIssue } from '../normalize/names.js';
import { serverUrl } from '../normalize/server.js';
import type { NormalizedOperation, NormalizedSpec } from '../normalize/types.js';
import type { ToolAnnotations } from '../../templates/runtime/definition.js';
import { byText } from '../shared/compare.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { bindToolArguments, checkUnappliedPropertyBindings, warnUnusedBindings, type BindingContext } from './bindings.js';
import { checkConfirmUsage, consentOf, type ConsentContext } from './consent.js';
import { buildToolArguments } from './input-schema.js';
import { SchemaConverter } from './json-schema.js';
import { applyPolicy, isUnprotected, newPolicyUsage, warnUnusedPolicy, type PolicyUsage } from './policy.js';
import { isSelected, matchesSelector } from './selection.js';
import { impliedScopesOf, securityOf, upstreamSchemes, upstreamSecurityOf } from './security.js';
import { warnManyTools } from './tool-count.js';
import { assignToolNames } from './tool-name.js';
import {
  checkFixedHeadersAgainstCredentials,
  configReporter,
  declaresNoSecurity,
  upstreamPolicyOf,
  warnUnusedUpstream,
  withoutFixedHeaders,
  type UpstreamPolicy,
} from './upstream.js';
import type { ExcludedToolModel, ScopeModel, ServerModel, ToolModel } from './types.js';

export { serverUrl };

export interface BuildModelOptions {
  /** The spec file as the user named it, to locate issues about the spec. */
  readonly specFile: string;
  /** Package name of the emitted project (from --name or the config); derived from the title otherwise. */
  readonly name?: string;
  /** The config file, to locate issues about it; by default the file the config was loaded from. */
  readonly configFile?: string;
}

/**
 * Turns the normalized spec into the model, with every problem found in the spec and the config; the model is
 * partial when there is an error (see StageResult).
 */
export function buildModel(spec: NormalizedSpec, config: PortcullisConfig, options: BuildModelOptions): StageResult<ServerModel> {
  const issues = new IssueCollector(options.specFile);
  const model = modelOf(spec, config, issues, options);
  warnManyTools(model.tools.length, config, issues);
  return { value: model, issues: issues.issues };
}

/** The model of `spec`; problems go to `issues`. */
function modelOf(spec: NormalizedSpec, config: PortcullisConfig, issues: IssueCollector, options: BuildModelOptions): ServerModel {
  const operations = spec.operations.filter((operation) => isSelected(operation, spec, config));
  if (operations.length === 0) {
    issues.error(
      'ERR_SPEC_NO_TOOLS',
      '#/paths',
      spec.operations.length === 0 ? 'the spec has no operations' : `all ${spec.operations.length} operations are excluded`,
      spec.operations.length === 0 ? 'Add at least one operation under paths.' : 'Check x-mcp-exclude in the spec and include/exclude in the config.',
    );
  }

  const converter = new SchemaConverter(spec.document, spec.schemaDialect, issues);
  const names = assignToolNames(operations, issues);
  const usage = newPolicyUsage();
  const configFile = options.configFile ?? configFileOf(config) ?? 'portcullis.config.yaml';
  const report = configReporter(issues, configFile);
  const upstream = upstreamPolicyOf(spec, config, report);
  const binding: BindingContext = { spec, config, converter, issues, report, used: new Set() };
  const consent: ConsentContext = { spec, config, report, used: new Set() };
  checkUnappliedPropertyBindings(spec, issues);
  const candidates = operations.map((operation, index) => buildTool(operation, names[index]!, spec, config, upstream, converter, issues, usage, binding, consent));
  warnUnusedPolicy(config, usage, issues, configFile);
  warnUnusedBindings(binding);
  checkConfirmUsage(consent);

  const { tools, excluded } = applyUnprotected(candidates, config, issues);
  if (tools.length === 0 && candidates.length > 0) {
    issues.error('ERR_SPEC_NO_TOOLS', '#/paths', `all ${candidates.length} tools require no scope or role, and unprotected: exclude leaves them out`, 'Give operations scopes (security, x-mcp-scopes or scopes.require in the config), or mark public ones with x-mcp-public: true.');
  }

  warnUnusedUpstream(config, tools.some((tool) => tool.upstreamSecurityFrom === 'config'), report);
  const usedSchemes = new Set(tools.flatMap((tool) => tool.upstreamSecurity.flat()));
  const scopesByScheme = new Map<string, Set<string>>();
  for (const tool of tools) {
    const uses = tool.upstreamSecurityFrom === 'config' ? (upstream.requirements ?? []) : tool.security.requirements;
    for (const use of uses.flat()) {
      const set = scopesByScheme.get(use.scheme) ?? new Set<string>();
      use.scopes.forEach((scope) => set.add(scope));
      scopesByScheme.set(use.scheme, set);
    }
  }

  const allDefinitions = converter.definitions;
  const reachable = new Set(tools.flatMap((tool) => tool.definitions));
  const definitions = Object.fromEntries([...reachable].sort().map((name) => [name, ownValue(allDefinitions, name)!]));

  const securitySchemes = upstreamSchemes({ securitySchemes: upstream.schemes }, usedSchemes, scopesByScheme, issues);
  checkFixedHeadersAgainstCredentials(upstream, securitySchemes, report);

  return {
    name: options.name ?? config.name ?? packageNameFromTitle(spec.info.title),
    title: spec.info.title,
    version: spec.info.version,
    ...(spec.info.description ? { description: spec.info.description } : {}),
    ...(spec.servers[0] ? { baseUrl: serverUrl(spec.servers[0]) } : {}),
    fixedHeaders: upstream.fixedHeaders,
    securitySchemes,
    scopes: scopesOf(tools, spec, config.scopes?.rename ?? {}),
    impliedScopes: impliedScopesOf(config.scopes?.implies),
    roles: [...new Set(tools.flatMap((tool) => tool.roles))].sort(),
    definitions,
    tools,
    excluded,
  };
}

/**
 * What `unprotected` does with tools that require neither scopes nor roles and are not public on purpose: `expose`
 * keeps them (warning for those that change data), `exclude` leaves them out, `error` reports each at its operation.
 */
function applyUnprotected(
  tools: readonly ToolModel[],
  config: PortcullisConfig,
  issues: IssueCollector,
): { tools: ToolModel[]; excluded: ExcludedToolModel[] } {
  const mode = config.unprotected ?? 'expose';
  if (mode === 'expose') {
    warnUnprotectedWrites(tools, issues);
    return { tools: [...tools], excluded: [] };
  }
  const kept: ToolModel[] = [];
  const excluded: ExcludedToolModel[] = [];
  for (const tool of tools) {
    if (!isUnprotected(tool)) kept.push(tool);
    else if (mode === 'exclude') excluded.push({ name: tool.name, method: tool.method, path: tool.path, source: tool.source });
    else {
      kept.push(tool);
      issues.error(
        'ERR_SPEC_UNPROTECTED',
        tool.source,
        `${tool.method} ${tool.path} (tool ${tool.name}) requires no scope or role, and the config says unprotected: error`,
        "Give it scopes (security, x-mcp-scopes or a scopes.require rule in the config) or a role, mark it public on purpose with x-mcp-public: true or the config's public selector, or exclude it.",
      );
    }
  }
  return { tools: kept, excluded };
}

function buildTool(
  operation: NormalizedOperation,
  name: string,
  spec: NormalizedSpec,
  config: PortcullisConfig,
  upstream: UpstreamPolicy,
  converter: SchemaConverter,
  issues: IssueCollector,
  usage: PolicyUsage,
  binding: BindingContext,
  consent: ConsentContext,
): ToolModel {
  // A header the server always sends is no argument for the model to choose.
  const args = buildToolArguments({ ...operation, parameters: withoutFixedHeaders(operation.parameters, upstream.fixedHeaders) }, converter, issues);
  // Arguments bound to the caller's claims are no arguments for the model to choose either.
  const bound = bindToolArguments(operation, args, binding);
  const security = applyPolicy(operation, securityOf(operation, spec, issues, config.scopes?.rename), config, issues, usage);
  // Config upstream security says how the server authenticates upstream; it never becomes caller scopes.
  const fromConfig = upstream.requirements !== undefined && declaresNoSecurity(operation, spec);
  const operationServer = operation.servers?.[0];
  const asks = consentOf(operation, { name, parameters: args.parameters, ...(args.body ? { body: args.body } : {}), bindings: bound.bindings }, consent);
  return {
    name,
    ...(operation.operationId ? { operationId: operation.operationId } : {}),
    method: operation.method,
    path: operation.path,
    tags: operation.tags,
    ...(operation.summary ? { summary: operation.summary } : {}),
    description: describe(operation),
    deprecated: operation.deprecated,
    annotations: annotationsFor(operation),
    inputSchema: bound.inputSchema,
    definitions: converter.reachableDefinitions(bound.inputSchema),
    parameters: args.parameters,
    ...(args.body ? { body: args.body } : {}),
    bindings: bound.bindings,
    ...(bound.boundInputSchema
      ? { boundInputSchema: bound.boundInputSchema, boundDefinitions: converter.reachableDefinitions(bound.boundInputSchema) }
      : {}),
    security,
    roles: rolesOf(operation, config, issues),
    ...(fromConfig
      ? { upstreamSecurity: upstreamSecurityOf({ requirements: upstream.requirements! }), upstreamSecurityFrom: 'config' as const }
      : { upstreamSecurity: upstreamSecurityOf(security) }),
    ...(operationServer ? { baseUrl: serverUrl(operationServer) } : {}),
    ...(asks ? { consent: asks } : {}),
    source: operation.source,
  };
}

/** Changes data (an unsafe method, RFC 9110 §9.2.1) yet asks the caller for no scope and no role, and nobody said that was intended. */
export function isUnprotectedWrite(tool: ToolModel): boolean {
  return ['POST', 'PUT', 'PATCH', 'DELETE'].includes(tool.method) && isUnprotected(tool);
}

/** Operations that change data but ask nothing of the caller deserve a reviewer's look. */
function warnUnprotectedWrites(tools: readonly ToolModel[], issues: IssueCollector): void {
  for (const tool of tools) {
    if (isUnprotectedWrite(tool)) {
      issues.warn(
        'WARN_SPEC_UNPROTECTED_WRITE',
        tool.source,
        `${tool.method} ${tool.path} (tool ${tool.name}) changes data but requires no scope or role: any caller with a valid token may use it`,
        'Add security with scopes, x-mcp-scopes, x-mcp-roles or a scopes.require rule in the config, mark it x-mcp-public: true if that is intended, or exclude the operation.',
      );
    }
  }
}

/** Summary and description, else method and path. */
function describe(operation: NormalizedOperation): string {
  const parts = [operation.summary, operation.description].map((text) => text?.trim()).filter((text): text is string => !!text);
  if (parts.length === 2 && parts[1]!.startsWith(parts[0]!)) parts.shift();
  const text = parts.join('\n\n') || `${operation.method} ${operation.path}`;
  return operation.deprecated ? `[Deprecated] ${text}` : text;
}

/**
 * Hints from the HTTP method's semantics (RFC 9110 §9.2): GET/HEAD are safe; GET, HEAD, PUT and DELETE idempotent.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/server/tools#tool-annotations
 */
export function annotationsFor(operation: Pick<NormalizedOperation, 'method' | 'summary'>): ToolAnnotations {
  const readOnly = operation.method === 'GET' || operation.method === 'HEAD';
  return {
    ...(operation.summary ? { title: operation.summary } : {}),
    readOnlyHint: readOnly,
    ...(readOnly ? {} : { destructiveHint: operation.method === 'DELETE' }),
    idempotentHint: ['GET', 'HEAD', 'PUT', 'DELETE'].includes(operation.method),
    openWorldHint: true,
  };
}

/** `x-mcp-roles` on the operation (or its path item) plus the config's `roles` selectors, sorted. */
function rolesOf(operation: NormalizedOperation, config: PortcullisConfig, issues: IssueCollector): string[] {
  const roles = new Set<string>();
  const declared = operation.extensions['x-mcp-roles'];
  const at = `${operation.source}/x-mcp-roles`;
  if (declared !== undefined) {
    if (Array.isArray(declared) && declared.every((role) => typeof role === 'string' && role.length > 0)) {
      declared.forEach((role: string, index) => {
        const issue = roleNameIssue(role);
        if (issue) issues.error('ERR_SPEC_NAME', pointerJoin(at, index), issue.message, issue.hint);
        roles.add(role);
      });
    } else {
      issues.error('ERR_SPEC_EXTENSION', at, 'x-mcp-roles must be a list of role names', 'For example x-mcp-roles: [admin, support].');
    }
  }
  for (const [role, selector] of Object.entries(config.roles ?? {})) {
    if (matchesSelector(operation, selector)) roles.add(role);
  }
  return [...roles].sort();
}

/** Every scope some tool requires, with the description and schemes of the upstream scope it was named after. */
function scopesOf(tools: readonly ToolModel[], spec: NormalizedSpec, rename: Readonly<Record<string, string>>): ScopeModel[] {
  const scopes = new Map<string, ScopeModel>();
  for (const scope of new Set(tools.flatMap((tool) => tool.security.scopes.flat()))) {
    const upstreamNames = [scope, ...Object.keys(rename).filter((name) => rename[name] === scope)];
    const declares = (flow: { scopes: Readonly<Record<string, string>> }) => upstreamNames.some((name) => Object.hasOwn(flow.scopes, name));
    const declaredBy = Object.values(spec.securitySchemes).filter((scheme) => scheme.type === 'oauth2' && scheme.flows.some(declares));
    const description = declaredBy
      .flatMap((scheme) => (scheme.type === 'oauth2' ? scheme.flows.flatMap((flow) => upstreamNames.map((name) => (Object.hasOwn(flow.scopes, name) ? flow.scopes[name] : undefined))) : []))
      .find((text) => typeof text === 'string' && text.length > 0);
    scopes.set(scope, { name: scope, ...(description ? { description } : {}), schemes: declaredBy.map((scheme) => scheme.name).sort() });
  }
  return [...scopes.values()].sort(byText((scope) => scope.name));
}

/** `Swagger Petstore - OpenAPI 3.0` → `swagger-petstore-openapi-3-0-mcp`. */
export function packageNameFromTitle(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${slug || 'api'}-mcp`;
}
