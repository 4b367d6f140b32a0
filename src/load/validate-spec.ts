/**
 * Validates a bundled spec as swagger-parser 12 does: against the JSON Schema of its OpenAPI version (every error,
 * condensed) and, for Swagger 2.0, swagger-parser's extra rules (the first violation; it stops there).
 *
 * swagger-parser validates a dereferenced copy (every `$ref` replaced by its target, circular ones left), which
 * costs a copy, the dereference, and Ajv walking every schema once per use (≈1 s on GitHub's spec). Where every
 * `$ref` sits in a place the OpenAPI schema allows a Reference Object and points, without sibling keys, straight
 * at a component of the kind that place expects (`#/components/parameters/X` for a parameter), the target is
 * validated where it is written against the same definition (`refsValidatedInPlace` checks that), so a document
 * valid as it is is valid dereferenced: the common case costs one walk of the bundled document. Anything else
 * (another `$ref`, or any error) takes swagger-parser's route, so issues are the same as before, word for word.
 * The schema validators come precompiled from the build (see openapi-schemas.ts), on both routes.
 * @see https://apitools.dev/swagger-parser/docs/swagger-parser.html#validateapi-options-callback
 */
import { createRequire } from 'node:module';
import type { Issue, IssueCollector } from '../errors.js';
import { isRecord } from '../shared/guards.js';
import { OPERATION_KEYS, SWAGGER2_OPERATION_KEYS } from '../shared/http-method.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { MAX_DEPTH } from './limits.js';
import { schemaValidator } from './openapi-schemas.js';
import { schemaErrorsToIssues, type AjvError } from './schema-issues.js';
import { semanticErrorToIssue } from './semantic-issues.js';
import type { SpecVersion } from './spec-version.js';
import { downgradeToolIrrelevant, toolFreePlaces } from './tool-relevance.js';

/**
 * Validates `document` (bundled: only internal `$ref`s) and adds every problem to `issues`.
 * @see https://spec.openapis.org/oas/v3.1.0#openapi-document
 */
export async function validateSpec(
  document: Record<string, unknown>,
  location: string,
  version: SpecVersion,
  issues: IssueCollector,
): Promise<void> {
  try {
    await validateDocument(document, location, version, issues);
  } catch (error) {
    // Validation follows `$ref`s recursively: chains of references, each within the depth limit, can still
    // nest deeper than the stack allows.
    if (!(error instanceof RangeError)) throw error;
    issues.error(
      'ERR_SPEC_TOO_DEEP',
      '#',
      `nested too deeply to validate once its $refs are followed; at most ${MAX_DEPTH} levels are accepted`,
      'Shorten chains of $refs that nest schemas inside one another.',
    );
  }
}

async function validateDocument(document: Record<string, unknown>, location: string, version: SpecVersion, issues: IssueCollector): Promise<void> {
  const validate = schemaValidator(version);
  const toolFree = toolFreePlaces(document);
  // swagger-parser validated a 3.1 document with neither paths nor webhooks with `paths: {}` (see below).
  const inPlace = document.paths === undefined && document.webhooks === undefined ? { ...document, paths: {} } : document;
  // Valid in place, with every $ref validated in place, is valid dereferenced too. An invalid document takes
  // swagger-parser's route: where Ajv meets an error first (and what a `oneOf` around a use adds) decides the
  // order and wording of the issues, so only the dereferenced document reports them as before.
  if (!(refsValidatedInPlace(document, version) && validate(inPlace))) {
    const dereferenced = await dereferencedCopy(document, location, issues, { circular: 'ignore' });
    if (!dereferenced) return;
    if (!validate(dereferenced)) {
      const found = downgradeToolIrrelevant(schemaErrorsToIssues(validate.errors as AjvError[], document, version, issues.file), toolFree);
      issues.issues.push(...found);
      // Only warnings (violations no tool is affected by): the document goes on, as a valid one would.
      if (found.some((issue) => issue.severity === 'error')) return;
    }
  }
  // The Swagger 2.0 rules (the OpenAPI 3 ones do not exist) read the fully dereferenced document: swagger-parser's.
  if (version === '2.0') {
    const dereferenced = await dereferencedCopy(document, location, issues, { circular: true });
    if (!dereferenced) return;
    const first = swagger2RuleIssue(dereferenced, document, issues.file, toolFree);
    if (!first) return;
    if (!issues.issues.some((issue) => issue.pointer === first.pointer)) issues.issues.push(first);
    if (first.severity === 'error') return;
    // The rules stop at their first violation: one no tool is affected by must not hide one that is. Again
    // without what no tool reads (responses, definitions no request reaches).
    const again = swagger2RuleIssue(withoutToolFreeParts(dereferenced, toolFree), document, issues.file, toolFree);
    if (again && !issues.issues.some((issue) => issue.pointer === again.pointer)) issues.issues.push(again);
  }
}

