/** #15: the pure flags → options function of generate, check and diff, flag by flag. */
import { describe, expect, it } from 'vitest';
import { toGenerateCommand, type GenerateFlags } from '../../src/cli/options.js';

const MIB = 1024 * 1024;

describe('#15 toGenerateCommand', () => {
  it('#15 fills every default from --out alone', () => {
    expect(toGenerateCommand('specs/petstore.yaml', { out: 'out/pets' })).toEqual({
      spec: 'specs/petstore.yaml',
      outDir: 'out/pets',
      quiet: false,
      allowRemoteRefs: false,
      maxSpecBytes: 100 * MIB,
      strict: false,
      force: false,
      failOnSecurityChange: false,
      watch: false,
      verbose: false,
    });
  });

  it('#15 carries every flag', () => {
    const flags: Required<GenerateFlags> = {
      out: 'out',
      config: 'portcullis.yaml',
      name: '@acme/pets-mcp',
      quiet: true,
      allowRemoteRefs: true,
      maxSpecSize: '200',
      strict: true,
      force: true,
      failOnSecurityChange: true,
      watch: true,
      verbose: true,
      report: 'issues.jsonl',
    };
    expect(toGenerateCommand('https://api.example.com/openapi.json', flags)).toEqual({
      spec: 'https://api.example.com/openapi.json',
      outDir: 'out',
      configFile: 'portcullis.yaml',
      name: '@acme/pets-mcp',
      quiet: true,
      allowRemoteRefs: true,
      maxSpecBytes: 200 * MIB,
      strict: true,
      force: true,
      failOnSecurityChange: true,
      watch: true,
      verbose: true,
      reportFile: 'issues.jsonl',
    });
  });

  it('#15 refuses a missing or empty --out', () => {
    const usage = { usage: 'missing --out <dir>: the folder to write the server into, e.g. --out generated/petstore' };
    expect(toGenerateCommand('s.yaml', {})).toEqual(usage);
    expect(toGenerateCommand('s.yaml', { out: '' })).toEqual(usage);
  });

  it.each(['1', '256', '007'])('#15 accepts --max-spec-size %s', (size) => {
    expect(toGenerateCommand('s.yaml', { out: 'o', maxSpecSize: size })).toMatchObject({ maxSpecBytes: Number(size) * MIB });
  });

  it.each(['0', '257', '-1', '1.5', '1e2', '0x10', ' 5', '5 ', '', 'ten', '99999999999999999999'])('#15 refuses --max-spec-size %j', (size) => {
    expect(toGenerateCommand('s.yaml', { out: 'o', maxSpecSize: size })).toEqual({
      usage: `--max-spec-size ${JSON.stringify(size)} is not a whole number of MiB from 1 to 256, e.g. --max-spec-size 200`,
    });
  });

  it.each(['petstore-mcp', '@acme/pets', 'a.b-c~d9'])('#15 accepts --name %s', (name) => {
    expect(toGenerateCommand('s.yaml', { out: 'o', name })).toMatchObject({ name });
  });

  it.each(['Petstore', '', '../pets', '@acme', '@acme/', 'pets mcp', '.pets', '_pets'])('#15 refuses --name %j', (name) => {
    expect(toGenerateCommand('s.yaml', { out: 'o', name })).toEqual({
      usage: `--name ${JSON.stringify(name)} is not a valid npm package name, e.g. --name petstore-mcp`,
    });
  });

  it.each(['specs/petstore.yaml', '/abs/petstore.json', 'http://localhost:8080/openapi.yaml', 'HTTPS://api.example.com/openapi.json'])(
    '#15 accepts the spec %s',
    (spec) => {
      expect(toGenerateCommand(spec, { out: 'o' })).toMatchObject({ spec });
    },
  );

  it.each(['file:///etc/openapi.yaml', 'ftp://example.com/openapi.yaml', 'data:application/json,{}'])('#15 refuses the spec %s', (spec) => {
    expect(toGenerateCommand(spec, { out: 'o' })).toEqual({ usage: `the spec must be a local file or an http(s) URL, got ${JSON.stringify(spec)}` });
  });

  it('#15 reports a missing --out before any other problem', () => {
    expect(toGenerateCommand('file:///x', { name: 'Bad', maxSpecSize: '0' })).toMatchObject({ usage: expect.stringMatching(/^missing --out/) });
  });
});
