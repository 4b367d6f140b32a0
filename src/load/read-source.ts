/**
 * Reads the text of a spec from a local path or an http(s) URL, never more than a size limit: a local file's size
 * is checked before it is read, a response's Content-Length before its body and its bytes while they arrive.
 * Used for the root document here and for referenced files by the resolvers of ref-resolvers.ts.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorIssue, StageResult } from '../errors.js';
import { sha256Hex } from '../shared/sha256.js';
import { formatLimit, formatSize, sizeHint } from './limits.js';

/** How long a remote spec may take to arrive. */
export const REMOTE_TIMEOUT_MS = 30_000;

/** The text of a spec and its absolute location, the base for relative `$ref`s. */
export interface SourceText {
  readonly text: string;
  /** Absolute file path, or the URL as fetched. */
  readonly location: string;
  readonly remote: boolean;
  /** sha256 (hex) of the bytes read. */
  readonly digest: string;
}

/** True when the location is an http(s) URL rather than a local path. */
export function isRemoteLocation(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/**
 * Reads a spec from a local path (or `file:` URL) or an http(s) URL, at most `maxBytes`; a failure is one issue
 * (ERR_SPEC_READ, or ERR_SPEC_TOO_LARGE naming the size and the limit) and no value.
 */
export async function readSource(location: string, file: string, maxBytes: number): Promise<StageResult<SourceText>> {
  try {
    return { value: await (isRemoteLocation(location) ? fetchText(location, file, maxBytes) : readLocal(location, file, maxBytes)), issues: [] };
  } catch (error) {
    if (error instanceof ReadFailure) return { issues: [error.issue] };
    throw error;
  }
}

/** Why the spec could not be read, as the issue to report; thrown by the readers below, caught by readSource. */
class ReadFailure extends Error {
  constructor(readonly issue: ErrorIssue) {
    super(issue.message);
    this.name = 'ReadFailure';
  }
}

function readError(file: string, message: string, hint: string): ReadFailure {
  return new ReadFailure({ code: 'ERR_SPEC_READ', severity: 'error', file, pointer: '#', message, hint });
}

/** Thrown by the bounded reads when the limit is passed; `bytes` is the size when `known`, else how much arrived. */
export class TooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
    readonly known: boolean,
  ) {
    super(known ? `is ${formatSize(bytes)}, more than the limit of ${formatLimit(maxBytes)}` : `is more than the limit of ${formatLimit(maxBytes)} (reading stopped there)`);
    this.name = 'TooLargeError';
  }
}

function tooLarge(file: string, error: TooLargeError): ReadFailure {
  return new ReadFailure({ code: 'ERR_SPEC_TOO_LARGE', severity: 'error', file, pointer: '#', message: `the spec ${error.message}`, hint: sizeHint() });
}

/**
 * The bytes of a local file, at most `maxBytes`: a regular file's size is checked before anything is read; other
 * files (a pipe from process substitution) are counted while read. Throws TooLargeError, or the fs error.
 */
export async function readLocalBytes(absolute: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(absolute, 'r');
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read`), { code: 'EISDIR' });
    if (stats.isFile() && stats.size > maxBytes) throw new TooLargeError(stats.size, maxBytes, true);
    // A regular file is read in one call, asking for one byte more than its size to notice a file that grew since
    // stat: each read is a trip through libuv's thread pool, and 64 KiB reads cost ≈35 ms more on a 13 MB spec.
    const chunkSize = stats.isFile() ? stats.size + 1 : 64 * 1024;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkSize);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      // The file may have grown since stat, or is a stream: stop as soon as it passes the limit.
      if (total > maxBytes) throw new TooLargeError(total, maxBytes, false);
      // Only the bytes read are kept (the rest of an unsafe allocation is never exposed).
      chunks.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead));
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/**
 * The body of `response`, at most `maxBytes` (decompressed): refused on its Content-Length before reading, and
 * while it arrives. Throws TooLargeError.
 */
export async function readResponseBytes(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  // Content-Length counts the encoded body; only an identity-encoded one is the size of what is read.
  if (!response.headers.get('content-encoding') && Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new TooLargeError(declared, maxBytes, true);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw new TooLargeError(total, maxBytes, false);
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks, total);
}

async function readLocal(location: string, file: string, maxBytes: number): Promise<SourceText> {
  const absolute = location.startsWith('file:') ? fileURLToPath(location) : path.resolve(location);
  try {
    const bytes = await readLocalBytes(absolute, maxBytes);
    return { text: bytes.toString('utf8'), location: absolute, remote: false, digest: sha256Hex(bytes) };
  } catch (error) {
    if (error instanceof TooLargeError) throw tooLarge(file, error);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw readError(file, 'file not found', 'Check the path; a relative path is resolved from the current directory.');
    }
    if (code === 'EISDIR') throw readError(file, 'this is a directory, not a file', 'Name the spec file itself.');
    if (code === 'EACCES' || code === 'EPERM') throw readError(file, 'permission denied', 'Make the file readable.');
    throw readError(file, `cannot read the file: ${(error as Error).message}`, 'Check the path and the file.');
  }
}

async function fetchText(url: string, file: string, maxBytes: number): Promise<SourceText> {
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(REMOTE_TIMEOUT_MS),
      headers: { accept: 'application/json, application/yaml, text/yaml, */*' },
    });
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw readError(file, `no response within ${REMOTE_TIMEOUT_MS / 1000} s`, 'Check the URL, or download the spec and pass the local file.');
    }
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw readError(file, `cannot fetch the spec: ${cause}`, 'Check the URL and your network, or pass a local file.');
  }
  if (!response.ok) {
    throw readError(
      file,
      `the server answered ${response.status} ${response.statusText}`.trim(),
      'Check the URL, or download the spec and pass the local file.',
    );
  }
  try {
    const bytes = await readResponseBytes(response, maxBytes);
    return { text: bytes.toString('utf8'), location: response.url || url, remote: true, digest: sha256Hex(bytes) };
  } catch (error) {
    if (error instanceof TooLargeError) throw tooLarge(file, error);
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw readError(file, `cannot read the response: ${cause}`, 'Check the URL and your network, or pass a local file.');
  }
}
