/** The runtime's errors (errors.ts): one base class, one stable code per error class, documented word for word. */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CallUsageError } from '../../templates/runtime/call-client.js';
import { UpstreamAuthenticationError } from '../../templates/runtime/credentials.js';
import { ElicitationError } from '../../templates/runtime/elicitation-relay.js';
import { ERROR_CODES, PortcullisError, SettingError, ToolInputError } from '../../templates/runtime/errors.js';
import { QueueFullError } from '../../templates/runtime/limits.js';
import { PolicyError } from '../../templates/runtime/policies.js';
import { SingleUseRecordFull } from '../../templates/runtime/single-use.js';
import { ExchangeError } from '../../templates/runtime/token-exchange.js';
import { AuthServerUnavailableError, InvalidTokenError } from '../../templates/runtime/token-verifier.js';
import { UpstreamTimeoutError } from '../../templates/runtime/upstream-http.js';
import { PatternInputTooLongError } from '../../templates/runtime/validation-regexp.js';
import { readmeTable } from '../support/readme-table.js';

const RUNTIME = join(import.meta.dirname, '../../templates/runtime');

describe('errors', () => {
  it('#15 every exported error class is a PortcullisError with its code, name and message', () => {
    const cause = new Error('connect ECONNREFUSED');
    const errors: [PortcullisError, string, string, string][] = [
      [new ToolInputError('/petId', 'must be an integer'), 'ERR_TOOL_INPUT', 'ToolInputError', '/petId: must be an integer'],
      [new SettingError('PORT', 'must be 1-65535', '3000'), 'ERR_SETTING', 'SettingError', 'PORT: must be 1-65535. Example: PORT=3000'],
      [new PolicyError([{ file: 'policies/local.cedar', line: 3, message: 'unexpected token' }]), 'ERR_POLICY', 'PolicyError', 'policies/local.cedar:3: unexpected token'],
      [new CallUsageError('unknown option --x'), 'ERR_CALL_USAGE', 'CallUsageError', 'unknown option --x'],
      [new InvalidTokenError('expired', 'The access token has expired'), 'ERR_INVALID_TOKEN', 'InvalidTokenError', 'The access token has expired'],
      [new AuthServerUnavailableError('no usable metadata', { cause }), 'ERR_AUTH_SERVER_UNAVAILABLE', 'AuthServerUnavailableError', 'no usable metadata'],
      [new ExchangeError('the token endpoint refused', false), 'ERR_TOKEN_EXCHANGE', 'ExchangeError', 'the token endpoint refused'],
      [new UpstreamAuthenticationError('scheme not supported'), 'ERR_UPSTREAM_AUTHENTICATION', 'UpstreamAuthenticationError', 'scheme not supported'],
      [new UpstreamTimeoutError(), 'ERR_UPSTREAM_TIMEOUT', 'UpstreamTimeoutError', 'upstream deadline exceeded'],
      [new QueueFullError('3 calls are already waiting'), 'ERR_UPSTREAM_QUEUE_FULL', 'QueueFullError', '3 calls are already waiting'],
      [new PatternInputTooLongError(200_000), 'ERR_PATTERN_INPUT_TOO_LONG', 'PatternInputTooLongError', 'a string of 200000 characters is longer than the 100000 characters checked against a pattern'],
      [new ElicitationError(-32601, 'Method not found'), 'ERR_ELICITATION', 'ElicitationError', 'Method not found'],
      [new SingleUseRecordFull(2), 'ERR_SINGLE_USE_RECORD_FULL', 'SingleUseRecordFull', 'the single-use record holds 2 unexpired approvals'],
    ];
    for (const [error, code, name, message] of errors) {
      expect(error, name).toBeInstanceOf(PortcullisError);
      expect(error, name).toBeInstanceOf(Error);
      expect({ code: error.code, name: error.name, message: error.message }).toEqual({ code, name, message });
    }
    expect(new AuthServerUnavailableError('x', { cause }).cause).toBe(cause);
    expect(new ElicitationError(-32601, 'Method not found').rpcCode).toBe(-32601);
  });

  it('#15 every code is raised by exactly one error class, and no runtime error class extends Error directly', () => {
    const sources = readdirSync(RUNTIME).filter((name) => name.endsWith('.ts')).map((name) => readFileSync(join(RUNTIME, name), 'utf8'));
    const raised = (code: string) => sources.reduce((count, text) => count + text.split(`super('${code}'`).length - 1, 0);
    expect(Object.fromEntries(ERROR_CODES.map((code) => [code, raised(code)]))).toEqual(Object.fromEntries(ERROR_CODES.map((code) => [code, 1])));
    expect(sources.filter((text) => /class \w+ extends Error\b/.test(text)).length).toBe(1); // PortcullisError itself
  });

  it('#15 the README table of error codes is the exported list, in order', () => {
    expect(readmeTable('Error codes').map((row) => row[0])).toEqual(ERROR_CODES.map((code) => `\`${code}\``));
  });
});
