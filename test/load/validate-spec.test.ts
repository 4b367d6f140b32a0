/**
 * validate-spec.ts validates a bundled document in place when that is known to be equivalent, and the schema
 * validators come precompiled from the build: both must report exactly what swagger-parser's own `validate`
 * (dereferenced copy, schemas compiled at run time) reported, on the specs here and on broken copies of them.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { formatIssue, IssueCollector } from '../../src/errors.js';
import { parseSource } from '../../src/load/parse-source.js';
import { openApiSchemaAjv, standaloneValidatorFile } from '../../src/load/openapi-schemas.js';
import { schemaErrorsToIssues, type AjvError } from '../../src/load/schema-issues.js';
import { semanticErrorToIssue } from '../../src/load/semantic-issues.js';
import { downgradeToolIrrelevant, toolFreePlaces } from '../../src/load/tool-relevance.js';
import { refsValidatedInPlace, validateSpec } from '../../src/load/validate-spec.js';
import type { SpecVersion } from '../../src/normalize/types.js';

const SPECS = [
  'specs/petstore.yaml',
  'specs/petstore-swagger2.json',
  'specs/helpdesk.yaml',
  'specs/composition.yaml',
  'specs/notes-apikey.yaml',
  'specs/gmail.json',
  'specs/invalid/invalid-objects.yaml',
  'specs/invalid/invalid-objects-2.0.yaml',
  'specs/invalid/invalid-objects-3.1.yaml',
  'specs/invalid/duplicate-operation-id-2.0.yaml',
  'specs/invalid/undeclared-path-parameter-2.0.yaml',
  'test/load/fixtures/circular.json',
  'test/load/fixtures/components-only-3.1.yaml',
];

function read(file: string): { document: Record<string, unknown>; version: SpecVersion } {
  const parsed = parseSource(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(file);
  const document = parsed.value as Record<string, unknown>;
  const version = document.swagger ? '2.0' : String(document.openapi).startsWith('3.1') ? '3.1' : '3.0';
  return { document, version };
}

/**
 * What validate-spec.ts did before: swagger-parser's `validate` on a copy, its errors turned into issues; since #9
 * those no tool is affected by are warnings.
 */
async function reference(document: Record<string, unknown>, file: string, version: SpecVersion): Promise<string[]> {
  const issues = new IssueCollector(file);
  const copy = structuredClone(document);
  if (copy.paths === undefined && copy.webhooks === undefined) copy.paths = {};
  try {
    await new SwaggerParser().validate(file, copy as never, { resolve: { external: false } });
  } catch (error) {
    const details = (error as { details?: unknown }).details;
    if (Array.isArray(details)) issues.issues.push(...schemaErrorsToIssues(details as AjvError[], document, version, file));
    else if (error instanceof SyntaxError) issues.issues.push(semanticErrorToIssue(error.message, document, file));
    else throw error;
  }
  return downgradeToolIrrelevant(issues.issues, toolFreePlaces(document)).map(formatIssue);
}

/**
 * `actual` reports what `expected` (swagger-parser) did; where that was warnings only, validation goes on (the
 * Swagger 2.0 rules, which may add more) instead of stopping.
 */
function expectSameIssues(actualLines: readonly string[], expected: readonly string[], label: string): void {
  const goesOn = expected.length > 0 && expected.every((line) => line.startsWith('warning: '));
  expect(goesOn ? actualLines.slice(0, expected.length) : actualLines, label).toEqual(expected);
}

async function actual(document: Record<string, unknown>, file: string, version: SpecVersion): Promise<string[]> {
  const issues = new IssueCollector(file);
  await validateSpec(document, file, version, issues);
  return issues.issues.map(formatIssue);
}

/** A deterministic pseudo-random broken copy: a few values replaced, removed or given an unknown key. */
function broken(document: Record<string, unknown>, seed: number): Record<string, unknown> {
  const copy = structuredClone(document);
  const places: [Record<string, unknown>, string][] = [];
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key !== '$ref' && key !== 'openapi' && key !== 'swagger') places.push([node as Record<string, unknown>, key]);
      walk(value);
    }
  };
  walk(copy);
  let state = seed;
  const next = (n: number): number => ((state = (state * 1103515245 + 12345) % 2 ** 31), state % n);
  for (let i = 0; i < 1 + next(3); i++) {
    const [parent, key] = places[next(places.length)]!;
    const value = parent[key];
    const change = next(5);
    if (change === 0 && typeof value === 'object' && value !== null && !Array.isArray(value)) (value as Record<string, unknown>).bogus = 1;
    else if (change === 1) parent[key] = 'yes';
    else if (change === 2) delete parent[key];
    else if (change === 3) parent[key] = 12;
    else parent[key] = { type: 'integr' };
  }
  return copy;
}

describe('validateSpec', () => {
  it('takes the in-place route on the large specs', () => {
    for (const file of ['bench/specs/stripe.json', 'node_modules/@octokit/openapi/generated/api.github.com.json']) {
      if (!existsSync(file)) continue;
      const { document, version } = read(file);
      expect(refsValidatedInPlace(document, version), file).toBe(true);
    }
  });

  it('refuses the in-place route for a $ref it cannot vouch for', () => {
    const { document } = read('specs/petstore.yaml');
    const paths = document.paths as Record<string, Record<string, { parameters?: unknown[] }>>;
    const operation = Object.values(paths).flatMap((item) => Object.values(item)).find((o) => Array.isArray(o.parameters))!;
    operation.parameters!.push({ $ref: '#/components/schemas/Pet' });
    expect(refsValidatedInPlace(document, '3.0')).toBe(false);
  });

  for (const file of SPECS) {
    it(`reports what swagger-parser's validate reported: ${file} and broken copies`, async () => {
      const { document, version } = read(file);
      for (let seed = 0; seed < 8; seed++) {
        const copy = seed === 0 ? document : broken(document, seed);
        // A copy whose $refs now point nowhere never gets here (bundle-spec.ts stops at it), and swagger-parser throws.
        const expected = await reference(copy, file, version).catch(() => undefined);
        if (expected) expectSameIssues(await actual(copy, file, version), expected, `${file} seed ${seed}`);
      }
    });
  }
});

describe('the precompiled schema validators', () => {
  const built = (version: SpecVersion) => `dist/src/load/${standaloneValidatorFile(version)}`;
  it.runIf(existsSync(built('3.1')))('report the errors of the schemas compiled at run time', () => {
    const require = createRequire(import.meta.url);
    for (const file of SPECS) {
      const { document, version } = read(file);
      const { ajv, schema } = openApiSchemaAjv(version);
      const runtime = ajv.compile(schema);
      const standalone = require(`../../${built(version)}`) as typeof runtime;
      for (let seed = 0; seed < 6; seed++) {
        const copy = seed === 0 ? document : broken(document, seed);
        expect(standalone(copy), file).toBe(runtime(copy));
        expect(standalone.errors ?? null, `${file} seed ${seed}`).toEqual(runtime.errors ?? null);
      }
    }
  });
});
