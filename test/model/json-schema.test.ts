import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { IssueCollector } from '../../src/errors.js';
import { MAX_SCHEMA_DEPTH, SchemaConverter, type SchemaDialect } from '../../src/model/json-schema.js';
import { baseDefinitionName } from '../../src/model/schema-names.js';
import type { JsonSchema } from '../../src/model/types.js';

const SOURCE = '#/paths/~1things/post/requestBody/content/application~1json/schema';

interface Case {
  readonly name: string;
  readonly dialect: SchemaDialect;
  /** Component schemas (`components.schemas`, or `definitions` for 2.0). */
  readonly components?: Record<string, unknown>;
  readonly schema: unknown;
  readonly expected: JsonSchema;
  readonly definitions?: Record<string, JsonSchema>;
  /** Issues as `code pointer`. */
  readonly issues?: readonly string[];
}

function documentFor(dialect: SchemaDialect, components: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base =
    dialect === 'openapi-2.0'
      ? { swagger: '2.0', definitions: components }
      : { openapi: dialect === 'openapi-3.0' ? '3.0.3' : '3.1.0', components: { schemas: components } };
  return { ...base, ...extra };
}

function run(dialect: SchemaDialect, components: Record<string, unknown> | undefined, schema: unknown, source = SOURCE) {
  const issues = new IssueCollector('spec.json');
  const converter = new SchemaConverter(documentFor(dialect, components), dialect, issues);
  const output = converter.convert({ schema: schema as Record<string, unknown>, source });
  return { converter, output, issues: issues.issues.map((i) => `${i.code} ${i.pointer}`) };
}

/** Compiles the output with its definitions the way the emitted server does (`{ ...inputSchema, $defs }`). */
function compile(converter: SchemaConverter, output: JsonSchema) {
  const $defs: Record<string, JsonSchema> = {};
  for (const name of converter.reachableDefinitions(output)) $defs[name] = converter.definitions[name] as JsonSchema;
  return new Ajv2020({ strict: false }).compile({ ...output, $defs });
}