/** The first violation of swagger-parser's Swagger 2.0 rules, located, downgraded when no tool is affected by it. */
function swagger2RuleIssue(dereferenced: Record<string, unknown>, document: Record<string, unknown>, file: string, toolFree: (pointer: string) => boolean): Issue | undefined {
  try {
    const validateSwagger2Rules = createRequire(import.meta.url)('@apidevtools/swagger-parser/lib/validators/spec.js') as (api: unknown) => void;
    validateSwagger2Rules(dereferenced);
    return undefined;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return downgradeToolIrrelevant([semanticErrorToIssue(error.message, document, file)], toolFree)[0];
  }
}

/** A shallow copy of a dereferenced Swagger 2.0 document without operations' responses and tool-free definitions. */
function withoutToolFreeParts(dereferenced: Record<string, unknown>, toolFree: (pointer: string) => boolean): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(isRecord(dereferenced.paths) ? dereferenced.paths : {})) {
    paths[path] = isRecord(item)
      ? Object.fromEntries(Object.entries(item).map(([key, value]) => [key, SWAGGER2_OPERATION_KEYS.includes(key) && isRecord(value) ? { ...value, responses: {} } : value]))
      : item;
  }
  const definitions = Object.fromEntries(
    Object.entries(isRecord(dereferenced.definitions) ? dereferenced.definitions : {}).filter(([name]) => !toolFree(pointerJoin('#', 'definitions', name))),
  );
  return { ...dereferenced, paths, definitions };
}

/**
 * A copy of `document` dereferenced by swagger-parser, as its `validate` does (it refuses a 3.1 document with
 * neither paths nor webhooks, which 3.1 allows: it gets `paths: {}`); undefined after adding the issue it threw.
 */
async function dereferencedCopy(
  document: Record<string, unknown>,
  location: string,
  issues: IssueCollector,
  options: { circular: true | 'ignore' },
): Promise<Record<string, unknown> | undefined> {
  const { default: SwaggerParser } = await import('@apidevtools/swagger-parser');
  // swagger-parser dereferences in place: give it a copy.
  const copy = structuredClone(document);
  if (copy.paths === undefined && copy.webhooks === undefined) copy.paths = {};
  try {
    const parser = new SwaggerParser();
    await parser.dereference(location, copy as never, { resolve: { external: false }, dereference: { circular: options.circular } } as never);
    return parser.api as unknown as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    if (error instanceof SyntaxError) {
      issues.issues.push(semanticErrorToIssue(error.message, document, issues.file));
    } else if (/^(JSONParser|Resolver|Parser|MissingPointer|InvalidPointer|Timeout)Error/.test(error.name)) {
      // bundle-spec.ts has checked every $ref; this is a safety net, not an expected path.
      issues.error('ERR_SPEC_REF', '#', error.message, 'Check the $refs of the document.');
    } else {
      throw error;
    }
    return undefined;
  }
}

/** The kinds of place that hold an object or a Reference Object to one, by their `components` key. */
type Kind = 'schemas' | 'responses' | 'parameters' | 'examples' | 'requestBodies' | 'headers' | 'securitySchemes' | 'links' | 'callbacks' | 'pathItems';

/**
 * Whether validating the bundled `document` in place finds what validating it dereferenced finds: every `$ref`
 * is a Reference Object without siblings at a place of a known kind, whose target is the `components` (2.0:
 * `definitions`, `parameters`, `responses`) entry of that kind, itself validated in place. Places that hold
 * free-form data (`example`, `x-*`, ...) are not validated, so their `$ref`s do not matter.
 * Conservative: anything it does not model answers false (swagger-parser's route).
 */
export function refsValidatedInPlace(document: Record<string, unknown>, version: SpecVersion): boolean {
  return version === '2.0' ? swagger2Document(document) : openApi3Document(document, version === '3.1');
}

const isExtension = (key: string): boolean => key.startsWith('x-');
const hasRef = (node: Record<string, unknown>): boolean => typeof node.$ref === 'string';

