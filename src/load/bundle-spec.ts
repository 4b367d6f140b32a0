/**
 * Bundles a parsed spec with swagger-parser: external `$ref`s (other local files, and remote documents only when
 * allowed) are pulled into the document, so every `$ref` left is internal (`#/...`) and names and pointers survive.
 * Every unresolvable `$ref` becomes a located issue.
 * @see https://apitools.dev/swagger-parser/docs/swagger-parser.html#bundleapi-options-callback
 */
import path from 'node:path';
import type SwaggerParser from '@apidevtools/swagger-parser';
import type { ErrorCode, Issue, IssueCollector } from '../errors.js';
import { isRecord } from '../shared/guards.js';
import { formatPointer, locatePointer, parsePointer, resolvePointer } from '../shared/json-pointer.js';
import { refOf, type FoundRef } from '../shared/reference.js';
import { sha256Hex } from '../shared/sha256.js';
import { checkDocumentLimits, MAX_DEPTH, tooDeepToParse } from './limits.js';
import { formatSyntaxProblem, parseSource } from './parse-source.js';
import { isRemoteLocation, type SourceText } from './read-source.js';
import { fileResolver, httpResolver, parserError, type LocatedProblem, type RefProblem } from './ref-resolvers.js';
import { localPathOf, refScopeOf, refuseOutOfScopeRefs, type RefScope } from './ref-scope.js';

const INVALID_POINTER_HINT = 'A pointer starts with "#/", e.g. "#/components/schemas/Pet".';

/** What the parser of referenced files needs to check each one before swagger-parser follows its `$ref`s. */
interface FileContext {
  readonly scope: RefScope;
  /** The name of a referenced file or URL for issues (as the user would recognise it). */
  readonly displayName: (target: string) => string;
  /** Issues about `$ref`s inside referenced files that were refused (and removed) before being followed. */
  readonly refused: Issue[];
  /** sha256 (hex) of each referenced file read, in the order read. */
  readonly digests: string[];
}

/**
 * Parses files reached through `$ref` the same way as the root document, so errors read the same, and checks
 * each as the root document is checked (limits.ts, ref-scope.ts) before swagger-parser walks it (recursively).
 */
function specFileParser(context: FileContext) {
  return {
    name: 'spec',
    order: 100,
    allowEmpty: true,
    canParse: ['.json', '.yaml', '.yml'],
    parse(file: { url: string; data: Buffer | string }): unknown {
      const display = context.displayName(file.url);
      context.digests.push(sha256Hex(file.data));
      const result = parseSource(file.data.toString());
      if (!result.ok) {
        const deep = result.problems.find((problem) => problem.tooDeep);
        if (deep) throw parserError(file.url, 'too deep', [{ ...tooDeepToParse(deep), file: display, pointer: '#' }]);
        throw new Error(result.problems.map(formatSyntaxProblem).join('; '));
      }
      const refs: FoundRef[] = [];
      const limits = checkDocumentLimits(result.value, display, refs);
      if (limits.length > 0) throw parserError(file.url, 'limits', limits);
      const location = isRemoteLocation(file.url) ? file.url : (localPathOf(file.url) ?? file.url);
      context.refused.push(...refuseOutOfScopeRefs(refs, location, display, context.scope));
      return result.value;
    },
  };
}

/** swagger-parser options: local files inside the spec's folder, http(s) only with --allow-remote-refs, every error collected. */
function bundleOptions(options: BundleOptions, context: FileContext): SwaggerParser.Options {
  return {
    continueOnError: true,
    parse: { json: false, yaml: false, spec: specFileParser(context) },
    resolve: {
      external: true,
      file: fileResolver(context.scope, options.maxBytes),
      // No check of the address (localhost, private networks): the flag is the user's explicit consent.
      http: options.allowRemoteRefs ? httpResolver(options.maxBytes) : false,
    },
  } as SwaggerParser.Options;
}

/** The bundled document, and sha256 (hex) of each referenced file it pulled in, sorted (reading order varies). */
export interface BundledSpec {
  readonly document: Record<string, unknown>;
  readonly referencedDigests: readonly string[];
}

/** What bundling may read. */
export interface BundleOptions {
  /** Follow `$ref`s to http(s) URLs. */
  readonly allowRemoteRefs: boolean;
  /** Largest file read, in bytes. */
  readonly maxBytes: number;
}