const cases: Case[] = [
  // --- $ref ---------------------------------------------------------------------------------------------------
  {
    name: '3.0 component $ref becomes #/$defs/<Name>',
    dialect: 'openapi-3.0',
    components: { Pet: { type: 'object', properties: { name: { type: 'string' } } } },
    schema: { $ref: '#/components/schemas/Pet' },
    expected: { $ref: '#/$defs/Pet' },
    definitions: { Pet: { type: 'object', properties: { name: { type: 'string' } } } },
  },
  {
    name: '2.0 #/definitions/<Name> becomes #/$defs/<Name>',
    dialect: 'openapi-2.0',
    components: { Pet: { type: 'string' } },
    schema: { type: 'array', items: { $ref: '#/definitions/Pet' } },
    expected: { type: 'array', items: { $ref: '#/$defs/Pet' } },
    definitions: { Pet: { type: 'string' } },
  },
  {
    name: 'a pointer inside another schema gets a name built from the pointer',
    dialect: 'openapi-3.0',
    components: { Pet: { type: 'object', properties: { tag: { type: 'string', maxLength: 10 } } } },
    schema: { $ref: '#/components/schemas/Pet/properties/tag' },
    expected: { $ref: '#/$defs/Pet.properties.tag' },
    definitions: { 'Pet.properties.tag': { type: 'string', maxLength: 10 } },
  },
  {
    name: 'component names are sanitized to [A-Za-z0-9_.-]',
    dialect: 'openapi-3.0',
    components: { 'Foo Bar/Ä~x': { type: 'integer' } },
    schema: { $ref: '#/components/schemas/Foo%20Bar~1%C3%84~0x' },
    expected: { $ref: '#/$defs/Foo_Bar___x' },
    definitions: { Foo_Bar___x: { type: 'integer' } },
  },
  {
    name: '$ref to true and false schemas',
    dialect: 'json-schema-2020-12',
    components: { Any: true, Never: false },
    schema: { type: 'object', properties: { a: { $ref: '#/components/schemas/Any' }, b: { $ref: '#/components/schemas/Never' } } },
    expected: { type: 'object', properties: { a: { $ref: '#/$defs/Any' }, b: { $ref: '#/$defs/Never' } } },
    definitions: { Any: {}, Never: { not: {} } },
  },
  {
    name: 'a missing target is an ERR_SPEC_REF at the site and {} in its place',
    dialect: 'openapi-3.0',
    schema: { type: 'object', properties: { owner: { $ref: '#/components/schemas/Owner' } } },
    expected: { type: 'object', properties: { owner: {} } },
    definitions: {},
    issues: [`ERR_SPEC_REF ${SOURCE}/properties/owner/$ref`],
  },
  {
    name: 'a reference out of the document is an ERR_SPEC_REMOTE_REF',
    dialect: 'openapi-3.0',
    schema: { $ref: 'https://example.com/schemas/pet.json' },
    expected: {},
    definitions: {},
    issues: [`ERR_SPEC_REMOTE_REF ${SOURCE}/$ref`],
  },
  {
    name: 'a reference to something that is not a schema is an ERR_SPEC_REF',
    dialect: 'openapi-3.0',
    schema: { $ref: '#/openapi' },
    expected: {},
    definitions: {},
    issues: [`ERR_SPEC_REF ${SOURCE}/$ref`],
  },
  {
    name: '3.0 ignores $ref siblings',
    dialect: 'openapi-3.0',
    components: { Pet: { type: 'string' } },
    schema: { $ref: '#/components/schemas/Pet', description: 'ignored', maxLength: 3 },
    expected: { $ref: '#/$defs/Pet' },
    definitions: { Pet: { type: 'string' } },
  },
  {
    name: '3.1 keeps $ref siblings, in order',
    dialect: 'json-schema-2020-12',
    components: { Pet: { type: 'string' } },
    schema: { description: 'kept', $ref: '#/components/schemas/Pet', maxLength: 3 },
    expected: { description: 'kept', $ref: '#/$defs/Pet', maxLength: 3 },
    definitions: { Pet: { type: 'string' } },
  },
  {
    name: 'direct recursion stays a reference',
    dialect: 'openapi-3.0',
    components: { Node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } } } },
    schema: { $ref: '#/components/schemas/Node' },
    expected: { $ref: '#/$defs/Node' },
    definitions: { Node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/Node' } } } } },
  },
  {
    name: 'mutual recursion stays references',
    dialect: 'json-schema-2020-12',
    components: {
      A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' } } },
      B: { type: 'object', properties: { a: { $ref: '#/components/schemas/A' } } },
    },
    schema: { $ref: '#/components/schemas/B' },
    expected: { $ref: '#/$defs/B' },
    definitions: {
      A: { type: 'object', properties: { b: { $ref: '#/$defs/B' } } },
      B: { type: 'object', properties: { a: { $ref: '#/$defs/A' } } },
    },
  },

  // --- nullable -------------------------------------------------------------------------------------------------
  {
    name: '3.0 nullable adds null to type',
    dialect: 'openapi-3.0',
    schema: { type: 'string', nullable: true, maxLength: 5 },
    expected: { type: ['string', 'null'], maxLength: 5 },
  },
  {
    name: '3.0 nullable adds null to type and enum',
    dialect: 'openapi-3.0',
    schema: { type: 'string', enum: ['a', 'b'], nullable: true },
    expected: { type: ['string', 'null'], enum: ['a', 'b', null] },
  },
  {
    name: '3.0 nullable with an enum and no type adds null to the enum',
    dialect: 'openapi-3.0',
    schema: { enum: [1, 2], nullable: true },
    expected: { enum: [1, 2, null] },
  },
  {
    name: '3.0 nullable beside $ref wraps in anyOf',
    dialect: 'openapi-3.0',
    components: { Pet: { type: 'object' } },
    schema: { $ref: '#/components/schemas/Pet', nullable: true },
    expected: { anyOf: [{ $ref: '#/$defs/Pet' }, { type: 'null' }] },
    definitions: { Pet: { type: 'object' } },
  },
  {
    name: '3.0 nullable with allOf wraps, annotations stay outside in place',
    dialect: 'openapi-3.0',
    components: { Pet: { type: 'object' } },
    schema: { description: 'd', type: 'object', allOf: [{ $ref: '#/components/schemas/Pet' }], nullable: true, default: null },
    expected: {
      description: 'd',
      anyOf: [{ type: 'object', allOf: [{ $ref: '#/$defs/Pet' }] }, { type: 'null' }],
      default: null,
    },
    definitions: { Pet: { type: 'object' } },
  },
  {
    name: '3.0 nullable with a lone anyOf appends null to it',
    dialect: 'openapi-3.0',
    schema: { anyOf: [{ type: 'string' }, { type: 'integer' }], description: 'x', nullable: true },
    expected: { anyOf: [{ type: 'string' }, { type: 'integer' }, { type: 'null' }], description: 'x' },
  },
  {
    name: '3.0 nullable without type already admits null',
    dialect: 'openapi-3.0',
    schema: { description: 'anything', nullable: true },
    expected: { description: 'anything' },
  },
  {
    name: '3.0 nullable: false is dropped',
    dialect: 'openapi-3.0',
    schema: { type: 'integer', nullable: false },
    expected: { type: 'integer' },
  },
  {
    name: '2.0 x-nullable adds null to type',
    dialect: 'openapi-2.0',
    schema: { type: 'integer', 'x-nullable': true },
    expected: { type: ['integer', 'null'] },
  },
  {
    name: '2.0 x-nullable beside $ref wraps in anyOf',
    dialect: 'openapi-2.0',
    components: { Pet: { type: 'object' } },
    schema: { $ref: '#/definitions/Pet', 'x-nullable': true },
    expected: { anyOf: [{ $ref: '#/$defs/Pet' }, { type: 'null' }] },
    definitions: { Pet: { type: 'object' } },
  },
  {
    name: '2.0 ignores nullable (not a 2.0 keyword)',
    dialect: 'openapi-2.0',
    schema: { type: 'integer', nullable: true },
    expected: { type: 'integer' },
  },
  {
    name: '3.1 ignores nullable and x-nullable; type arrays with null stay',
    dialect: 'json-schema-2020-12',
    schema: { type: ['string', 'null'], nullable: true, 'x-nullable': true },
    expected: { type: ['string', 'null'] },
  },
  {
    name: 'nullable does not duplicate null',
    dialect: 'openapi-3.0',
    schema: { type: ['string', 'null'], enum: ['a', null], nullable: true },
    expected: { type: ['string', 'null'], enum: ['a', null] },
  },

  // --- other dialect fixes --------------------------------------------------------------------------------------
  {
    name: '3.0 boolean exclusiveMinimum/exclusiveMaximum become numeric',
    dialect: 'openapi-3.0',
    schema: { type: 'number', minimum: 1, exclusiveMinimum: true, maximum: 9, exclusiveMaximum: false },
    expected: { type: 'number', exclusiveMinimum: 1, maximum: 9 },
  },
  {
    name: '2.0 exclusiveMaximum: true without maximum is dropped',
    dialect: 'openapi-2.0',
    schema: { type: 'number', exclusiveMaximum: true },
    expected: { type: 'number' },
  },
  {
    name: '3.1 numeric exclusive bounds stay',
    dialect: 'json-schema-2020-12',
    schema: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 10 },
    expected: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 10 },
  },
  {
    name: 'example becomes examples, in place',
    dialect: 'openapi-3.0',
    schema: { type: 'string', example: 'rex', description: 'name' },
    expected: { type: 'string', examples: ['rex'], description: 'name' },
  },
  {
    name: 'example is dropped when examples is present',
    dialect: 'json-schema-2020-12',
    schema: { type: 'string', example: 'a', examples: ['b', 'c'] },
    expected: { type: 'string', examples: ['b', 'c'] },
  },
  {
    name: 'discriminator, xml, externalDocs and x-* are dropped',
    dialect: 'openapi-3.0',
    components: { Cat: { type: 'object' } },
    schema: {
      oneOf: [{ $ref: '#/components/schemas/Cat' }],
      discriminator: { propertyName: 'kind' },
      xml: { name: 'pet' },
      externalDocs: { url: 'https://example.com' },
      'x-internal': true,
    },
    expected: { oneOf: [{ $ref: '#/$defs/Cat' }] },
    definitions: { Cat: { type: 'object' } },
  },
  {
    name: '2.0 type: file becomes a binary string',
    dialect: 'openapi-2.0',
    schema: { type: 'file', format: 'whatever', description: 'upload' },
    expected: { type: 'string', format: 'binary', description: 'upload' },
  },
  {
    name: 'format binary and byte stay strings with the format',
    dialect: 'openapi-3.0',
    schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' }, data: { type: 'string', format: 'byte' } } },
    expected: { type: 'object', properties: { file: { type: 'string', format: 'binary' }, data: { type: 'string', format: 'byte' } } },
  },
  {
    name: '3.1 contentMediaType and contentEncoding stay',
    dialect: 'json-schema-2020-12',
    schema: { type: 'string', contentMediaType: 'image/png', contentEncoding: 'base64' },
    expected: { type: 'string', contentMediaType: 'image/png', contentEncoding: 'base64' },
  },

  // --- request direction ----------------------------------------------------------------------------------------
  {
    name: 'readOnly properties leave properties and required; writeOnly stays',
    dialect: 'openapi-3.0',
    schema: {
      type: 'object',
      required: ['id', 'name', 'password'],
      properties: {
        id: { type: 'integer', readOnly: true },
        name: { type: 'string' },
        password: { type: 'string', writeOnly: true },
      },
    },
    expected: {
      type: 'object',
      required: ['name', 'password'],
      properties: { name: { type: 'string' }, password: { type: 'string', writeOnly: true } },
    },
  },
  {
    name: 'a property whose $ref target is readOnly is removed; required that becomes empty is dropped',
    dialect: 'openapi-3.0',
    components: { Id: { type: 'string', readOnly: true } },
    schema: { type: 'object', properties: { id: { $ref: '#/components/schemas/Id' } }, required: ['id'] },
    expected: { type: 'object', properties: {} },
  },
  {
    name: '3.0 readOnly beside $ref is ignored like any sibling',
    dialect: 'openapi-3.0',
    components: { Id: { type: 'string' } },
    schema: { type: 'object', properties: { id: { $ref: '#/components/schemas/Id', readOnly: true } } },
    expected: { type: 'object', properties: { id: { $ref: '#/$defs/Id' } } },
    definitions: { Id: { type: 'string' } },
  },
  {
    name: '3.1 readOnly beside $ref removes the property',
    dialect: 'json-schema-2020-12',
    components: { Id: { type: 'string' } },
    schema: { type: 'object', properties: { id: { $ref: '#/components/schemas/Id', readOnly: true }, n: { type: 'number' } } },
    expected: { type: 'object', properties: { n: { type: 'number' } } },
    definitions: {},
  },
  {
    name: 'readOnly on a schema that is not a property stays as an annotation',
    dialect: 'openapi-3.0',
    schema: { type: 'string', readOnly: true },
    expected: { type: 'string', readOnly: true },
  },

  // --- keywords -------------------------------------------------------------------------------------------------
  {
    name: 'every JSON Schema 2020-12 keyword is kept, in order',
    dialect: 'json-schema-2020-12',
    schema: {
      title: 'T',
      description: 'D',
      $comment: 'c',
      type: 'object',
      properties: { a: { type: 'string', minLength: 1, maxLength: 9, pattern: '^a', format: 'email', const: 'a@b' } },
      patternProperties: { '^x-': { type: 'integer', multipleOf: 2, minimum: 0, maximum: 10 } },
      additionalProperties: false,
      propertyNames: { maxLength: 20 },
      required: ['a'],
      dependentRequired: { a: ['b'] },
      dependentSchemas: { b: { required: ['c'] } },
      minProperties: 1,
      maxProperties: 5,
      unevaluatedProperties: false,
      if: { required: ['a'] },
      then: { required: ['b'] },
      else: { required: ['c'] },
      not: { required: ['z'] },
      default: { a: 'a@b' },
      examples: [{ a: 'a@b' }],
      deprecated: true,
      writeOnly: false,
    },
    expected: {
      title: 'T',
      description: 'D',
      $comment: 'c',
      type: 'object',
      properties: { a: { type: 'string', minLength: 1, maxLength: 9, pattern: '^a', format: 'email', const: 'a@b' } },
      patternProperties: { '^x-': { type: 'integer', multipleOf: 2, minimum: 0, maximum: 10 } },
      additionalProperties: false,
      propertyNames: { maxLength: 20 },
      required: ['a'],
      dependentRequired: { a: ['b'] },
      dependentSchemas: { b: { required: ['c'] } },
      minProperties: 1,
      maxProperties: 5,
      unevaluatedProperties: false,
      if: { required: ['a'] },
      then: { required: ['b'] },
      else: { required: ['c'] },
      not: { required: ['z'] },
      default: { a: 'a@b' },
      examples: [{ a: 'a@b' }],
      deprecated: true,
      writeOnly: false,
    },
  },
  {
    name: 'array keywords are kept',
    dialect: 'json-schema-2020-12',
    schema: {
      type: 'array',
      prefixItems: [{ type: 'string' }],
      items: { type: 'integer' },
      contains: { const: 1 },
      minContains: 1,
      maxContains: 2,
      minItems: 1,
      maxItems: 4,
      uniqueItems: true,
      unevaluatedItems: false,
    },
    expected: {
      type: 'array',
      prefixItems: [{ type: 'string' }],
      items: { type: 'integer' },
      contains: { const: 1 },
      minContains: 1,
      maxContains: 2,
      minItems: 1,
      maxItems: 4,
      uniqueItems: true,
      unevaluatedItems: false,
    },
  },
  {
    name: 'composition keywords are kept',
    dialect: 'openapi-3.0',
    schema: { allOf: [{ type: 'object' }], anyOf: [{ required: ['a'] }], oneOf: [{ required: ['b'] }, { required: ['c'] }] },
    expected: { allOf: [{ type: 'object' }], anyOf: [{ required: ['a'] }], oneOf: [{ required: ['b'] }, { required: ['c'] }] },
  },
  {
    name: 'identifiers, nested $defs and unknown keywords are dropped',
    dialect: 'json-schema-2020-12',
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.com/pet',
      $anchor: 'pet',
      $defs: { x: { type: 'string' } },
      type: 'string',
      collectionFormat: 'csv',
    },
    expected: { type: 'string' },
  },
  {
    name: 'draft-07 tuple items and dependencies become prefixItems/items and dependentRequired/dependentSchemas',
    dialect: 'json-schema-2020-12',
    schema: {
      type: 'array',
      items: [{ type: 'string' }, { type: 'integer' }],
      additionalItems: false,
      dependencies: { a: ['b'], c: { required: ['d'] } },
    },
    expected: {
      type: 'array',
      prefixItems: [{ type: 'string' }, { type: 'integer' }],
      items: false,
      dependentRequired: { a: ['b'] },
      dependentSchemas: { c: { required: ['d'] } },
    },
  },
  {
    name: 'values that would make the schema invalid are dropped with a warning',
    dialect: 'openapi-3.0',
    schema: {
      type: 'object',
      properties: { a: { type: 'string', pattern: '\\A[a-z]+\\Z', required: true, minLength: -1 } },
      patternProperties: { '(': { type: 'string' } },
      anyOf: [],
    },
    expected: { type: 'object', properties: { a: { type: 'string' } }, patternProperties: {} },
    issues: [
      `WARN_SPEC_IGNORED ${SOURCE}/properties/a/pattern`,
      `WARN_SPEC_IGNORED ${SOURCE}/properties/a/required`,
      `WARN_SPEC_IGNORED ${SOURCE}/properties/a/minLength`,
      `WARN_SPEC_IGNORED ${SOURCE}/patternProperties/(`,
      `WARN_SPEC_IGNORED ${SOURCE}/anyOf`,
    ],
  },
  {
    name: 'unknown type names are dropped with a warning',
    dialect: 'openapi-3.0',
    schema: { type: 'any' },
    expected: {},
    issues: [`WARN_SPEC_IGNORED ${SOURCE}/type`],
  },
  {
    name: 'a boolean schema at the top becomes an object schema',
    dialect: 'json-schema-2020-12',
    schema: false,
    expected: { not: {} },
  },
];

