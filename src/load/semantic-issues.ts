/**
 * Locates the Swagger 2.0 rule violations swagger-parser reports as plain messages (duplicate operationId,
 * undeclared path parameters, ...). It names places as `/paths/{path}/{method}/parameters/{name}`, with the
 * path unescaped and parameters by name; this turns them into JSON pointers in the document.
 * @see https://github.com/APIDevTools/swagger-parser/blob/main/lib/validators/spec.js
 */
import type { ErrorCode, ErrorIssue } from '../errors.js';
import { isRecord } from '../shared/guards.js';
import { SWAGGER2_OPERATION_KEYS } from '../shared/http-method.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { followRef } from '../shared/reference.js';

/** These violations are Swagger 2.0's, whose Path Item has no `trace`. */
const METHODS = SWAGGER2_OPERATION_KEYS;

/** Where an operation is: its pointer and its path item. */
interface OperationPlace {
  readonly pointer: string;
  readonly path: string;
  readonly pathItem: Record<string, unknown>;
  readonly operation: Record<string, unknown>;
}

function operations(document: Record<string, unknown>): OperationPlace[] {
  const paths = isRecord(document.paths) ? document.paths : {};
  const found: OperationPlace[] = [];
  for (const [path, pathItem] of Object.entries(paths)) {
    if (!isRecord(pathItem)) continue;
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (isRecord(operation)) found.push({ pointer: pointerJoin('#', 'paths', path, method), path, pathItem, operation });
    }
  }
  return found;
}

/** The pointer of the parameter named `name` (and `in`, when given) of an operation, or of its path item. */
function parameterPointer(document: Record<string, unknown>, place: OperationPlace, name: string, location?: string): string | undefined {
  const lists: [unknown, string][] = [
    [place.operation.parameters, `${place.pointer}/parameters`],
    [place.pathItem.parameters, pointerJoin('#', 'paths', place.path, 'parameters')],
  ];
  for (const [list, pointer] of lists) {
    if (!Array.isArray(list)) continue;
    const index = list.findIndex((p, i) => {
      const resolved = followRef(document, p, `${pointer}/${i}`);
      return resolved.ok && isRecord(resolved.value) && resolved.value.name === name && (!location || resolved.value.in === location);
    });
    if (index !== -1) return `${pointer}/${index}`;
  }
  return undefined;
}

/** Splits swagger-parser's `/paths/{path}/{method}/rest` into the operation and the rest. */
function findOperation(document: Record<string, unknown>, id: string): { place: OperationPlace; rest: string[] } | undefined {
  // Longest path first: `/pets/{id}/get` must not be read as path `/pets` + `{id}`.
  const candidates = operations(document).sort((a, b) => b.path.length - a.path.length);
  for (const place of candidates) {
    const method = place.pointer.slice(place.pointer.lastIndexOf('/') + 1);
    const prefix = `/paths${place.path}/${method}`;
    if (id === prefix || id.startsWith(`${prefix}/`)) return { place, rest: id.slice(prefix.length + 1).split('/').filter(Boolean) };
  }
  return undefined;
}

/** Turns one of swagger-parser's ids into a pointer (parameters named by `name` become indexes). */
function idToPointer(document: Record<string, unknown>, id: string): string {
  const operation = findOperation(document, id);
  if (!operation) {
    const definition = /^\/definitions\/(.+)$/.exec(id);
    return definition ? pointerJoin('#', 'definitions', definition[1]!) : '#';
  }
  const [first, name, ...rest] = operation.rest;
  if (first === 'parameters' && name !== undefined) {
    const parameter = parameterPointer(document, operation.place, name);
    if (parameter) return pointerJoin(parameter, ...rest);
  }
  return pointerJoin(operation.place.pointer, ...operation.rest);
}

/** A rule, the message it matches, and the issue it makes. */
type Rule = readonly [RegExp, (match: RegExpExecArray, document: Record<string, unknown>) => Omit<ErrorIssue, 'severity' | 'file'>];

const issue = (code: ErrorCode, pointer: string, message: string, hint: string) => ({ code, pointer, message, hint });

