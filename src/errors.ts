/**
 * Located, actionable problems found in a spec or a config file, the two error classes that carry them, and the two
 * refusals of `write`. Anything that is not one of these errors is a bug in portcullis (exit 2 with a stack).
 */

/** Stable issue codes; tests and users may rely on them. */
export type IssueCode =
  | 'ERR_SPEC_READ'
  | 'ERR_SPEC_PARSE'
  | 'ERR_SPEC_VERSION'
  | 'ERR_SPEC_INVALID'
  | 'ERR_SPEC_REF'
  | 'ERR_SPEC_REMOTE_REF'
  | 'ERR_SPEC_LOCAL_REF'
  | 'ERR_SPEC_TOO_LARGE'
  | 'ERR_SPEC_TOO_DEEP'
  | 'ERR_SPEC_NAME'
  | 'ERR_SPEC_PATH'
  | 'ERR_SPEC_SCOPE_NAME'
  | 'ERR_SPEC_UNKNOWN_SCHEME'
  | 'ERR_SPEC_TOOL_NAME'
  | 'ERR_SPEC_DUPLICATE_TOOL_NAME'
  | 'ERR_SPEC_EXTENSION'
  | 'ERR_SPEC_PATH_PARAMETER'
  | 'ERR_SPEC_UNSUPPORTED'
  | 'ERR_SPEC_NO_TOOLS'
  | 'ERR_SPEC_UNPROTECTED'
  | 'ERR_SPEC_PUBLIC_CONFLICT'
  | 'ERR_CONFIG_READ'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_POLICY_INVALID'
  | 'WARN_SPEC_UNSUPPORTED'
  | 'WARN_SPEC_IGNORED'
  | 'WARN_SPEC_UNPROTECTED_WRITE'
  | 'WARN_SPEC_PATTERN'
  | 'WARN_SPEC_EXTENSION'
  | 'WARN_SPEC_INVALID'
  | 'WARN_CONFIG_UNUSED'
  | 'WARN_CONFIG_OVERRIDES_SPEC'
  | 'WARN_HOOKS_UNREADABLE'
  | 'WARN_MANY_TOOLS'
  | 'WARN_SPEC_UNKNOWN_SCOPE'
  | 'WARN_SPEC_PATH_PARAMETER';

/** The codes a warning carries: every warning's code starts with WARN_. */
export type WarningCode = Extract<IssueCode, `WARN_${string}`>;

/** The codes an error carries: every error's code starts with ERR_. */
export type ErrorCode = Extract<IssueCode, `ERR_${string}`>;

/** Where a problem is and what to do about it: `file#pointer: message. hint.` */
interface IssueLocation {
  /** File the problem is in (as the user named it). */
  readonly file: string;
  /** JSON pointer inside the file, starting with `#` (e.g. `#/paths/~1pets/get`). */
  readonly pointer: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly hint: string;
}

/** A problem that stops generation. */
export interface ErrorIssue extends IssueLocation {
  readonly severity: 'error';
  readonly code: ErrorCode;
}

/** A problem that is printed and does not stop generation (unless `--strict`). */
export interface WarningIssue extends IssueLocation {
  readonly severity: 'warning';
  readonly code: WarningCode;
}

/** A warning made fatal by `--strict`: an error that keeps its WARN_ code, so the user finds the same line. */
export interface StrictWarningIssue extends IssueLocation {
  readonly severity: 'error';
  readonly code: WarningCode;
  readonly strict: true;
}

/** One located problem: `file#pointer: message. hint. [CODE]`; warnings carry WARN_ codes, errors ERR_ codes. */
export type Issue = ErrorIssue | WarningIssue | StrictWarningIssue;

/**
 * What every stage (load, normalize, model) returns: its value and every issue it found. The value is absent when
 * the stage could produce nothing; when the issues hold an error it may be partial, good only for the next stage to
 * find its own problems in the same run (nothing may be emitted from it).
 */
export interface StageResult<T> {
  readonly value?: T;
  /** Every problem the stage found, errors and warnings, in the order found. */
  readonly issues: readonly Issue[];
}

/** True when `issues` hold an error (generation must stop). */
export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((issue) => issue.severity === 'error');
}

/** The warning as an error (`--strict`), keeping its WARN_ code. */
export function strictWarning(warning: WarningIssue): StrictWarningIssue {
  return { ...warning, severity: 'error', strict: true };
}

/** Formats an issue the way every portcullis message looks. */
export function formatIssue(issue: Issue): string {
  const prefix = issue.severity === 'warning' ? 'warning: ' : '';
  const message = issue.message.replace(/[.\s]+$/, '');
  const hint = issue.hint ? ` ${issue.hint.replace(/\s+$/, '')}` : '';
  return `${prefix}${issue.file}${issue.pointer}: ${message}.${hint} [${issue.code}]`;
}

/** The spec cannot be turned into a server; carries every issue found. */
export class SpecError extends Error {
  constructor(readonly issues: readonly Issue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'SpecError';
  }
}

/** The portcullis config file is unreadable or wrong; carries every issue found. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly Issue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Generator-owned files edited by hand (or files of others in the way): nothing was written. */
export class WriteConflictError extends Error {
  constructor(readonly files: readonly string[]) {
    super(`${files.length} generated file${files.length === 1 ? ' was' : 's were'} edited by hand: ${files.join(', ')}`);
    this.name = 'WriteConflictError';
  }
}

/** The API an output folder holds (write/api-identity.ts's ApiIdentity): errors.ts depends on no stage. */
interface OutputApi {
  readonly title: string;
  readonly specFile: string;
}

/** The output folder holds the server of another API; nothing was written. */
export class ForeignOutputError extends Error {
  constructor(
    readonly outDir: string,
    readonly existing: OutputApi,
    readonly current: OutputApi,
  ) {
    super(
      `${outDir} holds the server of ${quoted(existing.title)} (spec ${quoted(existing.specFile)}); this spec is ${quoted(current.title)}` +
        ` (spec ${quoted(current.specFile)}). Use another --out, or --force to replace it.`,
    );
    this.name = 'ForeignOutputError';
  }
}

/** A JSON string literal with C1 controls escaped too: the manifest read from disk may hold anything. */
function quoted(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Collects the issues of one stage, located in one file, for its StageResult. */
export class IssueCollector {
  readonly issues: Issue[] = [];
  constructor(readonly file: string) {}

  error(code: ErrorCode, pointer: string, message: string, hint: string): void {
    this.issues.push({ code, severity: 'error', file: this.file, pointer, message, hint });
  }

  warn(code: WarningCode, pointer: string, message: string, hint: string): void {
    this.issues.push({ code, severity: 'warning', file: this.file, pointer, message, hint });
  }

  /** True when an error was collected. */
  get hasErrors(): boolean {
    return hasErrors(this.issues);
  }

  get warnings(): WarningIssue[] {
    return this.issues.filter((i): i is WarningIssue => i.severity === 'warning');
  }
}
