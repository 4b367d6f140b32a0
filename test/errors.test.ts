/**
 * #15 warnings carry WARN_ codes, errors ERR_ codes: Issue, the collector and the config reporter refuse (at type-check
 * time) an ERR_ code on a warning and a WARN_ code on an error (only --strict makes a warning an error, marked so); the
 * two conditions once reported as warnings under ERR_ codes carry WARN_ codes; every stage returns { value, issues }.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMPTY_CONFIG } from '../src/config/types.js';
import {
  formatIssue,
  hasErrors,
  IssueCollector,
  SpecError,
  strictWarning,
  type ErrorIssue,
  type Issue,
  type StageResult,
  type WarningIssue,
} from '../src/errors.js';
import { planGeneration } from '../src/generate.js';
import { loadSpec } from '../src/load/load-spec.js';
import { buildModel } from '../src/model/build-model.js';
import { configReporter } from '../src/model/upstream.js';
import { normalizeSpec } from '../src/normalize/normalize-spec.js';
import { spec } from './support/normalized.js';

const at = { file: 'spec.yaml', pointer: '#/a', message: 'wrong', hint: 'Fix it.' };

describe('issue codes', () => {
  it('#15 a warning takes only a WARN_ code, an error only an ERR_ code', () => {
    const issues = new IssueCollector('spec.yaml');
    issues.warn('WARN_SPEC_IGNORED', '#/a', 'ignored', 'Fix it.');
    // @ts-expect-error an ERR_ code is no warning code
    issues.warn('ERR_SPEC_PATH_PARAMETER', '#/b', 'stray', 'Remove it.');
    issues.error('ERR_SPEC_PATH_PARAMETER', '#/c', 'missing', 'Declare it.');
    const report = configReporter(issues, 'portcullis.config.yaml');
    report('WARN_CONFIG_UNUSED', 'warning', '#/d', 'unused', 'Remove it.');
    // @ts-expect-error an ERR_ code is no warning code
    report('ERR_CONFIG_INVALID', 'warning', '#/e', 'wrong', 'Fix it.');
    report('ERR_CONFIG_INVALID', 'error', '#/f', 'wrong', 'Fix it.');
    // @ts-expect-error a WARN_ code is no error code
    report('WARN_CONFIG_UNUSED', 'error', '#/g', 'unused', 'Remove it.');
    expect(issues.issues.map((issue) => `${issue.severity} ${issue.code}`)).toEqual([
      'warning WARN_SPEC_IGNORED',
      'warning ERR_SPEC_PATH_PARAMETER',
      'error ERR_SPEC_PATH_PARAMETER',
      'warning WARN_CONFIG_UNUSED',
      'warning ERR_CONFIG_INVALID',
      'error ERR_CONFIG_INVALID',
      'error WARN_CONFIG_UNUSED',
    ]);
  });

  it('#15 an undeclared OAuth2 scope and a path parameter missing from the template are WARN_ warnings', () => {
    const document = {
      openapi: '3.0.3',
      info: { title: 'T', version: '1' },
      components: { securitySchemes: { oauth: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://auth.example/token', scopes: { read: 'Read' } } } } } },
      paths: {
        '/a/{id}': {
          get: {
            operationId: 'getA',
            security: [{ oauth: ['read', 'write'] }],
            parameters: [
              { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
              { name: 'stray', in: 'path', required: true, schema: { type: 'string' } },
            ],
            responses: { '200': { description: 'ok' } },
          },
        },
      },
    };
    const { issues } = normalizeSpec({ file: 'spec.yaml', document, specVersion: '3.0' });
    expect(issues.map(formatIssue)).toEqual([
      'warning: spec.yaml#/paths/~1a~1{id}/get/parameters/1: path parameter "stray" does not appear in the path template "/a/{id}". Remove the parameter, or add {stray} to the path. [WARN_SPEC_PATH_PARAMETER]',
      'warning: spec.yaml#/paths/~1a~1{id}/get/security/0/oauth: scope "write" is not declared. Declare it under #/components/securitySchemes/oauth/flows/clientCredentials/scopes or remove it here. [WARN_SPEC_UNKNOWN_SCOPE]',
    ]);
  });

  it('#15 an Issue literal pairs a warning with a WARN_ code and an error with an ERR_ code, checked by the compiler', () => {
    const warning: Issue = { ...at, severity: 'warning', code: 'WARN_MANY_TOOLS' };
    const error: Issue = { ...at, severity: 'error', code: 'ERR_SPEC_INVALID' };
    // @ts-expect-error a warning cannot carry an ERR_ code
    const warningWithErrorCode: Issue = { ...at, severity: 'warning', code: 'ERR_SPEC_UNKNOWN_SCHEME' };
    // @ts-expect-error an error cannot carry a WARN_ code (only a --strict warning, marked strict: true)
    const errorWithWarningCode: Issue = { ...at, severity: 'error', code: 'WARN_SPEC_UNKNOWN_SCOPE' };
    // @ts-expect-error a WarningIssue is a warning
    const notAWarning: WarningIssue = { ...at, severity: 'error', code: 'WARN_SPEC_IGNORED' };
    // @ts-expect-error an ErrorIssue carries no WARN_ code, strict or not
    const notAnError: ErrorIssue = { ...at, severity: 'error', code: 'WARN_SPEC_IGNORED', strict: true };
    const issues = new IssueCollector('spec.yaml');
    // @ts-expect-error the collector's errors take ERR_ codes only
    issues.error('WARN_SPEC_IGNORED', '#/x', 'ignored', 'Fix it.');
    expect([warning, error, warningWithErrorCode, errorWithWarningCode, notAWarning, notAnError].map((issue) => issue.severity)).toEqual([
      'warning',
      'error',
      'warning',
      'error',
      'error',
      'error',
    ]);
  });

  it('#15 --strict makes a warning an error that keeps its WARN_ code and its line', () => {
    const warning: WarningIssue = { ...at, severity: 'warning', code: 'WARN_SPEC_IGNORED' };
    const strict = strictWarning(warning);
    expect(strict).toEqual({ ...warning, severity: 'error', strict: true });
    expect(formatIssue(strict)).toBe('spec.yaml#/a: wrong. Fix it. [WARN_SPEC_IGNORED]');
    expect(formatIssue(warning)).toBe(`warning: ${formatIssue(strict)}`);
    expect([hasErrors([warning]), hasErrors([warning, strict])]).toEqual([false, true]);
  });

  it('#15 generating with --strict fails with the warnings as errors under their WARN_ codes', async () => {
    const options = { spec: 'specs/petstore.yaml', config: EMPTY_CONFIG, outDir: join('test', 'no-such-output') };
    const { warnings } = await planGeneration(options);
    expect(warnings.length).toBeGreaterThan(0);
    const error = await planGeneration({ ...options, strict: true }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).issues).toEqual(warnings.map(strictWarning));
    expect((error as SpecError).message).toBe(warnings.map((warning) => formatIssue(warning).replace(/^warning: /, '')).join('\n'));
  });
});

describe('stage results', () => {
  it('#15 load returns an unreadable file as an ERR_SPEC_READ issue and no value, instead of throwing', async () => {
    const result: StageResult<unknown> = await loadSpec('test/no-such-spec.yaml', { allowRemoteRefs: false });
    expect(result.value).toBeUndefined();
    expect(result.issues.map(formatIssue)).toEqual([
      'test/no-such-spec.yaml#: file not found. Check the path; a relative path is resolved from the current directory. [ERR_SPEC_READ]',
    ]);
  });

  it('#15 load, normalize and model each return { value, issues }', async () => {
    const loaded = await loadSpec('specs/petstore.yaml', { allowRemoteRefs: false });
    expect(loaded.value?.specVersion).toBeDefined();
    const normalized = normalizeSpec(loaded.value!);
    expect(normalized.value?.operations.length).toBeGreaterThan(0);
    const model = buildModel(normalized.value!, EMPTY_CONFIG, { specFile: loaded.value!.file });
    expect(model.value?.tools.length).toBe(normalized.value!.operations.length);
    for (const result of [loaded, normalized, model]) expect(hasErrors(result.issues)).toBe(false);
  });

  it('#15 the model stage reports its problems in its result, located in the spec file it is given', () => {
    const { value, issues } = buildModel(spec(), EMPTY_CONFIG, { specFile: 'api.yaml' });
    expect(value?.tools).toEqual([]);
    expect(issues.map(formatIssue)).toEqual(['api.yaml#/paths: the spec has no operations. Add at least one operation under paths. [ERR_SPEC_NO_TOOLS]']);
  });
});