/** What swagger-parser's JSONParserError carries (duck-typed: its class is not exported to us). */
interface RefParserError {
  readonly name: string;
  readonly message: string;
  readonly source?: string;
  readonly path?: readonly string[] | null;
  readonly targetRef?: string;
  readonly targetToken?: string;
  readonly ioErrorCode?: string;
}

function isRefParserErrorGroup(error: unknown): error is { errors: RefParserError[] } {
  return error instanceof Error && error.name === 'JSONParserErrorGroup' && Array.isArray((error as { errors?: unknown }).errors);
}

/**
 * Bundles `document` (parsed from `source`; `refs`: its `$ref`s in document order, as checkDocumentLimits collects
 * them) in place and returns it with the digests of the files it pulled in; unresolvable `$ref`s are added to `issues`.
 * @see https://spec.openapis.org/oas/v3.1.0#reference-object
 */
export async function bundleSpec(
  document: Record<string, unknown>,
  refs: readonly FoundRef[],
  source: SourceText,
  issues: IssueCollector,
  options: BundleOptions,
): Promise<BundledSpec> {
  const internal = refs.filter(({ ref }) => ref.startsWith('#'));
  const scope = refScopeOf(source.location, source.remote, issues.file);
  // Before anything is read: `$ref`s to local files the spec may not reach are reported and removed.
  const refused = refuseOutOfScopeRefs(refs, source.location, issues.file, scope);
  const internalIssues = [...refused, ...checkInternalRefs(document, internal, issues.file)];
  const report = (found: readonly Issue[]): void => {
    issues.issues.push(...inRefOrder(found, refs, issues.file));
  };
  // Nothing to pull in (swagger-parser's bundle takes 1–2 s on a spec the size of Stripe's, for nothing).
  if (internal.length + refused.length === refs.length) {
    report(internalIssues);
    return { document, referencedDigests: [] };
  }
  // swagger-parser refuses a 3.1 document with neither paths nor webhooks, which 3.1 allows (components only).
  const placeholder = document.paths === undefined && document.webhooks === undefined;
  if (placeholder) document.paths = {};
  // Loaded only for a document with external $refs (a run without any does not pay for it).
  const { default: SwaggerParserClass } = await import('@apidevtools/swagger-parser');
  const parser = new SwaggerParserClass();
  const restoreServerUrls = keepServerUrls(document);
  const context: FileContext = { scope, displayName: (target) => displayName(target, source, issues.file), refused: [], digests: [] };
  const bundled = (value: Record<string, unknown>): BundledSpec => ({ document: value, referencedDigests: [...context.digests].sort() });
  try {
    const result = (await parser.bundle(source.location, document as never, bundleOptions(options, context))) as Record<string, unknown>;
    // Pulled-in files nest inside the document: together they may pass the limits each file kept to.
    report([...internalIssues, ...context.refused, ...checkDocumentLimits(result, issues.file)]);
    return bundled(result);
  } catch (error) {
    if (isRefParserErrorGroup(error)) {
      // The documents read so far, by absolute path or URL: to quote `$ref`s that failed inside other files.
      const documents = parser.$refs.values() as Record<string, unknown>;
      const found = [
        ...internalIssues,
        ...context.refused,
        ...error.errors
          .flatMap((e) => refIssues(e, document, documents, source, issues.file, options.allowRemoteRefs))
          .filter((issue) => !internalIssues.some((i) => i.file === issue.file && i.pointer === issue.pointer)),
      ];
      report(found.filter((issue, i) => found.findIndex((o) => sameIssue(o, issue)) === i));
      return bundled(document);
    }
    // swagger-parser's own parse checks throw SyntaxError; they are spec problems, not bugs.
    if (error instanceof SyntaxError) {
      issues.error('ERR_SPEC_INVALID', '#', error.message, 'Fix the document so that it is a valid OpenAPI description.');
      return bundled(document);
    }
    // swagger-parser walks documents recursively: files that each keep to the depth limit, nested in one another.
    if (error instanceof RangeError) {
      report([...internalIssues, ...context.refused]);
      issues.error('ERR_SPEC_TOO_DEEP', '#', `nested too deeply once the files it references are pulled in; at most ${MAX_DEPTH} levels are accepted`, 'Flatten the structure, or refer to shared parts with $ref instead of nesting files in one another.');
      return bundled(document);
    }
    throw error;
  } finally {
    if (placeholder) delete document.paths;
    restoreServerUrls();
  }
}

