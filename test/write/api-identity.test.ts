/** #15: which API an output folder holds (the manifest's `api`), and the refusal to replace another API's server. */
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/emit/manifest.js';
import { ForeignOutputError } from '../../src/errors.js';
import { apiIdentity, foreignApi } from '../../src/write/api-identity.js';

const manifest = (api?: unknown): Manifest =>
  ({
    generator: 'portcullis test',
    specDigest: 'sha256:0',
    configDigest: 'sha256:0',
    files: {},
    userFiles: [],
    model: { securitySchemes: {}, tools: [] },
    ...(api === undefined ? {} : { api }),
  }) as Manifest;

describe('#15 apiIdentity', () => {
  it.each([
    ['specs/petstore.yaml', 'petstore.yaml'],
    ['/abs/dir/openapi.json', 'openapi.json'],
    ['https://api.example.com/v3/openapi.json?ref=main', 'openapi.json'],
    ['HTTP://api.example.com/spec.yaml', 'spec.yaml'],
    ['https://api.example.com/', 'https://api.example.com/'],
  ])('#15 the spec %s is recorded as %s', (spec, specFile) => {
    expect(apiIdentity('Pets', spec)).toEqual({ title: 'Pets', specFile });
  });
});

describe('#15 foreignApi', () => {
  const current = apiIdentity('Pets', 'specs/petstore.yaml');

  it('#15 no manifest, or one without an identity (older portcullis), is not foreign', () => {
    expect(foreignApi(undefined, current)).toBeUndefined();
    expect(foreignApi(manifest(), current)).toBeUndefined();
  });

  it('#15 the same title is the same API, whatever the spec file is called', () => {
    expect(foreignApi(manifest({ title: 'Pets', specFile: 'petstore-v1.yaml' }), current)).toBeUndefined();
  });

  it('#15 another title is another API', () => {
    expect(foreignApi(manifest({ title: 'Ledger', specFile: 'v1.yaml' }), current)).toEqual({ title: 'Ledger', specFile: 'v1.yaml' });
  });

  it('#15 a malformed identity never throws: no usable title is not foreign, no usable file name is "unknown"', () => {
    expect(foreignApi(manifest('Ledger'), current)).toBeUndefined();
    expect(foreignApi(manifest({ title: 42 }), current)).toBeUndefined();
    expect(foreignApi(manifest(null), current)).toBeUndefined();
    expect(foreignApi(manifest({ title: 'Ledger', specFile: ['x'] }), current)).toEqual({ title: 'Ledger', specFile: 'unknown' });
  });
});

describe('#15 ForeignOutputError', () => {
  it('#15 names both APIs and what to do', () => {
    const error = new ForeignOutputError('out/pets', { title: 'Ledger', specFile: 'v1.yaml' }, { title: 'Pets', specFile: 'petstore.yaml' });
    expect(error.name).toBe('ForeignOutputError');
    expect(error.message).toBe('out/pets holds the server of "Ledger" (spec "v1.yaml"); this spec is "Pets" (spec "petstore.yaml"). Use another --out, or --force to replace it.');
  });

  it('#15 escapes control characters from the manifest, C1 included, so they cannot reach the terminal', () => {
    const error = new ForeignOutputError('o', { title: 'Evil\u001b]0;x\u0007\u009b2J', specFile: 'a\u0085b' }, { title: 'Pets', specFile: 'p.yaml' });
    expect(error.message).toContain('holds the server of "Evil\\u001b]0;x\\u0007\\u009b2J" (spec "a\\u0085b")');
    expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});
