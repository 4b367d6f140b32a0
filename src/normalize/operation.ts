/**
 * Operation Objects into NormalizedOperation: parameters merged with the path item's, request body (2.0 body
 * and formData parameters included), security, servers and extensions; and the path template checked against
 * the declared path parameters.
 * @see https://spec.openapis.org/oas/v3.1.0#operation-object
 * @see https://swagger.io/specification/v2/#operation-object
 */
import type { HttpMethod } from '../shared/http-method.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { optional, stringOf, stringsOf, type NormalizeContext, type Resolved } from './context.js';
import { pickExtensions } from './extensions.js';
import { sentNameProblem } from './names.js';
import { mergeParameters, normalizeParameter, resolveParameters, swagger2Parameter } from './parameter.js';
import { normalizeRequestBody, swagger2BodyRequestBody, swagger2Consumes, swagger2FormRequestBody } from './request-body.js';
import { normalizeSecurityRequirements } from './security-requirement.js';
import { normalizeServers, swagger2Server } from './server.js';
import type {
  NormalizedOperation,
  NormalizedParameter,
  NormalizedRequestBody,
  NormalizedSecurityScheme,
  NormalizedServer,
} from './types.js';

/** An operation with what it inherits from its path item. */
export interface OperationInput {
  readonly path: string;
  readonly method: HttpMethod;
  readonly operation: Record<string, unknown>;
  /** Pointer to the operation object. */
  readonly pointer: string;
  readonly pathParameters: readonly Resolved[];
  /** The path item's `servers` (3.x), if any. */
  readonly pathServers: unknown;
  /** Where the path item's `servers` are written. */
  readonly pathServersPointer: string;
  /** The path item's `x-*` extensions. */
  readonly pathExtensions: Readonly<Record<string, unknown>>;
}

/** The `{name}` placeholders of a path template, in order. @see https://spec.openapis.org/oas/v3.1.0#path-templating */
export function pathTemplateNames(path: string): string[] {
  return [...path.matchAll(/\{([^{}/]+)\}/g)].map((m) => m[1]!);
}

/**
 * Every placeholder of the template must be a declared path parameter (error); every declared path parameter
 * should be in the template (warning: it would never be sent).
 * @see https://spec.openapis.org/oas/v3.1.0#path-templating
 */
function checkPathParameters(context: NormalizeContext, input: OperationInput, parameters: readonly NormalizedParameter[]): void {
  const names = pathTemplateNames(input.path);
  const declared = parameters.filter((p) => p.in === 'path');
  const missing = names.filter((name) => !declared.some((p) => p.name === name));
  if (missing.length > 0) {
    context.issues.error(
      'ERR_SPEC_PATH_PARAMETER',
      input.pointer,
      `${missing.map((n) => `{${n}}`).join(', ')} in the path template "${input.path}" ${missing.length > 1 ? 'are' : 'is'} not declared as a path parameter`,
      `Declare ${missing.map((n) => `"${n}"`).join(', ')} under parameters (in: path, required: true), here or on the path item.`,
    );
  }
  for (const parameter of declared.filter((p) => !names.includes(p.name))) {
    context.issues.warn(
      'WARN_SPEC_PATH_PARAMETER',
      parameter.source,
      `path parameter "${parameter.name}" does not appear in the path template "${input.path}"`,
      `Remove the parameter, or add {${parameter.name}} to the path.`,
    );
  }
}

/**
 * Header, cookie and query parameter names are sent upstream as written: each must be valid where it goes
 * (ERR_SPEC_NAME at the parameter's `name`).
 * @see https://spec.openapis.org/oas/v3.1.0#parameter-locations
 */
function checkParameterNames(context: NormalizeContext, parameters: readonly Resolved[]): void {
  for (const { value, target } of parameters) {
    const location = value.in;
    if (location !== 'header' && location !== 'cookie' && location !== 'query') continue;
    const problem = sentNameProblem(location, String(value.name ?? ''), `${location} parameter name`);
    if (problem) context.issues.error('ERR_SPEC_NAME', pointerJoin(target, 'name'), problem.message, problem.hint);
  }
}