/**
 * Checks that the root document's internal `$ref`s point somewhere.
 * @see https://www.rfc-editor.org/rfc/rfc6901
 */
function checkInternalRefs(document: unknown, refs: readonly FoundRef[], file: string): Issue[] {
  const issue = (pointer: string, message: string, hint: string): Issue => ({ code: 'ERR_SPEC_REF', severity: 'error', file, pointer, message, hint });
  // Each distinct `$ref` is checked once (specs repeat them thousands of times), and a pointer to where one is
  // written is built only for those reported.
  const problems = new Map<string, { readonly message: string; readonly hint: string } | undefined>();
  const problemOf = (ref: string) => {
    if (!parsePointer(ref)) return { message: `$ref "${ref}" is not a valid JSON pointer`, hint: INVALID_POINTER_HINT };
    const token = missingToken(document, ref);
    return token === undefined ? undefined : { message: `$ref "${ref}" points to nothing: "${token}" does not exist`, hint: missingHint(ref, document) };
  };
  const found: Issue[] = [];
  for (const at of refs) {
    if (!problems.has(at.ref)) problems.set(at.ref, problemOf(at.ref));
    const problem = problems.get(at.ref);
    if (problem) found.push(issue(at.pointer, problem.message, problem.hint));
  }
  return found;
}

/** The first segment of an internal `$ref` that does not exist, or `undefined` when it resolves. */
function missingToken(document: unknown, ref: string): string | undefined {
  if (locatePointer(document, ref)) return undefined;
  const segments = parsePointer(ref);
  if (!segments) return ref;
  for (let depth = 1; depth <= segments.length; depth += 1) {
    if (!locatePointer(document, formatPointer(segments.slice(0, depth)))) return segments[depth - 1];
  }
  return undefined;
}

/** Sorts issues by where their `$ref` is in the root document (those inside other files last). */
function inRefOrder(found: readonly Issue[], refs: readonly FoundRef[], file: string): Issue[] {
  if (found.length === 0) return [];
  const order = new Map(refs.map(({ pointer }, index) => [pointer, index]));
  const rank = (issue: Issue): number => (issue.file === file ? (order.get(issue.pointer) ?? refs.length) : refs.length);
  return found
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => rank(a.issue) - rank(b.issue) || a.index - b.index)
    .map(({ issue }) => issue);
}

function sameIssue(a: Issue, b: Issue): boolean {
  return a.file === b.file && a.pointer === b.pointer && a.message === b.message;
}

/**
 * swagger-parser rewrites relative server URLs of a fetched spec to `protocol://hostname/...` (dropping the
 * port). Servers stay as written whatever the spec's location; this undoes that rewrite.
 * @see https://spec.openapis.org/oas/v3.1.0#server-object
 */
function keepServerUrls(document: Record<string, unknown>): () => void {
  const servers: { server: Record<string, unknown>; url: unknown }[] = [];
  const collect = (list: unknown): void => {
    if (Array.isArray(list)) for (const server of list) if (isRecord(server)) servers.push({ server, url: server.url });
  };
  collect(document.servers);
  for (const item of Object.values(isRecord(document.paths) ? document.paths : {})) {
    if (!isRecord(item)) continue;
    collect(item.servers);
    for (const operation of Object.values(item)) if (isRecord(operation)) collect(operation.servers);
  }
  return () => {
    for (const { server, url } of servers) server.url = url;
  };
}

/** A file or URL as the user would recognise it: relative to the spec as they named it. */
function displayName(target: string, source: SourceText, file: string): string {
  if (isRemoteLocation(target) || source.remote) return target;
  const absolute = localPathOf(target) ?? target;
  return path.join(path.dirname(file), path.relative(path.dirname(source.location), absolute));
}

/** Turns one swagger-parser `$ref` error into issues: at the `$ref` that failed, or inside the file it read. */
function refIssues(
  e: RefParserError,
  document: unknown,
  documents: Record<string, unknown>,
  source: SourceText,
  file: string,
  allowRemoteRefs: boolean,
): Issue[] {
  const located = (e as { located?: readonly LocatedProblem[] }).located;
  if (located) return located.map((problem) => ({ severity: 'error' as const, ...problem }));
  return [refIssue(e, document, documents, source, file, allowRemoteRefs)];
}