const RULES: readonly Rule[] = [
  [
    /^Duplicate operation id '(.+)'$/,
    ([, id], document) => {
      const uses = operations(document).filter((o) => o.operation.operationId === id);
      const [first, second] = uses;
      return issue(
        'ERR_SPEC_INVALID',
        second ? `${second.pointer}/operationId` : '#',
        `operationId "${id}" is also used by ${first?.pointer ?? 'another operation'}`,
        'Give every operation a unique operationId.',
      );
    },
  ],
  [
    /^(.+) has (\d+) body parameters\. Only one is allowed\.$/,
    ([, id, count], document) =>
      issue('ERR_SPEC_INVALID', `${idToPointer(document, id!)}/parameters`, `has ${count} body parameters`, 'Keep a single "in: body" parameter.'),
  ],
  [
    /^(.+) has body parameters and formData parameters\./,
    ([, id], document) =>
      issue(
        'ERR_SPEC_INVALID',
        `${idToPointer(document, id!)}/parameters`,
        'has both body and formData parameters',
        'Use either one "in: body" parameter or "in: formData" parameters.',
      ),
  ],
  [
    /^Path parameters cannot be optional\. Set required=true for the "(.+)" parameter at (.+)$/,
    ([, name, id], document) => {
      const operation = findOperation(document, id!);
      const at = operation ? (parameterPointer(document, operation.place, name!, 'path') ?? operation.place.pointer) : '#';
      return issue('ERR_SPEC_PATH_PARAMETER', at, `path parameter "${name}" must be required`, 'Add "required: true".');
    },
  ],
  [
    /^(.+) has a path parameter named "(.+)", but there is no corresponding \{.+\} in the path string$/,
    ([, id, name], document) => {
      const operation = findOperation(document, id!);
      const at = operation ? (parameterPointer(document, operation.place, name!, 'path') ?? operation.place.pointer) : '#';
      return issue(
        'ERR_SPEC_PATH_PARAMETER',
        at,
        `path parameter "${name}" does not appear in the path template "${operation?.place.path ?? ''}"`,
        `Remove the parameter, or add {${name}} to the path.`,
      );
    },
  ],
  [
    /^(.+) is missing path parameter\(s\) for (.+)$/,
    ([, id, placeholders], document) => {
      const operation = findOperation(document, id!);
      const names = placeholders!.split(',').map((p) => p.replace(/^\{|\}$/g, ''));
      return issue(
        'ERR_SPEC_PATH_PARAMETER',
        operation?.place.pointer ?? '#',
        `${names.map((n) => `{${n}}`).join(', ')} in the path template "${operation?.place.path ?? ''}" ${names.length > 1 ? 'are' : 'is'} not declared as a path parameter`,
        `Declare ${names.map((n) => `"${n}"`).join(', ')} under parameters (in: path, required: true), here or on the path item.`,
      );
    },
  ],
  [
    /^(.+) has multiple path placeholders named (.+)$/,
    ([, id, placeholder], document) =>
      issue('ERR_SPEC_PATH_PARAMETER', idToPointer(document, id!), `the path template uses ${placeholder} twice`, 'Give each placeholder its own name.'),
  ],
  [
    /^(.+) has an invalid (?:response schema )?type \((.*)\)$/,
    ([, id, type], document) =>
      issue('ERR_SPEC_INVALID', `${idToPointer(document, id!)}/type`, `type "${type}" is not allowed here`, 'Use string, number, integer, boolean or array (file only in formData).'),
  ],
  [
    /^(.+) is an array, so it must include an "items" schema$/,
    ([, id], document) => issue('ERR_SPEC_INVALID', idToPointer(document, id!), 'an array without "items"', 'Add "items" describing the elements.'),
  ],
  [
    /^Property '(.+)' listed as required but does not exist in '(.+)'$/,
    ([, property, id], document) =>
      issue(
        'ERR_SPEC_INVALID',
        `${idToPointer(document, id!)}/required`,
        `"${property}" is listed as required but is not a property`,
        `Add "${property}" under properties, or remove it from required.`,
      ),
  ],
  [
    /^(.+) has a file parameter, so it must consume multipart\/form-data or application\/x-www-form-urlencoded$/,
    ([, id], document) =>
      issue('ERR_SPEC_INVALID', idToPointer(document, id!), 'has a file parameter but does not consume a form media type', 'Add consumes: [multipart/form-data].'),
  ],
  [
    /^Found multiple (\w+) parameters named "(.+)"$/,
    ([, location, name], document) => {
      const place = operations(document).find((o) =>
        [o.operation.parameters, o.pathItem.parameters].some(
          (list) => Array.isArray(list) && list.filter((p) => isRecord(p) && p.name === name && p.in === location).length > 1,
        ),
      );
      return issue('ERR_SPEC_INVALID', place?.pointer ?? '#', `declares the ${location} parameter "${name}" twice`, 'Remove one of them.');
    },
  ],
  [
    /^(.+) has an invalid response code \((.+)\)$/,
    ([, id, code], document) =>
      issue('ERR_SPEC_INVALID', idToPointer(document, id!), `"${code}" is not an HTTP status code`, 'Use a code from 100 to 599, or "default".'),
  ],
];

/**
 * Turns a swagger-parser rule violation message into a located issue (`#` when its place cannot be found).
 * @see https://swagger.io/specification/v2/
 */
export function semanticErrorToIssue(message: string, document: Record<string, unknown>, file: string): ErrorIssue {
  const text = message.replace(/^(SyntaxError: )?Validation failed\. /, '').trim();
  for (const [pattern, build] of RULES) {
    const match = pattern.exec(text);
    if (match) return { severity: 'error', file, ...build(match, document) };
  }
  return { code: 'ERR_SPEC_INVALID', severity: 'error', file, pointer: '#', message: text, hint: 'Fix the document so that it follows the Swagger 2.0 specification.' };
}
