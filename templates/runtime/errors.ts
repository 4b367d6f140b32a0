/**
 * The errors of the emitted server. Each is a PortcullisError with a stable `code` (as jose's errors carry theirs), so
 * code that handles one tests `error.code` or `instanceof`, never the message.
 */

/**
 * Every code a PortcullisError can carry. Stable: a code is added, never renamed or reused.
 * - `ERR_TOOL_INPUT`: a tool call's arguments cannot be sent as they are (errors.ts ToolInputError).
 * - `ERR_SETTING`: a setting is missing or malformed (errors.ts SettingError).
 * - `ERR_STARTUP`: the server cannot start: an unknown option, a port in use, an unreadable file (main.ts).
 * - `ERR_POLICY`: the policies folder cannot be used (policies.ts PolicyError).
 * - `ERR_CALL_USAGE`: a malformed `npm run call` command line or variable (call-client.ts CallUsageError).
 * - `ERR_INVALID_TOKEN`: a presented access token is not acceptable (token-verifier.ts InvalidTokenError).
 * - `ERR_AUTH_SERVER_UNAVAILABLE`: access tokens cannot be checked right now (token-verifier.ts).
 * - `ERR_TOKEN_EXCHANGE`: the token endpoint refused to act for the user, or could not be reached (token-exchange.ts).
 * - `ERR_UPSTREAM_AUTHENTICATION`: the server cannot authenticate to the upstream API (credentials.ts).
 * - `ERR_UPSTREAM_TIMEOUT`: the upstream deadline passed (upstream-http.ts UpstreamTimeoutError).
 * - `ERR_UPSTREAM_QUEUE_FULL`: too many calls already wait for the upstream API (limits.ts QueueFullError).
 * - `ERR_PATTERN_INPUT_TOO_LONG`: a string too long to check against a pattern (validation-regexp.ts).
 * - `ERR_ELICITATION`: the client answered a question with a JSON-RPC error (elicitation-relay.ts ElicitationError).
 * - `ERR_SINGLE_USE_RECORD_FULL`: the in-memory record of used approvals is full (single-use.ts).
 */
export const ERROR_CODES = [
  'ERR_TOOL_INPUT',
  'ERR_SETTING',
  'ERR_STARTUP',
  'ERR_POLICY',
  'ERR_CALL_USAGE',
  'ERR_INVALID_TOKEN',
  'ERR_AUTH_SERVER_UNAVAILABLE',
  'ERR_TOKEN_EXCHANGE',
  'ERR_UPSTREAM_AUTHENTICATION',
  'ERR_UPSTREAM_TIMEOUT',
  'ERR_UPSTREAM_QUEUE_FULL',
  'ERR_PATTERN_INPUT_TOO_LONG',
  'ERR_ELICITATION',
  'ERR_SINGLE_USE_RECORD_FULL',
] as const;

/** A stable error code of the emitted server. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The base of every error class of the emitted server: handlers test its `code`, never its message. */
export class PortcullisError extends Error {
  constructor(
    /** The stable code: what to test, search for and alert on. */
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    // The subclass's own name (`InvalidTokenError`, ...), as a stack trace or a log shows it.
    this.name = new.target.name;
  }
}

/** A tool call's arguments cannot be sent as they are. Reported to the caller as a tool error; nothing is sent upstream. */
export class ToolInputError extends PortcullisError {
  constructor(
    /** JSON-pointer-like path of the offending argument, e.g. `/body/name` or `/petId`. */
    readonly field: string,
    message: string,
  ) {
    super('ERR_TOOL_INPUT', `${field || '/'}: ${message}`);
  }
}

/** A setting is missing or malformed; the server refuses to start and names the variable. */
export class SettingError extends PortcullisError {
  constructor(
    readonly variable: string,
    problem: string,
    readonly example: string,
  ) {
    super('ERR_SETTING', `${variable}: ${problem}. Example: ${variable}=${example}`);
  }
}
