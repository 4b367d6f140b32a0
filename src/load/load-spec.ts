/**
 * Stage `load`: read a spec (local YAML/JSON or http(s) URL), parse it, bundle its `$ref`s and validate it.
 * The only stage besides `write` that touches disk or network. Returns the spec with every issue found.
 */
import { IssueCollector, type StageResult } from '../errors.js';
import { isRecord } from '../shared/guards.js';
import type { FoundRef } from '../shared/reference.js';
import { sha256Hex } from '../shared/sha256.js';
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
  /**
   * `sha256:<hex>` of the bytes read: of the spec file alone when it references no other file (what `sha256sum`
   * prints for it), else of the lines `<hex of the spec file>` and `<hex of each referenced file>` (sorted), each
   * ending in a newline.
   */
  readonly sourceDigest: string;
}

/**
 * Loads, bundles and validates the spec at `location` (a path or an http(s) URL). Every problem is an issue of the
 * result, the unreadable file included; the value is absent when there is an error. Steps stop at the first one
 * that finds errors (a document that does not parse cannot be bundled), each reporting all it finds. Warnings are
 * violations no tool is affected by, in document order.
 * @see https://spec.openapis.org/oas/v3.1.0#openapi-document
 */
export async function loadSpec(location: string, options: LoadOptions): Promise<StageResult<LoadedSpec>> {
  const file = location;
  const issues = new IssueCollector(file);
  const failed = (): StageResult<LoadedSpec> => ({ issues: issues.issues });

  const maxBytes = options.maxSpecBytes ?? mibToBytes(DEFAULT_MAX_SPEC_MIB);
  const read = await readSource(location, file, maxBytes);
  const source = read.value;
  if (!source) return { issues: read.issues };
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
    return failed();
  }
  // Before any step that walks the document recursively or serialises it whole.
  const refs: FoundRef[] = [];
  issues.issues.push(...checkDocumentLimits(parsed.value, file, refs));
  if (issues.hasErrors) return failed();
  if (!isRecord(parsed.value)) {
    const found = parsed.value === null || parsed.value === undefined ? 'nothing' : Array.isArray(parsed.value) ? 'a list' : 'a single value';
    issues.error('ERR_SPEC_PARSE', '#', `the file holds ${found}, not an OpenAPI document`, 'An OpenAPI document is a YAML or JSON object with "openapi" (or "swagger"), "info" and "paths".');
    return failed();
  }

  const specVersion = detectSpecVersion(parsed.value, issues);
  if (!specVersion) return failed();
  checkDocumentShape(parsed.value, specVersion, issues);
  if (issues.hasErrors) return failed();

  const { document, referencedDigests } = await bundleSpec(parsed.value, refs, source, issues, { allowRemoteRefs: options.allowRemoteRefs, maxBytes });
  if (issues.hasErrors) return failed();

  await validateSpec(document, source.location, specVersion, issues);
  if (issues.hasErrors) return failed();

  return { value: { file, document, specVersion, sourceDigest: sourceDigestOf(source.digest, referencedDigests) }, issues: issues.issues };
}

/** LoadedSpec.sourceDigest from the spec file's sha256 and those of the files it references. */
function sourceDigestOf(spec: string, referenced: readonly string[]): string {
  if (referenced.length === 0) return `sha256:${spec}`;
  return `sha256:${sha256Hex([spec, ...referenced].map((hex) => `${hex}\n`).join(''))}`;
}
