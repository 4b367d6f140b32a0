/**
 * Which OpenAPI version a document is written in, checked before swagger-parser sees it so that a wrong or
 * missing version gets a located message instead of swagger-parser's first thrown error.
 * @see https://spec.openapis.org/oas/v3.1.0#versions
 * @see https://swagger.io/specification/v2/#swagger-object
 */
import type { IssueCollector } from '../errors.js';
import { isRecord } from '../shared/guards.js';

/** The major.minor of the specification a document is written in: Swagger 2.0, OpenAPI 3.0 or 3.1. */
export type SpecVersion = '2.0' | '3.0' | '3.1';

/** The patch versions swagger-parser 12 can validate. */
const SUPPORTED_3_0 = ['3.0.0', '3.0.1', '3.0.2', '3.0.3', '3.0.4'];
const SUPPORTED_3_1 = ['3.1.0', '3.1.1', '3.1.2'];

const SUPPORTED_HINT = 'portcullis reads Swagger 2.0 (swagger: "2.0"), OpenAPI 3.0.0–3.0.4 and 3.1.0–3.1.2 (openapi: "3.1.0").';

/** Describes a YAML/JSON value for a message: `the number 2`, `"4.0"`. */
function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : `the ${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Reads `swagger`/`openapi` and reports ERR_SPEC_VERSION when it is missing or unsupported.
 * @see https://spec.openapis.org/oas/v3.1.0#openapi-object
 */
export function detectSpecVersion(document: Record<string, unknown>, issues: IssueCollector): SpecVersion | undefined {
  const { swagger, openapi } = document;
  if (swagger !== undefined && openapi === undefined) {
    if (swagger === '2.0') return '2.0';
    if (typeof swagger === 'number') {
      issues.error('ERR_SPEC_VERSION', '#/swagger', `the Swagger version must be the string "2.0", not ${describe(swagger)}`, 'Quote it: swagger: "2.0".');
    } else {
      issues.error('ERR_SPEC_VERSION', '#/swagger', `unsupported Swagger version ${describe(swagger)}`, SUPPORTED_HINT);
    }
    return undefined;
  }
  if (openapi === undefined) {
    issues.error(
      'ERR_SPEC_VERSION',
      '#/openapi',
      'this is not an OpenAPI document: it has neither "openapi" nor "swagger"',
      `Add openapi: "3.1.0" (or the version it is written in) at the top. ${SUPPORTED_HINT}`,
    );
    return undefined;
  }
  if (typeof openapi === 'string' && SUPPORTED_3_0.includes(openapi)) return '3.0';
  if (typeof openapi === 'string' && SUPPORTED_3_1.includes(openapi)) return '3.1';
  if (typeof openapi === 'number') {
    issues.error('ERR_SPEC_VERSION', '#/openapi', `the OpenAPI version must be a string, not ${describe(openapi)}`, 'Quote the full version, e.g. openapi: "3.0.3".');
  } else {
    issues.error('ERR_SPEC_VERSION', '#/openapi', `unsupported OpenAPI version ${describe(openapi)}`, SUPPORTED_HINT);
  }
  return undefined;
}

/**
 * Checks what swagger-parser would otherwise reject with an unlocated error before validating:
 * a number as `info.version`, and a 3.0 document without `paths`.
 * @see https://spec.openapis.org/oas/v3.0.3#openapi-object
 */
export function checkDocumentShape(document: Record<string, unknown>, version: SpecVersion, issues: IssueCollector): void {
  const info = document.info;
  if (isRecord(info) && typeof info.version === 'number') {
    const value = info.version;
    issues.error(
      'ERR_SPEC_INVALID',
      '#/info/version',
      `the API version must be a string, not ${describe(value)}`,
      'Quote it as written, e.g. version: "1.0".',
    );
  }
  // 3.0 requires paths and swagger-parser rejects it unlocated; 2.0's schema check reports it with the rest.
  if (version === '3.0' && document.paths === undefined) {
    issues.error('ERR_SPEC_INVALID', '#', 'missing required property "paths"', 'Add "paths" to this object.');
  }
}