/** No `$ref` anywhere below (for parts whose schema allows no Reference Object). */
function noRefs(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(noRefs);
  if (!isRecord(node)) return true;
  if ('$ref' in node) return false;
  for (const key in node) if (!noRefs(node[key])) return false;
  return true;
}

/**
 * Every value of a map passes `check`; `x-*` keys are skipped only in maps whose schema makes them extensions
 * (Paths, Responses, Callback), elsewhere they are names like any other.
 */
function entries(node: unknown, check: (value: unknown) => boolean, skipExtensions = false): boolean {
  if (!isRecord(node)) return noRefs(node);
  for (const key in node) if (!(skipExtensions && isExtension(key)) && !check(node[key])) return false;
  return true;
}

function items(node: unknown, check: (value: unknown) => boolean): boolean {
  return Array.isArray(node) ? node.every(check) : noRefs(node);
}

/** `node`'s fields: `fields[key]` checks the known ones, extensions are data, the rest must hold no `$ref`. */
function fields(node: Record<string, unknown>, known: Readonly<Record<string, (value: unknown) => boolean>>, data: readonly string[] = []): boolean {
  for (const key in node) {
    if (isExtension(key) || data.includes(key)) continue;
    const check = Object.hasOwn(known, key) ? known[key] : undefined;
    if (!(check ? check(node[key]) : noRefs(node[key]))) return false;
  }
  return true;
}

/** Whether `ref` is `#/<container...>/<name>` naming an existing entry (bundle-spec.ts has checked, this is cheap). */
function pointsInto(document: Record<string, unknown>, ref: string, container: readonly string[]): boolean {
  const prefix = `#/${container.join('/')}/`;
  if (!ref.startsWith(prefix) || ref.indexOf('/', prefix.length) !== -1) return false;
  let node: unknown = document;
  for (const key of container) node = isRecord(node) ? node[key] : undefined;
  const name = ref.slice(prefix.length).replace(/~1/g, '/').replace(/~0/g, '~');
  return isRecord(node) && Object.hasOwn(node, name);
}

/** Keys of a Schema Object whose values are data, never validated as schemas. */
const SCHEMA_DATA = ['example', 'default', 'enum'];
/** The key of a parameter, header or media type whose value is data. */
const EXAMPLE_DATA = ['example'];