/** 2.0: body and formData parameters become the request body; the others stay parameters. */
function swagger2ParametersAndBody(
  context: NormalizeContext,
  input: OperationInput,
  merged: readonly Resolved[],
): { parameters: NormalizedParameter[]; requestBody?: NormalizedRequestBody } {
  const consumes = swagger2Consumes(context.document, input.operation);
  const body = merged.find((p) => p.value.in === 'body');
  const form = merged.filter((p) => p.value.in === 'formData');
  const parameters = merged.filter((p) => p.value.in !== 'body' && p.value.in !== 'formData').map((p) => swagger2Parameter(context, p));
  for (const { value, target } of [...(body ? [body] : []), ...form]) {
    if (value['x-mcp-bind'] === undefined) continue;
    context.issues.error(
      'ERR_SPEC_EXTENSION',
      pointerJoin(target, 'x-mcp-bind'),
      `x-mcp-bind cannot apply to an in: ${String(value.in)} parameter: it binds path, query and header parameters and the top-level properties of a JSON body`,
      value.in === 'body' ? 'Put x-mcp-bind on a property of the body schema instead.' : 'Bind a path, query or header parameter instead, or send a JSON body.',
    );
  }
  if (body) return { parameters, requestBody: swagger2BodyRequestBody(body, consumes) };
  if (form.length > 0) return { parameters, requestBody: swagger2FormRequestBody(context, form, consumes, input.pointer) };
  return { parameters };
}

/** 3.x: the parameters as written, and the request body. */
function openApi3ParametersAndBody(
  context: NormalizeContext,
  input: OperationInput,
  merged: readonly Resolved[],
): { parameters: NormalizedParameter[]; requestBody?: NormalizedRequestBody } {
  const body = input.operation.requestBody;
  const requestBody = body === undefined ? undefined : normalizeRequestBody(context, body, `${input.pointer}/requestBody`);
  return { parameters: merged.map(normalizeParameter), ...optional('requestBody', requestBody) };
}

/**
 * Servers that override the document's: 3.x the operation's, else the path item's; 2.0 the operation's `schemes`.
 * @see https://spec.openapis.org/oas/v3.1.0#operation-object (servers)
 */
function operationServers(context: NormalizeContext, input: OperationInput): NormalizedServer[] | undefined {
  if (context.version !== '2.0') {
    const own = normalizeServers(context, input.operation.servers, `${input.pointer}/servers`);
    const inherited = normalizeServers(context, input.pathServers, input.pathServersPointer);
    return own ?? inherited;
  }
  return input.operation.schemes === undefined ? undefined : [swagger2Server(context.document, input.operation.schemes)];
}

/**
 * Converts one operation; `security` stays `undefined` when the operation has none (it inherits the document's).
 * @see https://spec.openapis.org/oas/v3.1.0#operation-object
 */
export function normalizeOperation(
  context: NormalizeContext,
  schemes: Readonly<Record<string, NormalizedSecurityScheme>>,
  input: OperationInput,
): NormalizedOperation {
  const { operation, pointer } = input;
  const merged = mergeParameters(input.pathParameters, resolveParameters(context, operation.parameters, `${pointer}/parameters`));
  checkParameterNames(context, merged);
  const { parameters, requestBody } =
    context.version === '2.0' ? swagger2ParametersAndBody(context, input, merged) : openApi3ParametersAndBody(context, input, merged);
  checkPathParameters(context, input, parameters);

  return {
    method: input.method,
    path: input.path,
    ...optional('operationId', stringOf(operation.operationId)),
    ...optional('summary', stringOf(operation.summary)),
    ...optional('description', stringOf(operation.description)),
    tags: stringsOf(operation.tags),
    deprecated: operation.deprecated === true,
    parameters,
    ...optional('requestBody', requestBody),
    ...optional('security', normalizeSecurityRequirements(context, schemes, operation.security, `${pointer}/security`)),
    ...optional('servers', operationServers(context, input)),
    extensions: { ...input.pathExtensions, ...pickExtensions(operation) },
    source: pointer,
  };
}
