/**
 * #15: the limits walk also collects the document's `$ref`s for bundling (one walk of a large document, not two).
 * The limits themselves are tested on hostile inputs (hostile-inputs.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { checkDocumentLimits } from '../../src/load/limits.js';
import type { FoundRef } from '../../src/shared/reference.js';

describe('#15 checkDocumentLimits collects $refs', () => {
  it('#15 every string $ref, in document order, with the object that holds it and its pointer', () => {
    const parameter = { $ref: '#/components/parameters/Id' };
    const document = {
      paths: { '/a/{id}': { get: { parameters: [parameter, { name: 'q', in: 'query', schema: { $ref: '#/components/schemas/Q' } }] } } },
      components: { schemas: { Q: { type: 'string' }, R: { type: 'array', items: { $ref: '#/components/schemas/Q' } } } },
      'x-data': { $ref: 5 },
    };
    const refs: FoundRef[] = [];
    expect(checkDocumentLimits(document, 'spec.yaml', refs)).toEqual([]);
    expect(refs.map((found) => [found.ref, found.pointer])).toEqual([
      ['#/components/parameters/Id', '#/paths/~1a~1{id}/get/parameters/0'],
      ['#/components/schemas/Q', '#/paths/~1a~1{id}/get/parameters/1/schema'],
      ['#/components/schemas/Q', '#/components/schemas/R/items'],
    ]);
    expect(refs[0]!.holder).toBe(parameter);
  });

  it('#15 a $ref at the root of the document is one too', () => {
    const refs: FoundRef[] = [];
    checkDocumentLimits({ $ref: 'other.yaml' }, 'spec.yaml', refs);
    expect(refs.map((found) => [found.ref, found.pointer])).toEqual([['other.yaml', '#']]);
  });
});
