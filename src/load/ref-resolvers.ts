/**
 * The resolvers swagger-parser reads referenced files with, in place of its own: local files only inside the
 * spec's folder (checked on the very path that is read, symlinks resolved) and only regular files, remote ones
 * only with --allow-remote-refs, and neither past the size limit.
 * @see https://apitools.dev/json-schema-ref-parser/docs/plugins/resolvers.html
 */
import { realpath } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { ErrorCode } from '../errors.js';
import { sizeHint } from './limits.js';
import { readLocalBytes, readResponseBytes, REMOTE_TIMEOUT_MS, TooLargeError } from './read-source.js';
import { isLocalTarget, localPathOf, localRefHint, refusalOf, UNCHECKABLE, type RefScope } from './ref-scope.js';

/** An issue a resolver or parser attaches to the error it throws; `message` follows `$ref "<ref>" `. */
export interface RefProblem {
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint: string;
}

/** An issue about the inside of a referenced file, located there rather than at the `$ref`. */
export interface LocatedProblem extends RefProblem {
  readonly file: string;
  readonly pointer: string;
}

type ErrorClass = new (error: Error, source: string) => Error;
type ParserErrorClass = new (message: string, source: string) => Error;

/**
 * swagger-parser's own error classes (of the json-schema-ref-parser copy it loads): it passes on an error of its
 * classes as it is, where it would replace any other error with a generic one that loses the message.
 */
function refParserErrors(): { ResolverError: ErrorClass; ParserError: ParserErrorClass } {
  const require = createRequire(createRequire(import.meta.url).resolve('@apidevtools/swagger-parser'));
  return require('@apidevtools/json-schema-ref-parser') as { ResolverError: ErrorClass; ParserError: ParserErrorClass };
}

/** A ResolverError carrying `problem` (read back by bundle-spec.ts). */
function resolverError(source: string, problem: RefProblem): Error {
  const { ResolverError } = refParserErrors();
  return Object.assign(new ResolverError(new Error(problem.message), source), { problem });
}

/** A ParserError carrying problems located inside the file (read back by bundle-spec.ts). */
export function parserError(source: string, message: string, located: readonly LocatedProblem[]): Error {
  const { ParserError } = refParserErrors();
  return Object.assign(new ParserError(message, source), { located });
}

function tooLargeProblem(error: TooLargeError): RefProblem {
  return {
    code: 'ERR_SPEC_TOO_LARGE',
    message: `points to a file that ${error.message}`,
    hint: sizeHint(),
  };
}

/** Reads local files inside `scope` only, regular files only, at most `maxBytes` each. */
export function fileResolver(scope: RefScope, maxBytes: number) {
  return {
    order: 100,
    canRead: (file: { url: string }): boolean => isLocalTarget(file.url),
    async read(file: { url: string }): Promise<Buffer> {
      const target = localPathOf(file.url);
      const refuse = (reason: string): Error =>
        resolverError(file.url, { code: 'ERR_SPEC_LOCAL_REF', message: `points to ${target ?? file.url}, which ${reason}`, hint: localRefHint(scope) });
      if (target === undefined) throw refuse(UNCHECKABLE);
      const reason = refusalOf(scope, target, false);
      if (reason !== undefined) throw refuse(reason);
      let real: string;
      try {
        // Read the resolved path that was checked, so a symlink swapped in between cannot lead elsewhere.
        real = await realpath(target);
        const again = refusalOf(scope, real, false);
        if (again !== undefined) throw refuse(again);
        return await readLocalBytes(real, maxBytes);
      } catch (error) {
        if (error instanceof TooLargeError) throw resolverError(file.url, tooLargeProblem(error));
        if (error instanceof Error && 'problem' in error) throw error;
        const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
        const { ResolverError } = refParserErrors();
        throw new ResolverError(Object.assign(new Error(`Error opening file ${target}: ${(error as Error).message}`), { code }), file.url);
      }
    },
  };
}

/** Reads http(s) documents (only installed with --allow-remote-refs), at most `maxBytes` each. */
export function httpResolver(maxBytes: number) {
  return {
    order: 200,
    canRead: (file: { url: string }): boolean => /^https?:\/\//i.test(file.url),
    async read(file: { url: string }): Promise<Buffer> {
      const { ResolverError } = refParserErrors();
      let response: Response;
      try {
        response = await fetch(file.url, { signal: AbortSignal.timeout(REMOTE_TIMEOUT_MS), headers: { accept: 'application/json, application/yaml, text/yaml, */*' } });
      } catch (error) {
        const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
        throw new ResolverError(new Error(`Error downloading ${file.url}: ${cause}`), file.url);
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new ResolverError(new Error(`Error downloading ${file.url}: HTTP ERROR ${response.status}`), file.url);
      }
      try {
        return await readResponseBytes(response, maxBytes);
      } catch (error) {
        if (error instanceof TooLargeError) throw resolverError(file.url, tooLargeProblem(error));
        throw new ResolverError(new Error(`Error downloading ${file.url}: ${(error as Error).message}`), file.url);
      }
    },
  };
}