function openApi3Document(document: Record<string, unknown>, is31: boolean): boolean {
  const toComponent = (kind: Kind, ref: unknown): boolean => typeof ref === 'string' && pointsInto(document, ref, ['components', kind]);
  /** A place of `kind`: a Reference Object to such a component, or the object, checked by `check`. */
  const place = (kind: Kind, check: (node: Record<string, unknown>) => boolean) => (node: unknown): boolean => {
    if (!isRecord(node)) return noRefs(node);
    if (!hasRef(node)) return check(node);
    return Object.keys(node).length === 1 && toComponent(kind, node.$ref);
  };
  // The field tables below are made once, not per object checked (a spec has hundreds of thousands of them).
  const all = (check: (value: unknown) => boolean) => (value: unknown) => items(value, check);
  const each = (check: (value: unknown) => boolean) => (value: unknown) => entries(value, check);

  // 3.1 validates a Schema Object only as an object or a boolean (swagger-parser's $dynamicRef workaround): what
  // is inside does not matter, and a `$ref` with siblings is still an object once merged with its target.
  const schemaFields: Record<string, (value: unknown) => boolean> = {
    properties: (value) => entries(value, schema),
    items: (value) => schema(value),
    allOf: (value) => items(value, schema),
    oneOf: (value) => items(value, schema),
    anyOf: (value) => items(value, schema),
    not: (value) => schema(value),
    additionalProperties: (value) => typeof value === 'boolean' || schema(value),
  };
  const schema: (node: unknown) => boolean = is31
    ? (node) => !isRecord(node) || !hasRef(node) || toComponent('schemas', node.$ref)
    : place('schemas', (node) => fields(node, schemaFields, SCHEMA_DATA));
  const exampleFields = {};
  const example = place('examples', (node) => fields(node, exampleFields, ['value']));
  const examples = each(example);
  const headerFields = { schema, content: (value: unknown) => content(value), examples };
  const header = place('headers', (node) => fields(node, headerFields, EXAMPLE_DATA));
  const encodingFields = { headers: (value: unknown) => entries(value, header) };
  const mediaTypeFields = { schema, examples, encoding: each((e) => (isRecord(e) ? fields(e, encodingFields) : noRefs(e))) };
  const mediaType = (node: unknown): boolean => (isRecord(node) ? fields(node, mediaTypeFields, EXAMPLE_DATA) : noRefs(node));
  const content = each(mediaType);
  const parameterFields = { schema, content, examples };
  const parameter = place('parameters', (node) => fields(node, parameterFields, EXAMPLE_DATA));
  const requestBodyFields = { content };
  const requestBody = place('requestBodies', (node) => fields(node, requestBodyFields));
  const linkFields = {};
  const link = place('links', (node) => fields(node, linkFields, ['parameters', 'requestBody']));
  const responseFields = { headers: each(header), content, links: each(link) };
  const response = place('responses', (node) => fields(node, responseFields));
  const callback: (node: unknown) => boolean = place('callbacks', (node) => entries(node, pathItem, true));
  const operationFields = {
    parameters: all(parameter),
    requestBody,
    responses: (value: unknown) => entries(value, response, true),
    callbacks: each(callback),
  };
  const operation = (node: unknown): boolean => (isRecord(node) ? fields(node, operationFields) : noRefs(node));
  const pathItemFields = { parameters: all(parameter), ...Object.fromEntries(OPERATION_KEYS.map((method) => [method, operation])) };
  // A 3.0 Path Item's `$ref` is not a Reference Object (it may point anywhere): swagger-parser's route.
  const pathItem: (node: unknown) => boolean = (node) => {
    if (!isRecord(node)) return noRefs(node);
    if (hasRef(node)) return is31 && Object.keys(node).length === 1 && toComponent('pathItems', node.$ref);
    return fields(node, pathItemFields);
  };
  const securityScheme = place('securitySchemes', (node) => noRefs(node));
  const componentFields = {
    schemas: each(schema),
    responses: each(response),
    parameters: each(parameter),
    examples,
    requestBodies: each(requestBody),
    headers: each(header),
    securitySchemes: each(securityScheme),
    links: each(link),
    callbacks: each(callback),
    ...(is31 ? { pathItems: each(pathItem) } : {}),
  };
  const components = (node: unknown): boolean => (isRecord(node) ? fields(node, componentFields) : noRefs(node));
  return fields(document, {
    paths: (value) => entries(value, pathItem, true),
    ...(is31 ? { webhooks: (value: unknown) => entries(value, pathItem) } : {}),
    components,
  });
}

function swagger2Document(document: Record<string, unknown>): boolean {
  const to = (container: string) => (node: Record<string, unknown>): boolean =>
    Object.keys(node).length === 1 && pointsInto(document, node.$ref as string, [container]);
  const toDefinition = to('definitions');
  const toParameter = to('parameters');
  const toResponse = to('responses');
  const schemaFields: Record<string, (value: unknown) => boolean> = {
    properties: (value) => entries(value, schema),
    items: (value) => (Array.isArray(value) ? value.every(schema) : schema(value)),
    allOf: (value) => items(value, schema),
    additionalProperties: (value) => typeof value === 'boolean' || schema(value),
  };
  const schema = (node: unknown): boolean => {
    if (!isRecord(node)) return noRefs(node);
    if (hasRef(node)) return toDefinition(node);
    return fields(node, schemaFields, SCHEMA_DATA);
  };
  const schemaOnly = { schema };
  const parameter = (node: unknown): boolean => (!isRecord(node) ? noRefs(node) : hasRef(node) ? toParameter(node) : fields(node, schemaOnly, ['default', 'enum']));
  const response = (node: unknown): boolean => (!isRecord(node) ? noRefs(node) : hasRef(node) ? toResponse(node) : fields(node, schemaOnly, ['examples']));
  const operationFields = { parameters: (value: unknown) => items(value, parameter), responses: (value: unknown) => entries(value, response, true) };
  const operation = (node: unknown): boolean => (isRecord(node) ? fields(node, operationFields) : noRefs(node));
  const pathItemFields = { parameters: (value: unknown) => items(value, parameter), ...Object.fromEntries(SWAGGER2_OPERATION_KEYS.map((m) => [m, operation])) };
  const pathItem = (node: unknown): boolean => (isRecord(node) && !hasRef(node) ? fields(node, pathItemFields) : noRefs(node));
  return fields(document, {
    paths: (value) => entries(value, pathItem, true),
    definitions: (value) => entries(value, schema),
    parameters: (value) => entries(value, parameter),
    responses: (value) => entries(value, response),
  });
}
