import { describe, expect, it } from 'vitest';
import { HTTP_METHODS, isHttpMethod, OPERATION_KEYS, SWAGGER2_OPERATION_KEYS } from '../../src/shared/http-method.js';

describe('HTTP methods', () => {
  it('#15 lists the Path Item operation fields in the order the specifications do', () => {
    expect(HTTP_METHODS).toEqual(['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE']);
    expect(OPERATION_KEYS).toEqual(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
    expect(SWAGGER2_OPERATION_KEYS).toEqual(['get', 'put', 'post', 'delete', 'options', 'head', 'patch']);
  });

  it.each([
    ['GET', true],
    ['TRACE', true],
    ['get', false],
    ['QUERY', false],
    ['', false],
  ])('#15 %j is an operation method: %s', (value, expected) => {
    expect(isHttpMethod(value)).toBe(expected);
  });
});
