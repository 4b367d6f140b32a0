/**
 * The tools of a ServerDefinition: their published input schemas and argument validation.
 *
 * Schemas are assembled and validators compiled on first use and then cached, so a server with a thousand tools
 * starts at once and pays for a tool only when it is listed or called.
 */

import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { coerceTextArguments } from './coerce-arguments.js';
import type { JsonSchema, ServerDefinition, ToolDefinition } from './definition.js';
import { ToolInputError } from './errors.js';
import { createArgumentAjv } from './validation-ajv.js';
import { PatternInputTooLongError } from './validation-regexp.js';
import { ajvSchema } from './validation-schema.js';

/** At most this many problems are reported for one call, and the message is cut at MAX_MESSAGE_LENGTH. */
const MAX_PROBLEMS = 8;
const MAX_MESSAGE_LENGTH = 1_000;

export interface ToolRegistry {
  readonly tools: readonly ToolDefinition[];
  /** The tool called `name`, or undefined. */
  get(name: string): ToolDefinition | undefined;
  /** The tool's input schema as served in tools/list: its own schema plus only the `$defs` it reaches. */
  inputSchema(tool: ToolDefinition): JsonSchema;
  /**
   * Checks `args` against the tool's schema, after converting the scalars of text parameters (coerce-arguments.ts);
   * returns the arguments to use (a copy when something was converted), or throws ToolInputError naming the first
   * offending field(s).
   */
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
  const boundSchemas = new Map<ToolDefinition, JsonSchema>();
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

  /** The schema arguments are validated against: the published one, or with bindings the one holding the bound arguments too. */
  function validationSchema(tool: ToolDefinition): JsonSchema {
    if (tool.boundInputSchema === undefined) return inputSchema(tool);
    let schema = boundSchemas.get(tool);
    if (!schema) {
      schema = withDefinitions({ ...tool, inputSchema: tool.boundInputSchema, definitions: tool.boundDefinitions ?? tool.definitions }, definition);
      boundSchemas.set(tool, schema);
    }
    return schema;
  }

  function validator(tool: ToolDefinition): ValidateFunction {
    let validate = validators.get(tool);
    if (!validate) {
      ajv ??= createArgumentAjv();
      try {
        validate = ajv.compile(ajvSchema(validationSchema(tool)));
      } catch (error) {
        // A schema the generator emitted but Ajv cannot compile (e.g. a pattern RE2 cannot compile) is a bug
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
      // Bound parameters are converted like the others: their schemas are in the bound schema only.
      const coerced = coerceTextArguments(tool.boundInputSchema === undefined ? tool : { ...tool, inputSchema: tool.boundInputSchema }, definition.definitions, args);
      if (!check(validate, coerced)) throw toolInputError(validate.errors ?? []);
      return coerced as Record<string, unknown>;
    },
  };
}

/** `{ ...inputSchema, $defs }` with only the definitions the tool reaches; `$defs` is omitted when there are none. */
function withDefinitions(tool: ToolDefinition, definition: ServerDefinition): JsonSchema {
  if (tool.definitions.length === 0) return tool.inputSchema;
  // Own properties only: a definition named `constructor` must not find Object, nor `__proto__` Object.prototype.
  const entries = tool.definitions.map((name) => {
    if (!Object.hasOwn(definition.definitions, name)) throw new Error(`tool ${tool.name} refers to the missing definition ${name}`);
    return [name, definition.definitions[name]!] as const;
  });
  // Object.fromEntries defines own properties, so a definition named `__proto__` stays one (assignment would not).
  return { ...tool.inputSchema, $defs: Object.fromEntries(entries) };
}

/**
 * Runs a validator, turning the ways an argument can be too big to check into refusals of the call: a string too long
 * for its pattern, and nesting deeper than the stack (a recursive schema follows the data as deep as it goes).
 */
function check(validate: ValidateFunction, args: unknown): boolean {
  try {
    return validate(args);
  } catch (error) {
    if (error instanceof PatternInputTooLongError) throw new ToolInputError('', `${error.message}, so it is refused`);
    if (error instanceof RangeError) throw new ToolInputError('', 'the arguments are nested too deeply to be checked');
    throw error;
  }
}

interface Problem {
  readonly field: string;
  readonly message: string;
}

/** One ToolInputError listing the problems Ajv found (bounded), the first one's field named as the error's field. */
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
