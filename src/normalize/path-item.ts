/**
 * Path Item Objects into their operations, in the order OpenAPI lists the methods.
 * @see https://spec.openapis.org/oas/v3.1.0#path-item-object
 * @see https://swagger.io/specification/v2/#path-item-object
 */
import { isRecord } from '../shared/guards.js';
import { HTTP_METHODS } from '../shared/http-method.js';
import { pointerJoin } from '../shared/json-pointer.js';
import { refOf } from '../shared/reference.js';
import { resolveObject, type NormalizeContext } from './context.js';
import { pickExtensions } from './extensions.js';
import { normalizeOperation } from './operation.js';
import { resolveParameters } from './parameter.js';
import type { NormalizedOperation, NormalizedSecurityScheme } from './types.js';

/** A path item's fields, with where each is written (a `$ref`'d item's own fields win over the target's). */
interface PathItemFields {
  readonly value: Record<string, unknown>;
  pointerOf(key: string): string;
}

/**
 * Follows a path item's `$ref`; fields written next to the `$ref` override the referenced ones.
 * @see https://spec.openapis.org/oas/v3.1.0#path-item-object ($ref)
 */
function resolvePathItem(context: NormalizeContext, value: unknown, site: string): PathItemFields | undefined {
  if (!isRecord(value)) return undefined;
  if (refOf(value) === undefined) return { value, pointerOf: (key) => pointerJoin(site, key) };
  const target = resolveObject(context, value, site, 'a path item');
  if (!target) return undefined;
  const { $ref: _ref, ...own } = value;
  return {
    value: { ...target.value, ...own },
    pointerOf: (key) => pointerJoin(Object.hasOwn(own, key) ? site : target.target, key),
  };
}

/**
 * Converts the operations of the path item at `site` (e.g. `#/paths/~1pets`).
 * @see https://spec.openapis.org/oas/v3.1.0#path-item-object
 */
export function normalizePathItem(
  context: NormalizeContext,
  schemes: Readonly<Record<string, NormalizedSecurityScheme>>,
  path: string,
  value: unknown,
  site: string,
): NormalizedOperation[] {
  const item = resolvePathItem(context, value, site);
  if (!item) return [];
  const pathParameters = resolveParameters(context, item.value.parameters, item.pointerOf('parameters'));
  const pathExtensions = pickExtensions(item.value);
  return HTTP_METHODS.flatMap((method) => {
    const key = method.toLowerCase();
    const operation = item.value[key];
    if (!isRecord(operation)) return [];
    return [
      normalizeOperation(context, schemes, {
        path,
        method,
        operation,
        pointer: item.pointerOf(key),
        pathParameters,
        pathServers: item.value.servers,
        pathServersPointer: item.pointerOf('servers'),
        pathExtensions,
      }),
    ];
  });
}
