/**
 * The tools of a ServerDefinition: their published input schemas and argument validation.
 *
 * Schemas are assembled and validators compiled on first use and then cached, so a server with a thousand tools
 * starts at once and pays for a tool only when it is listed or called.
 */

import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema, ServerDefinition, ToolDefinition } from './definition.js';
import { ToolInputError } from './errors.js';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule.default;

/** At most this many problems are reported for one call, and the message is cut at MAX_MESSAGE_LENGTH. */
const MAX_PROBLEMS = 8;
const MAX_MESSAGE_LENGTH = 1_000;

export interface ToolRegistry {
  readonly tools: readonly ToolDefinition[];
  /** The tool called `name`, or undefined. */
  get(name: string): ToolDefinition | undefined;
  /** The tool's input schema as served in tools/list: its own schema plus only the `$defs` it reaches. */
  inputSchema(tool: ToolDefinition): JsonSchema;
  /** Checks `args` against the tool's schema; throws ToolInputError naming every offending field. */
  validate(tool: ToolDefinition, args: unknown): Record<string, unknown>;
}

const registries = new WeakMap<ServerDefinition, ToolRegistry>();

/** The registry of `definition`, created once and shared, so the per-request servers reuse compiled validators. */
export function toolRegistryFor(definition: ServerDefinition): ToolRegistry {
  let registry = registries.get(definition);
  if (!registry) {
    registry = createToolRegistry(definition);
    registries.set(definition, registry);
  }
  return registry;
}

/** Builds a registry over the definition's tools; nothing is compiled until a tool is used. */
export function createToolRegistry(definition: ServerDefinition): ToolRegistry {
  const byName = new Map(definition.tools.map((tool) => [tool.name, tool]));
  const schemas = new Map<ToolDefinition, JsonSchema>();
  const validators = new Map<ToolDefinition, ValidateFunction>();
  let ajv: Ajv2020 | undefined;

  function inputSchema(tool: ToolDefinition): JsonSchema {
    let schema = schemas.get(tool);
    if (!schema) {
      schema = withDefinitions(tool, definition);
      schemas.set(tool, schema);
    }
    return schema;
  }

  function validator(tool: ToolDefinition): ValidateFunction {
    let validate = validators.get(tool);
    if (!validate) {
      ajv ??= createAjv();
      try {
        validate = ajv.compile(inputSchema(tool));
      } catch (error) {
        // A schema the generator emitted but Ajv cannot compile (e.g. a pattern invalid as a unicode regex) is a bug
        // of the emitted server, not of the caller; name the tool so it can be found.
        throw new Error(`the input schema of tool ${tool.name} cannot be compiled: ${(error as Error).message}`);
      }
      validators.set(tool, validate);
    }
    return validate;
  }

  return {
    tools: definition.tools,
    get: (name) => byName.get(name),
    inputSchema,
    validate(tool, args) {
      const validate = validator(tool);
      if (!validate(args)) throw toolInputError(validate.errors ?? []);
      return args as Record<string, unknown>;
    },
  };
}

/** `{ ...inputSchema, $defs }` with only the definitions the tool reaches; `$defs` is omitted when there are none. */
function withDefinitions(tool: ToolDefinition, definition: ServerDefinition): JsonSchema {
  if (tool.definitions.length === 0) return tool.inputSchema;
  const defs: Record<string, JsonSchema> = {};
  for (const name of tool.definitions) {
    const schema = definition.definitions[name];
    if (schema === undefined) throw new Error(`tool ${tool.name} refers to the missing definition ${name}`);
    defs[name] = schema;
  }
  return { ...tool.inputSchema, $defs: defs };
}

function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    // Specs carry keywords Ajv does not know (`example`, `x-*`, OpenAPI's `discriminator`): ignore, do not throw.
    strict: false,
    allErrors: true,
    // The caller's arguments are checked as sent; the upstream must receive exactly what the model chose.
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: false,
    // Unknown formats (e.g. `phone`) are annotations; a warning per tool on stderr would only be noise.
    logger: { log: () => {}, warn: () => {}, error: (...args: unknown[]) => console.error(...args) },
  });
  addFormats(ajv);
  return ajv;
}

interface Problem {
  readonly field: string;
  readonly message: string;
}

/** One ToolInputError listing every problem Ajv found (bounded), the first one's field named as the error's field. */
function toolInputError(errors: readonly ErrorObject[]): ToolInputError {
  const unique = new Map<string, Problem>();
  for (const problem of errors.map(describe)) unique.set(`${problem.field}\n${problem.message}`, problem);
  const [first = { field: '/', message: 'is invalid' }, ...rest] = unique.values();
  // ToolInputError prefixes the first field itself; the others are listed after its message.
  const shown = [first.message, ...rest.slice(0, MAX_PROBLEMS - 1).map((problem) => `${problem.field}: ${problem.message}`)];
  const hidden = rest.length + 1 - shown.length;
  const text = shown.join('; ') + (hidden > 0 ? `; and ${hidden} more` : '');
  return new ToolInputError(first.field, clip(text, MAX_MESSAGE_LENGTH));
}

/** The offending argument's path (the missing or unexpected property itself, not its parent) and the problem. */
function describe(error: ErrorObject): Problem {
  const params = error.params as Record<string, unknown>;
  const at = error.instancePath || '/';
  switch (error.keyword) {
    case 'required':
      return { field: child(error.instancePath, params.missingProperty), message: 'is required' };
    case 'additionalProperties':
      return { field: child(error.instancePath, params.additionalProperty), message: 'is not an allowed property' };
    case 'unevaluatedProperties':
      return { field: child(error.instancePath, params.unevaluatedProperty), message: 'is not an allowed property' };
    case 'enum':
      return { field: at, message: `must be one of ${clip(JSON.stringify(params.allowedValues), 200)}` };
    case 'const':
      return { field: at, message: `must be ${clip(JSON.stringify(params.allowedValue), 200)}` };
    default:
      return { field: at, message: error.message ?? 'is invalid' };
  }
}

/** JSON pointer of property `name` under `parent`, escaped like Ajv's instancePath (RFC 6901). */
function child(parent: string, name: unknown): string {
  return `${parent}/${String(name).replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

function clip(text: string | undefined, length: number): string {
  const value = text ?? 'undefined';
  return value.length > length ? `${value.slice(0, length - 1)}…` : value;
}
