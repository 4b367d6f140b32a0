/** Errors of the emitted server that are the user's to fix, kept apart from bugs. */

/** A tool call's arguments cannot be sent as they are. Reported to the caller as a tool error; nothing is sent upstream. */
export class ToolInputError extends Error {
  constructor(
    /** JSON-pointer-like path of the offending argument, e.g. `/body/name` or `/petId`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field || '/'}: ${message}`);
    this.name = 'ToolInputError';
  }
}

/** A setting is missing or malformed; the server refuses to start and names the variable. */
export class SettingError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
    readonly example: string,
  ) {
    super(`${variable}: ${problem}. Example: ${variable}=${example}`);
    this.name = 'SettingError';
  }
}

