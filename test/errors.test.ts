/**
 * #15 warnings carry WARN_ codes, errors ERR_ codes: the collector and the config reporter refuse (at type-check time)
 * an ERR_ code on a warning, and the two conditions once reported as warnings under ERR_ codes carry WARN_ codes.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue, IssueCollector } from '../src/errors.js';
import { configReporter } from '../src/model/upstream.js';
import { normalizeSpec } from '../src/normalize/normalize-spec.js';

describe('issue codes', () => {
  it('#15 a warning takes only a WARN_ code, an error any code', () => {
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
    expect(issues.issues.map((issue) => `${issue.severity} ${issue.code}`)).toEqual([
      'warning WARN_SPEC_IGNORED',
      'warning ERR_SPEC_PATH_PARAMETER',
      'error ERR_SPEC_PATH_PARAMETER',
      'warning WARN_CONFIG_UNUSED',
      'warning ERR_CONFIG_INVALID',
      'error ERR_CONFIG_INVALID',
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
});
