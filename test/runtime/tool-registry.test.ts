import { describe, expect, it } from 'vitest';
import type { ServerDefinition, ToolDefinition } from '../../templates/runtime/definition.js';
import { createToolRegistry, toolRegistryFor } from '../../templates/runtime/tool-registry.js';
import { fixtureDefinition } from './fixtures/definition.js';
import { inputError } from './fixtures/input-error.js';

function tool(definition: ServerDefinition, name: string): ToolDefinition {
  const found = definition.tools.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no tool ${name} in the fixture`);
  return found;
}


describe('inputSchema', () => {
  const definition = fixtureDefinition();
  const registry = createToolRegistry(definition);

  it("adds only the tool's own definitions as $defs", () => {
    const schema = registry.inputSchema(tool(definition, 'create_pet'));
    expect(Object.keys(schema.$defs as object).sort()).toEqual(['Owner', 'Pet']);
    expect(schema.$defs).toEqual({ Owner: definition.definitions.Owner, Pet: definition.definitions.Pet });
    expect(schema.properties).toEqual(tool(definition, 'create_pet').inputSchema.properties);
    expect(schema.type).toBe('object');
  });

  it('omits $defs when the tool reaches no definition', () => {
    const schema = registry.inputSchema(tool(definition, 'get_pet'));
    expect(schema).not.toHaveProperty('$defs');
    expect(schema).toEqual(tool(definition, 'get_pet').inputSchema);
  });

  it('builds each schema once', () => {
    const createPet = tool(definition, 'create_pet');
    expect(registry.inputSchema(createPet)).toBe(registry.inputSchema(createPet));
  });

  it('names a definition the tool refers to but the definition lacks', () => {
    const broken = { ...tool(definition, 'create_pet'), definitions: ['Pet', 'Ghost'] };
    expect(() => createToolRegistry({ ...definition, tools: [broken] }).inputSchema(broken)).toThrow(/create_pet.*Ghost/);
  });

  it('finds tools by name', () => {
    expect(registry.get('list_owners')?.path).toBe('/owners');
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.tools).toHaveLength(3);
  });

  it('shares one registry per definition', () => {
    expect(toolRegistryFor(definition)).toBe(toolRegistryFor(definition));
    expect(toolRegistryFor(fixtureDefinition())).not.toBe(toolRegistryFor(definition));
  });
});

describe('validate', () => {
  const definition = fixtureDefinition();
  const registry = createToolRegistry(definition);
  const createPet = tool(definition, 'create_pet');
  const getPet = tool(definition, 'get_pet');

  it('accepts valid arguments, including recursive ones, and returns them unchanged', () => {
    const args = {
      dryRun: true,
      body: { name: 'Rex', owner: { email: 'ann@example.com', extra: 1 }, children: [{ name: 'Pup', children: [{ name: 'Tiny' }] }] },
    };
    const copy = structuredClone(args);
    expect(registry.validate(createPet, args)).toBe(args);
    // Nothing removed (Owner allows extra properties), nothing added or coerced.
    expect(args).toEqual(copy);
  });

  it('names the field of a wrong type, without coercing what is not the text of one', () => {
    const error = inputError(() => registry.validate(getPet, { petId: '7x' }));
    expect(error.field).toBe('/petId');
    expect(error.message).toBe('/petId: must be integer');
  });

  it('names a missing required property by its own path', () => {
    const error = inputError(() => registry.validate(createPet, { body: { owner: { email: 'a@example.com' } } }));
    expect(error.field).toBe('/body/name');
    expect(error.message).toBe('/body/name: is required');
  });

  it('names an unexpected property', () => {
    const error = inputError(() => registry.validate(getPet, { petId: 1, color: 'red' }));
    expect(error.field).toBe('/color');
    expect(error.message).toContain('not an allowed property');
  });

  it('checks deep inside recursive definitions, and formats', () => {
    const deep = inputError(() => registry.validate(createPet, { body: { name: 'Rex', children: [{ name: 'Pup', children: [{ name: '' }] }] } }));
    expect(deep.message).toBe('/body/children/0/children/0/name: must NOT have fewer than 1 characters');
    const format = inputError(() => registry.validate(createPet, { body: { name: 'Rex', owner: { email: 'not-an-email' } } }));
    expect(format.message).toBe('/body/owner/email: must match format "email"');
  });

  it('#16 reports the first problem only: validation stops at the first failing keyword', () => {
    const error = inputError(() => registry.validate(getPet, { petId: 0, tags: ['a', 3], color: 'red' }));
    expect(error.message).toBe('/color: is not an allowed property');
    expect(error.field).toBe('/color');
  });

  it('#16 reports one problem however many items are wrong', () => {
    const error = inputError(() => registry.validate(getPet, { petId: 1, tags: Array.from({ length: 500 }, (_, index) => index) }));
    expect(error.message).toBe('/tags/0: must be string');
  });

  it('bounds the message however many problems there are (each failed alternative reports its own)', () => {
    const branches = Array.from({ length: 40 }, (_, index) => ({ type: 'object', required: [`field${index}`] }));
    const either: ToolDefinition = { ...getPet, inputSchema: { type: 'object', properties: { value: { anyOf: branches } } } };
    const error = inputError(() => createToolRegistry({ ...definition, tools: [either] }).validate(either, { value: {} }));
    expect(error.message.length).toBeLessThan(1_100);
    expect(error.message).toMatch(/^\/value\/field0: is required; \/value\/field1: is required; .*; and 33 more$/);
  });

  it('shows the allowed values of an enum', () => {
    const withEnum: ToolDefinition = {
      ...getPet,
      inputSchema: { type: 'object', properties: { status: { enum: ['available', 'sold'] } } },
    };
    const error = inputError(() => createToolRegistry({ ...definition, tools: [withEnum] }).validate(withEnum, { status: 'lost' }));
    expect(error.message).toBe('/status: must be one of ["available","sold"]');
  });

  it('escapes property names in the field path', () => {
    const slashy: ToolDefinition = {
      ...getPet,
      inputSchema: { type: 'object', required: ['a/b'], properties: { 'a/b': { type: 'string' } } },
    };
    const error = inputError(() => createToolRegistry({ ...definition, tools: [slashy] }).validate(slashy, {}));
    expect(error.field).toBe('/a~1b');
  });

  it('refuses arguments that are not an object', () => {
    expect(inputError(() => registry.validate(getPet, [1])).message).toBe('/: must be object');
  });

  it('compiles a tool only when it is first called', () => {
    const broken: ToolDefinition = { ...getPet, name: 'broken', inputSchema: { type: 'object', properties: { a: { $ref: '#/$defs/Missing' } } } };
    // Creating the registry and listing the tool must not compile its schema...
    const lazy = createToolRegistry({ ...definition, tools: [getPet, broken] });
    expect(lazy.inputSchema(broken)).toBeDefined();
    expect(lazy.validate(getPet, { petId: 1 })).toEqual({ petId: 1 });
    // ...only calling it does, and the failure names the tool.
    expect(() => lazy.validate(broken, {})).toThrow(/broken/);
  });

  it('ignores keywords Ajv does not know (strict: false)', () => {
    const annotated: ToolDefinition = {
      ...getPet,
      inputSchema: { type: 'object', properties: { n: { type: 'integer', format: 'int32', example: 3, 'x-internal': true } } },
    };
    const lenient = createToolRegistry({ ...definition, tools: [annotated] });
    expect(lenient.validate(annotated, { n: 3 })).toEqual({ n: 3 });
  });
});
