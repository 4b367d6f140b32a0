/**
 * The server's operational log: one JSON object per line (pino) on stderr — never stdout, which the stdio transport
 * uses for the protocol. The audit stream (audit.ts) is separate and has its own sink.
 *
 * What is logged is chosen field by field: request id, method, path without query, status, duration — never tokens,
 * secrets or headers. Should headers ever be logged, the redaction below removes credentials from them.
 */

import { pino } from 'pino';
import type { DestinationStream } from 'pino';
import type { Log, LogLevel } from './settings.js';

/** Paths censored in any logged object (defence in depth: nothing logs headers today). */
const REDACT_PATHS = [
  'authorization',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'token',
  'accessToken',
];

/**
 * A Log writing JSON lines at `level` and above to `destination` (default: stderr, written synchronously so no line is
 * lost when the process exits).
 */
export function createLog(level: LogLevel, destination?: DestinationStream): Log {
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
  return (lineLevel, message, fields) => {
    if (fields) logger[lineLevel](fields, message);
    else logger[lineLevel](message);
  };
}
