/** Where the CLI writes: the process's streams, or a capture in tests and embedders. */

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Ends --watch and dev-auth (besides SIGINT); for tests and embedders. */
  signal?: AbortSignal;
}

/** The process's stdout and stderr. */
export function defaultIo(): Io {
  return { stdout: (text: string) => void process.stdout.write(text), stderr: (text: string) => void process.stderr.write(text) };
}