/** Turns one swagger-parser `$ref` error into an issue at the `$ref` that failed. */
function refIssue(
  e: RefParserError,
  document: unknown,
  documents: Record<string, unknown>,
  source: SourceText,
  file: string,
  allowRemoteRefs: boolean,
): Issue {
  const at = formatPointer(e.path ?? []);
  // The error's path is where the `$ref` is in the root document, unless it failed inside a referenced file.
  const inRoot = refOf(resolvePointer(document, at)) !== undefined || !e.source || e.source === source.location;
  const where = inRoot ? { file, pointer: at } : { file: displayName(e.source!, source, file), pointer: at };
  const ref = refOf(resolvePointer(inRoot ? document : documents[e.source!], at)) ?? e.targetRef ?? '';
  const issue = (code: ErrorCode, message: string, hint: string): Issue => ({ code, severity: 'error', ...where, message, hint });
  const detail = e.message.split('\n')[0]!.replace(/^Error parsing [^:]+: /, '');
  const target = refTarget(ref, e.source ?? source.location);
  // Refused by our resolvers (ref-resolvers.ts): they say why.
  const problem = (e as { problem?: RefProblem }).problem;
  if (problem) return issue(problem.code, `$ref "${ref}" ${problem.message}`, problem.hint);

  switch (e.name) {
    case 'UnmatchedResolverError':
      if (isRemoteLocation(target) && !allowRemoteRefs) {
        return issue(
          'ERR_SPEC_REMOTE_REF',
          `$ref "${ref}" points to a remote document (${target}), which is not followed by default`,
          'Pass --allow-remote-refs to follow remote $refs, or save that document next to the spec and point the $ref at the local copy.',
        );
      }
      return issue('ERR_SPEC_REF', `$ref "${ref}" cannot be resolved: no way to read ${target}`, 'Point it at a local file or an http(s) URL.');
    case 'ResolverError':
      if (e.ioErrorCode === 'ENOENT') {
        return issue(
          'ERR_SPEC_REF',
          `$ref "${ref}" points to a file that does not exist (${displayName(target, source, file)})`,
          'Fix the path; it is relative to the file that contains the $ref.',
        );
      }
      return issue('ERR_SPEC_REF', `$ref "${ref}" cannot be read: ${detail}`, 'Check the file or URL it points to.');
    case 'ParserError':
    case 'UnmatchedParserError':
      return issue(
        'ERR_SPEC_PARSE',
        `$ref "${ref}" points to a file that is not valid YAML or JSON: ${detail}`,
        `Fix the syntax of ${displayName(target, source, file)}.`,
      );
    case 'MissingPointerError':
      return issue('ERR_SPEC_REF', `$ref "${ref}" points to nothing: "${e.targetToken ?? ''}" does not exist`, missingHint(ref, document));
    case 'InvalidPointerError':
      return issue('ERR_SPEC_REF', `$ref "${ref}" is not a valid JSON pointer`, INVALID_POINTER_HINT);
    default:
      return issue('ERR_SPEC_REF', `$ref "${ref}" cannot be resolved: ${detail}`, 'Check what it points to.');
  }
}

/** The absolute file or URL a `$ref` string points to, without its fragment. */
function refTarget(ref: string, base: string): string {
  const withoutHash = ref.split('#')[0] ?? '';
  if (withoutHash === '') return base;
  if (/^[a-z][a-z0-9+.-]*:/i.test(withoutHash)) return withoutHash;
  if (isRemoteLocation(base)) return new URL(withoutHash, base).href;
  return path.resolve(path.dirname(base), decodeURI(withoutHash));
}

/** For an internal `$ref` that points to nothing: name the entries that do exist where it looks. */
function missingHint(ref: string, document: unknown): string {
  const segments = ref.startsWith('#') ? parsePointer(ref) : undefined;
  if (segments) {
    for (let depth = segments.length - 1; depth > 0; depth -= 1) {
      const parent = locatePointer(document, formatPointer(segments.slice(0, depth)));
      if (parent && isRecord(parent.value)) {
        const keys = Object.keys(parent.value);
        if (keys.length === 0) break;
        const shown = keys.slice(0, 8).map((k) => `"${k}"`).join(', ');
        return `${parent.pointer} has ${shown}${keys.length > 8 ? ', ...' : ''}; fix the $ref or add the missing entry.`;
      }
    }
  }
  return 'Fix the $ref so that it points to an existing location, or add what it points to.';
}
