/**
 * Which schema violations can affect a tool. A tool is built from an operation's path, parameters, request body
 * and security; responses, examples and documentation (externalDocs, xml, info other than title and version,
 * tags) never reach it. A violation written only where no tool looks is reported as a warning (WARN_SPEC_INVALID,
 * an error under --strict); anything request-side, security-related, structural or not clearly tool-free stays
 * an error.
 * @see https://spec.openapis.org/oas/v3.1.0#operation-object
 */
import type { Issue } from '../errors.js';
import { isRecord } from '../shared/guards.js';
import { formatPointer, parsePointer, valueAt } from '../shared/json-pointer.js';

/** Fields whose keys are names chosen by the author: a property may well be called `example` or `responses`. */
const NAME_MAPS: ReadonlySet<string> = new Set([
  'properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions', 'dependencies', 'schemas', 'parameters',
  'responses', 'requestBodies', 'headers', 'securitySchemes', 'securityDefinitions', 'links', 'callbacks', 'pathItems',
  'content', 'encoding', 'variables', 'scopes', 'mapping', 'webhooks', 'paths', 'examples',
]);
/** Fields holding data, never OpenAPI objects. */
const DATA_FIELDS: ReadonlySet<string> = new Set(['default', 'enum', 'const', 'example', 'examples']);
/** Fields that only document, wherever they are. @see https://spec.openapis.org/oas/v3.1.0#xml-object */
const DOCUMENTATION_FIELDS: ReadonlySet<string> = new Set(['example', 'examples', 'externalDocs', 'xml']);
/** Fields under which everything is response-side (a callback is a request the API makes, not a tool). */
const RESPONSE_FIELDS: ReadonlySet<string> = new Set(['responses', 'callbacks', 'links']);
/** The `info` fields a tool or the emitted project reads. */
const INFO_FIELDS_USED: ReadonlySet<string> = new Set(['title', 'version']);

/** How each segment of a pointer is used: an OpenAPI field, a name chosen by the author, or data. */
type Role = 'field' | 'name' | 'data';

function roles(segments: readonly string[]): Role[] {
  const result: Role[] = [];
  segments.forEach((segment, i) => {
    const previous = result[i - 1];
    const field = previous === 'field' ? segments[i - 1]! : undefined;
    if (previous === 'data' || (field !== undefined && DATA_FIELDS.has(field))) result.push('data');
    else if (field !== undefined && (NAME_MAPS.has(field) || /^\d+$/.test(segment))) result.push('name');
    // A security requirement's keys are scheme names: `#/security/0/<name>`.
    else if (i >= 2 && result[i - 2] === 'field' && segments[i - 2] === 'security') result.push('name');
    else result.push('field');
  });
  return result;
}

/** Inside `example`, `examples`, `externalDocs` or `xml`, or `info` other than title and version, or `tags`. */
function documentationOnly(segments: readonly string[], kinds: readonly Role[]): boolean {
  if (segments.some((segment, i) => kinds[i] === 'field' && DOCUMENTATION_FIELDS.has(segment))) return true;
  if (segments[0] === 'info') return segments.length >= 2 && !INFO_FIELDS_USED.has(segments[1]!);
  return segments[0] === 'tags' && segments.length >= 2;
}

/** Inside a response, a callback or a link (not the `responses` object itself: an operation needs one). */
function insideResponse(segments: readonly string[], kinds: readonly Role[]): boolean {
  return segments.some((segment, i) => kinds[i] === 'field' && RESPONSE_FIELDS.has(segment) && i + 1 < segments.length);
}

/** Whether the place is documentation or response-side by its position alone (no `$ref` considered). */
function documentationOrResponse(segments: readonly string[]): boolean {
  const kinds = roles(segments);
  return documentationOnly(segments, kinds) || insideResponse(segments, kinds);
}

/** Component places that are response-side unless a request-side `$ref` reaches them. */
function responseSideUnlessReferenced(segments: readonly string[]): boolean {
  if (segments[0] === 'components') return segments.length >= 3 && (segments[1] === 'schemas' || segments[1] === 'headers');
  return segments[0] === 'definitions' && segments.length >= 2;
}

/**
 * The `$ref` targets (pointers) a tool can reach: followed, transitively, from everything in the document but
 * responses, callbacks, links, documentation and the schema and header components themselves.
 */
export function requestSideTargets(document: Record<string, unknown>): Set<string> {
  const reached = new Set<string>();
  const stack: { value: unknown; segments: string[] }[] = [];
  const push = (value: unknown, segments: string[]): void => {
    if (typeof value === 'object' && value !== null) stack.push({ value, segments });
  };
  for (const [key, value] of Object.entries(document)) {
    if (key === 'definitions' || key === 'responses' || key === 'info' || key === 'tags' || key === 'externalDocs') continue;
    if (key === 'components' && isRecord(value)) {
      for (const [kind, entries] of Object.entries(value)) {
        if (!['schemas', 'headers', 'responses', 'examples', 'links', 'callbacks'].includes(kind)) push(entries, [key, kind]);
      }
      continue;
    }
    push(value, [key]);
  }
  while (stack.length > 0) {
    const { value, segments } = stack.pop()!;
    if (documentationOrResponse(segments)) continue;
    if (isRecord(value) && typeof value.$ref === 'string' && value.$ref.startsWith('#')) {
      const targetSegments = parsePointer(value.$ref);
      const target = targetSegments && formatPointer(targetSegments);
      if (targetSegments && target && !reached.has(target)) {
        reached.add(target);
        push(valueAt(document, targetSegments), targetSegments);
      }
    }
    if (Array.isArray(value)) value.forEach((item, index) => push(item, [...segments, String(index)]));
    else if (isRecord(value)) for (const [key, child] of Object.entries(value)) if (key !== '$ref') push(child, [...segments, key]);
  }
  return reached;
}

/** Whether `pointer` is `target` or inside it. */
function within(pointer: string, target: string): boolean {
  return pointer === target || pointer.startsWith(`${target}/`);
}

/** Whether a violation at a pointer can affect no tool: documentation anywhere, or response-side and not reached by a request-side `$ref`. */
export function toolFreePlaces(document: Record<string, unknown>): (pointer: string) => boolean {
  let targets: string[] | undefined;
  const requestSide = (pointer: string): boolean => {
    targets ??= [...requestSideTargets(document)];
    return targets.some((target) => within(pointer, target) || within(target, pointer));
  };
  return (pointer) => {
    const segments = parsePointer(pointer);
    if (!segments) return false;
    const kinds = roles(segments);
    // Documentation stays documentation inside a request schema; a response-side place stops being one where a
    // request-side `$ref` reaches it (or something inside it).
    return documentationOnly(segments, kinds) || ((insideResponse(segments, kinds) || responseSideUnlessReferenced(segments)) && !requestSide(pointer));
  };
}

/**
 * Turns the schema-violation errors (ERR_SPEC_INVALID) that no tool can be affected by into warnings
 * (WARN_SPEC_INVALID, same place and words); every other issue is returned as it is.
 */
export function downgradeToolIrrelevant(issues: readonly Issue[], toolFree: (pointer: string) => boolean): Issue[] {
  return issues.map((issue) =>
    issue.code === 'ERR_SPEC_INVALID' && issue.severity === 'error' && toolFree(issue.pointer) ? { ...issue, code: 'WARN_SPEC_INVALID', severity: 'warning' } : issue,
  );
}
