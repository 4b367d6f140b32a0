/**
 * Validates a bundled spec with swagger-parser: the JSON Schema of its OpenAPI version (every error, condensed)
 * and, for Swagger 2.0, swagger-parser's extra rules (the first violation; it stops there).
 * @see https://apitools.dev/swagger-parser/docs/swagger-parser.html#validateapi-options-callback
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { IssueCollector } from '../errors.js';
import type { SpecVersion } from '../normalize/types.js';
import { schemaErrorsToIssues, type AjvError } from './schema-issues.js';
import { semanticErrorToIssue } from './semantic-issues.js';

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
  // swagger-parser dereferences what it validates, in place: give it a copy.
  const copy = structuredClone(document);
  // It refuses a 3.1 document with neither paths nor webhooks, which 3.1 allows.
  if (copy.paths === undefined && copy.webhooks === undefined) copy.paths = {};
  try {
    await new SwaggerParser().validate(location, copy as never, { resolve: { external: false } });
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const details = (error as { details?: unknown }).details;
    if (Array.isArray(details)) {
      issues.issues.push(...schemaErrorsToIssues(details as AjvError[], document, version, issues.file));
    } else if (error instanceof SyntaxError) {
      issues.issues.push(semanticErrorToIssue(error.message, document, issues.file));
    } else if (/^(JSONParser|Resolver|Parser|MissingPointer|InvalidPointer|Timeout)Error/.test(error.name)) {
      // bundle-spec.ts has checked every $ref; this is a safety net, not an expected path.
      issues.error('ERR_SPEC_REF', '#', error.message, 'Check the $refs of the document.');
    } else {
      throw error;
    }
  }
}
