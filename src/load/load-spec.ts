/**
 * Stage `load`: read a spec (local YAML/JSON or http(s) URL), parse it, bundle its `$ref`s and validate it.
 * The only stage besides `write` that touches disk or network. Fails once, with every issue found, as a SpecError.
 */
import { IssueCollector, SpecError, type Issue } from '../errors.js';
import { isRecord } from '../shared/guards.js';
import { bundleSpec } from './bundle-spec.js';
import { checkDocumentLimits, DEFAULT_MAX_SPEC_MIB, mibToBytes, tooDeepToParse } from './limits.js';
import { formatSyntaxProblem, parseSource } from './parse-source.js';
import { readSource } from './read-source.js';
import { checkDocumentShape, detectSpecVersion, type SpecVersion } from './spec-version.js';
import { validateSpec } from './validate-spec.js';

export interface LoadOptions {
  /** Follow `$ref`s to http(s) URLs (off by default: a spec should not make the generator fetch things). */
  readonly allowRemoteRefs: boolean;
  /** Largest file read, the spec and each file it references, in bytes (default {@link DEFAULT_MAX_SPEC_MIB} MiB). */
  readonly maxSpecBytes?: number;
}

/** A parsed, bundled and valid spec. */
export interface LoadedSpec {
  /** The spec file as the user named it (used in every issue). */
  readonly file: string;
  /** The bundled document: every `$ref` in it is internal (`#/...`). */
  readonly document: Record<string, unknown>;
  readonly specVersion: SpecVersion;
  /** Problems found that do not stop generation (violations no tool is affected by), in document order. */
  readonly warnings?: readonly Issue[];
}

/**
 * Loads, bundles and validates the spec at `location` (a path or an http(s) URL); throws SpecError on problems.
 * @see https://spec.openapis.org/oas/v3.1.0#openapi-document
 */
export async function loadSpec(location: string, options: LoadOptions): Promise<LoadedSpec> {
  const file = location;
  const issues = new IssueCollector(file);

  const maxBytes = options.maxSpecBytes ?? mibToBytes(DEFAULT_MAX_SPEC_MIB);
  const source = await readSource(location, file, maxBytes);
  const parsed = parseSource(source.text);
  if (!parsed.ok) {
    for (const problem of parsed.problems) {
      if (problem.tooDeep) {
        const { code, message, hint } = tooDeepToParse(problem);
        issues.error(code, '#', message, hint);
      } else {
        issues.error('ERR_SPEC_PARSE', '#', `syntax error at ${formatSyntaxProblem(problem)}`, 'Fix the YAML/JSON syntax there.');
      }
    }
    throw new SpecError(issues.issues);
  }
  // Before any step that walks the document recursively or serialises it whole.
  issues.issues.push(...checkDocumentLimits(parsed.value, file));
  issues.throwIfErrors();
  if (!isRecord(parsed.value)) {
    const found = parsed.value === null || parsed.value === undefined ? 'nothing' : Array.isArray(parsed.value) ? 'a list' : 'a single value';
    issues.error('ERR_SPEC_PARSE', '#', `the file holds ${found}, not an OpenAPI document`, 'An OpenAPI document is a YAML or JSON object with "openapi" (or "swagger"), "info" and "paths".');
    throw new SpecError(issues.issues);
  }

  const specVersion = detectSpecVersion(parsed.value, issues);
  if (!specVersion) throw new SpecError(issues.issues);
  checkDocumentShape(parsed.value, specVersion, issues);
  issues.throwIfErrors();

  const document = await bundleSpec(parsed.value, source, issues, { allowRemoteRefs: options.allowRemoteRefs, maxBytes });
  issues.throwIfErrors();

  await validateSpec(document, source.location, specVersion, issues);
  issues.throwIfErrors();

  return { file, document, specVersion, warnings: issues.warnings };
}
