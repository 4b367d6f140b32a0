/**
 * Reads the text of a spec from a local path or an http(s) URL. The only place `load` touches disk or network
 * for the root document; referenced files are read by swagger-parser (see bundle-spec.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpecError, type Issue } from '../errors.js';

/** How long a remote spec may take to arrive. */
export const REMOTE_TIMEOUT_MS = 30_000;

/** The text of a spec and its absolute location, the base for relative `$ref`s. */
export interface SourceText {
  readonly text: string;
  /** Absolute file path, or the URL as fetched. */
  readonly location: string;
  readonly remote: boolean;
}

/** True when the location is an http(s) URL rather than a local path. */
export function isRemoteLocation(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** Reads a spec from a local path (or `file:` URL) or an http(s) URL; failures throw an ERR_SPEC_READ SpecError. */
export async function readSource(location: string, file: string): Promise<SourceText> {
  return isRemoteLocation(location) ? fetchText(location, file) : readLocal(location, file);
}

function readError(file: string, message: string, hint: string): SpecError {
  const issue: Issue = { code: 'ERR_SPEC_READ', severity: 'error', file, pointer: '#', message, hint };
  return new SpecError([issue]);
}

async function readLocal(location: string, file: string): Promise<SourceText> {
  const absolute = location.startsWith('file:') ? fileURLToPath(location) : path.resolve(location);
  try {
    return { text: await readFile(absolute, 'utf8'), location: absolute, remote: false };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw readError(file, 'file not found', 'Check the path; a relative path is resolved from the current directory.');
    }
    if (code === 'EISDIR') throw readError(file, 'this is a directory, not a file', 'Name the spec file itself.');
    if (code === 'EACCES' || code === 'EPERM') throw readError(file, 'permission denied', 'Make the file readable.');
    throw readError(file, `cannot read the file: ${(error as Error).message}`, 'Check the path and the file.');
  }
}

async function fetchText(url: string, file: string): Promise<SourceText> {
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
  return { text: await response.text(), location: response.url || url, remote: true };
}
