/**
 * HTTP methods an OpenAPI operation can have, and the Path Item fields that hold operations, in the order the
 * specifications list them (document order of operations follows it).
 * @see https://spec.openapis.org/oas/v3.1.0#path-item-object
 * @see https://swagger.io/specification/v2/#path-item-object
 */

/** Every method of an OpenAPI 3.x operation, upper case, in the Path Item Object's field order. */
export const HTTP_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'] as const;

/** An HTTP method, upper case. */
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The operation fields of an OpenAPI 3.x Path Item Object (the methods in lower case), in field order. */
export const OPERATION_KEYS: readonly string[] = HTTP_METHODS.map((method) => method.toLowerCase());

/** The operation fields of a Swagger 2.0 Path Item Object (2.0 has no `trace`), in field order. */
export const SWAGGER2_OPERATION_KEYS: readonly string[] = OPERATION_KEYS.filter((key) => key !== 'trace');

/** True when `value` is an upper-case HTTP method an operation can have. */
export function isHttpMethod(value: string): value is HttpMethod {
  return (HTTP_METHODS as readonly string[]).includes(value);
}