describe('SchemaConverter', () => {
  describe.each(cases)('$name', (c) => {
    it('converts', () => {
      const { converter, output, issues } = run(c.dialect, c.components, c.schema);
      expect(output).toEqual(c.expected);
      // Same keys in the same order, and plain JSON (no undefined, no prototypes).
      expect(JSON.stringify(output)).toBe(JSON.stringify(c.expected));
      if (c.definitions) {
        expect(converter.definitions).toEqual(c.definitions);
        expect(JSON.stringify(converter.definitions)).toBe(JSON.stringify(c.definitions));
      }
      expect(issues).toEqual(c.issues ?? []);
    });

    it('compiles with Ajv2020', () => {
      const { converter, output } = run(c.dialect, c.components, c.schema);
      expect(() => compile(converter, output)).not.toThrow();
    });
  });

  describe('recursion', () => {
    const components = {
      Tree: {
        type: 'object',
        required: ['value'],
        properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#/components/schemas/Tree' } } },
        additionalProperties: false,
      },
      Even: { type: 'object', properties: { next: { $ref: '#/components/schemas/Odd' } } },
      Odd: { type: 'object', required: ['n'], properties: { n: { type: 'integer' }, next: { $ref: '#/components/schemas/Even' } } },
    };

    it('validates a nested instance against a directly recursive schema', () => {
      const { converter, output } = run('openapi-3.0', components, { $ref: '#/components/schemas/Tree' });
      const validate = compile(converter, output);
      const leaf = { value: 3 };
      expect(validate({ value: 1, children: [{ value: 2, children: [leaf, { value: 4, children: [] }] }] })).toBe(true);
      expect(validate({ value: 1, children: [{ value: 2, children: [{ value: 'three' }] }] })).toBe(false);
      expect(validate({ value: 1, children: [{ value: 2, children: [{ children: [] }] }] })).toBe(false);
      expect(validate({ value: 1, children: [{ value: 2, extra: true }] })).toBe(false);
    });

    it('validates a nested instance against mutually recursive schemas', () => {
      const { converter, output } = run('openapi-3.0', components, { $ref: '#/components/schemas/Even' });
      expect(converter.reachableDefinitions(output)).toEqual(['Even', 'Odd']);
      const validate = compile(converter, output);
      expect(validate({ next: { n: 1, next: { next: { n: 3 } } } })).toBe(true);
      expect(validate({ next: { n: 1, next: { next: { m: 3 } } } })).toBe(false);
    });

    it('converts each definition once, whatever refers to it', () => {
      const issues = new IssueCollector('spec.json');
      const converter = new SchemaConverter(documentFor('openapi-3.0', components), 'openapi-3.0', issues);
      converter.convert({ schema: { $ref: '#/components/schemas/Tree' }, source: SOURCE });
      const first = converter.definitions.Tree;
      converter.convert({ schema: { type: 'array', items: { $ref: '#/components/schemas/Tree' } }, source: SOURCE });
      expect(converter.definitions.Tree).toBe(first);
      expect(Object.keys(converter.definitions)).toEqual(['Tree']);
    });

    it('reports a cycle that never descends into the instance', () => {
      const { issues } = run(
        'openapi-3.0',
        {
          A: { allOf: [{ $ref: '#/components/schemas/B' }] },
          B: { anyOf: [{ $ref: '#/components/schemas/A' }, { type: 'string' }] },
          C: { $ref: '#/components/schemas/C' },
        },
        { type: 'object', properties: { a: { $ref: '#/components/schemas/A' }, c: { $ref: '#/components/schemas/C' } } },
      );
      expect(issues).toEqual(['ERR_SPEC_UNSUPPORTED #/components/schemas/A', 'ERR_SPEC_UNSUPPORTED #/components/schemas/C']);
    });
  });

  describe('definition names', () => {
    it('resolves collisions deterministically, whatever the conversion order', () => {
      const components = {
        'Foo Bar': { type: 'string' },
        Foo_Bar: { type: 'integer' },
        'Foo:Bar': { type: 'boolean' },
        Foo_Bar_2: { type: 'number' },
      };
      const refs = Object.keys(components).map((name) => `#/components/schemas/${encodeURIComponent(name)}`);
      const namesFor = (order: readonly string[]) => {
        const converter = new SchemaConverter(documentFor('openapi-3.0', components), 'openapi-3.0', new IssueCollector('spec.json'));
        return Object.fromEntries(order.map((ref) => [ref, converter.convert({ schema: { $ref: ref }, source: SOURCE }).$ref]));
      };
      const forward = namesFor(refs);
      expect(namesFor([...refs].reverse())).toEqual(forward);
      expect(forward).toEqual({
        '#/components/schemas/Foo%20Bar': '#/$defs/Foo_Bar_3',
        '#/components/schemas/Foo_Bar': '#/$defs/Foo_Bar',
        '#/components/schemas/Foo%3ABar': '#/$defs/Foo_Bar_4',
        '#/components/schemas/Foo_Bar_2': '#/$defs/Foo_Bar_2',
      });
    });

    it('gives a component schema precedence over a pointer elsewhere with the same name', () => {
      const document = {
        ...documentFor('openapi-3.0', { 'Pet.properties.tag': { type: 'integer' }, Pet: { properties: { tag: { type: 'string' } } } }),
        paths: { '/x': { post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet/properties/tag' } } } } } } },
      };
      const converter = new SchemaConverter(document, 'openapi-3.0', new IssueCollector('spec.json'));
      // Converted in the "wrong" order: the nested pointer first.
      const nested = converter.convert({ schema: { $ref: '#/components/schemas/Pet/properties/tag' }, source: SOURCE });
      const component = converter.convert({ schema: { $ref: '#/components/schemas/Pet.properties.tag' }, source: SOURCE });
      expect(nested).toEqual({ $ref: '#/$defs/Pet.properties.tag_2' });
      expect(component).toEqual({ $ref: '#/$defs/Pet.properties.tag' });
    });

    it.each([
      [['components', 'schemas', 'Pet'], 'Pet'],
      [['definitions', 'Pet'], 'Pet'],
      [['components', 'schemas', 'Pet', 'properties', 'tag'], 'Pet.properties.tag'],
      [['components', 'parameters', 'limit', 'schema'], 'parameters.limit.schema'],
      [['paths', '/pets/{id}', 'get', 'parameters', '0', 'schema'], 'paths._pets__id_.get.parameters.0.schema'],
      [[], 'root'],
      [['components', 'schemas', ''], '_'],
      [
        ['paths', '/a/very/long/path/{with}/{params}', 'post', 'requestBody', 'content', 'application/json', 'schema', 'properties', 'items', 'items', 'properties', 'name'],
        'paths._a_very_long_path__with___params_.post..items.items.properties.name',
      ],
    ])('names %j %s', (segments, name) => {
      expect(baseDefinitionName(segments)).toBe(name);
      expect(name).toMatch(/^[A-Za-z0-9_.-]+$/);
    });
  });

  describe('reachableDefinitions', () => {
    const components = {
      A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' }, const: { const: { $ref: '#/components/schemas/D' } } } },
      B: { type: 'array', items: { $ref: '#/components/schemas/C' } },
      C: { anyOf: [{ $ref: '#/components/schemas/A' }, { type: 'string' }] },
      D: { type: 'string' },
      E: { type: 'string' },
    };

    it('lists definitions reached transitively, sorted, through cycles, not through values', () => {
      const issues = new IssueCollector('spec.json');
      const converter = new SchemaConverter(documentFor('json-schema-2020-12', components), 'json-schema-2020-12', issues);
      const b = converter.convert({ schema: { $ref: '#/components/schemas/B' }, source: SOURCE });
      const e = converter.convert({ schema: { properties: { e: { $ref: '#/components/schemas/E' } } }, source: SOURCE });
      expect(converter.reachableDefinitions(b)).toEqual(['A', 'B', 'C']);
      expect(converter.reachableDefinitions(e)).toEqual(['E']);
      // A schema the caller composed from converted parts.
      expect(converter.reachableDefinitions({ type: 'object', properties: { b, e }, default: { $ref: '#/$defs/D' } })).toEqual(['A', 'B', 'C', 'E']);
      expect(converter.reachableDefinitions({ type: 'string' })).toEqual([]);
      expect(issues.issues).toEqual([]);
    });
  });

  describe('output', () => {
    it('is a fresh tree each time, and definitions are frozen and sorted', () => {
      const components = { Z: { type: 'object', properties: { e: { enum: ['a'] } } }, A: { type: 'string', default: 'x' } };
      const issues = new IssueCollector('spec.json');
      const document = documentFor('openapi-3.0', components);
      const converter = new SchemaConverter(document, 'openapi-3.0', issues);
      const schema = { type: 'object', properties: { z: { $ref: '#/components/schemas/Z' }, a: { $ref: '#/components/schemas/A' }, tags: { enum: ['t'] } } };
      const one = converter.convert({ schema, source: SOURCE });
      const two = converter.convert({ schema, source: SOURCE });
      expect(one).toEqual(two);
      expect(one).not.toBe(two);
      expect((one.properties as Record<string, JsonSchema>).tags?.enum).not.toBe((two.properties as Record<string, JsonSchema>).tags?.enum);
      expect((one.properties as Record<string, JsonSchema>).tags?.enum).not.toBe(schema.properties.tags.enum);
      expect(Object.keys(converter.definitions)).toEqual(['A', 'Z']);
      expect(Object.isFrozen(converter.definitions.Z)).toBe(true);
      expect(converter.definitions.Z?.properties).not.toBe((components.Z as { properties: unknown }).properties);
    });

    it('keeps a property called __proto__ as an own property', () => {
      const schema = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}},"required":["__proto__"]}');
      const { output } = run('openapi-3.0', undefined, schema);
      expect(JSON.stringify(output)).toBe('{"type":"object","properties":{"__proto__":{"type":"string"}},"required":["__proto__"]}');
      expect(Object.getPrototypeOf(output.properties)).toBe(Object.prototype);
    });

    it('drops the keywords JSON Schema 2020-12 does not know, silently', () => {
      const { output, issues } = run('openapi-3.0', undefined, { type: 'string', xml: {}, 'x-a': 1, 'x-b': 2, foo: 1 });
      expect(output).toEqual({ type: 'string' });
      expect(issues).toEqual([]);
    });
  });

  describe('deep nesting', () => {
    it(`reports a schema nested more than ${MAX_SCHEMA_DEPTH} levels deep at its pointer`, () => {
      let schema: Record<string, unknown> = { type: 'string' };
      for (let i = 0; i < 100; i++) schema = { type: 'array', items: schema };
      const { output, issues } = run('openapi-3.0', undefined, schema);
      expect(issues).toEqual([`ERR_SPEC_UNSUPPORTED ${SOURCE}${'/items'.repeat(MAX_SCHEMA_DEPTH + 1)}`]);
      let node: JsonSchema = output;
      for (let i = 0; i <= MAX_SCHEMA_DEPTH; i++) node = node.items as JsonSchema;
      expect(node).toEqual({});
    });

    it('does not count depth across $ref: long reference chains convert', () => {
      const components: Record<string, unknown> = { S0: { type: 'string' } };
      for (let i = 1; i < 5_000; i++) components[`S${i}`] = { type: 'array', items: { $ref: `#/components/schemas/S${i - 1}` } };
      const { converter, output, issues } = run('openapi-3.0', components, { $ref: '#/components/schemas/S4999' });
      expect(issues).toEqual([]);
      expect(converter.reachableDefinitions(output)).toHaveLength(5_000);
    });
  });
});
