/**
 * The version-independent shape of an API description, between `load` and `model`.
 *
 * Swagger 2.0, OpenAPI 3.0 and 3.1 all normalize into this. Schemas stay as written (raw objects whose `$ref`s
 * point into `document`), so error pointers and component names survive; `schemaDialect` tells the schema
 * converter how to read them. Every node keeps `source`, the JSON pointer (`#/...`) where it is in the user's file.
 */
import type { SpecVersion } from '../load/spec-version.js';
import type { HttpMethod } from '../shared/http-method.js';

export type { SpecVersion };
export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';
export type ParameterStyle =
  | 'simple'
  | 'label'
  | 'matrix'
  | 'form'
  | 'spaceDelimited'
  | 'pipeDelimited'
  | 'deepObject';

/** A raw schema object exactly as in the document (may be a `{ $ref }`). */
export type RawSchema = Record<string, unknown> | boolean;

/** A schema together with where it is. */
export interface SchemaRef {
  readonly schema: RawSchema;
  readonly source: string;
}

export interface NormalizedParameter {
  readonly name: string;
  readonly in: ParameterLocation;
  readonly description?: string;
  readonly required: boolean;
  readonly deprecated: boolean;
  /** Serialization style, with the OpenAPI default for its location already applied. */
  readonly style: ParameterStyle;
  readonly explode: boolean;
  readonly allowReserved: boolean;
  /** Schema of the value (2.0 `type`/`items`/... are turned into one; 3.x `content` uses its single media type). */
  readonly schema: SchemaRef;
  /** Set when the 3.x parameter used `content` instead of `schema`: the value is serialized as this media type. */
  readonly contentType?: string;
  /** `x-mcp-bind` on the parameter: the claim path its value is taken from, and where that is written. */
  readonly bind?: { readonly claim: string; readonly source: string };
  readonly source: string;
}

export interface NormalizedMediaType {
  readonly mediaType: string;
  readonly schema?: SchemaRef;
  /** OpenAPI 3 `encoding` per property (contentType, style, explode), for form and multipart bodies. */
  readonly encoding?: Readonly<Record<string, { contentType?: string; style?: ParameterStyle; explode?: boolean }>>;
  readonly source: string;
}

export interface NormalizedRequestBody {
  readonly description?: string;
  readonly required: boolean;
  /** In document order. */
  readonly content: readonly NormalizedMediaType[];
  readonly source: string;
}

/** One security requirement object: every listed scheme applies (AND), with the scopes listed for it. */
export interface NormalizedSecurityRequirement {
  readonly schemes: readonly { readonly scheme: string; readonly scopes: readonly string[] }[];
  readonly source: string;
}

export interface NormalizedOAuthFlow {
  readonly flow: 'implicit' | 'password' | 'clientCredentials' | 'authorizationCode';
  readonly authorizationUrl?: string;
  readonly tokenUrl?: string;
  readonly refreshUrl?: string;
  /** scope name -> description */
  readonly scopes: Readonly<Record<string, string>>;
}

export type NormalizedSecurityScheme = { readonly name: string; readonly description?: string; readonly source: string } & (
  | { readonly type: 'apiKey'; readonly in: 'header' | 'query' | 'cookie'; readonly parameterName: string }
  | { readonly type: 'http'; readonly scheme: string; readonly bearerFormat?: string }
  | { readonly type: 'oauth2'; readonly flows: readonly NormalizedOAuthFlow[] }
  | { readonly type: 'openIdConnect'; readonly openIdConnectUrl: string }
  | { readonly type: 'mutualTLS' }
);

export interface NormalizedOperation {
  readonly method: HttpMethod;
  /** Path template as written, e.g. `/pets/{petId}`. */
  readonly path: string;
  readonly operationId?: string;
  readonly summary?: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly deprecated: boolean;
  /** Path-item and operation parameters merged (operation wins on name+in), `$ref`s resolved. */
  readonly parameters: readonly NormalizedParameter[];
  readonly requestBody?: NormalizedRequestBody;
  /** Operation-level security; `undefined` means "inherit the document's". `[]` means public. */
  readonly security?: readonly NormalizedSecurityRequirement[];
  /** Servers that override the document's for this operation (path item or operation level). */
  readonly servers?: readonly NormalizedServer[];
  /** `x-*` extensions of the path item and then the operation (operation wins), as written. */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** Pointer to the operation object, e.g. `#/paths/~1pets/get`. */
  readonly source: string;
}

export interface NormalizedServer {
  readonly url: string;
  readonly description?: string;
  readonly variables: Readonly<Record<string, { readonly default: string; readonly enum?: readonly string[] }>>;
}

export interface NormalizedSpec {
  readonly specVersion: SpecVersion;
  /** How schemas are written: 2.0 and 3.0 use the OpenAPI schema dialect (nullable, ...), 3.1 JSON Schema 2020-12. */
  readonly schemaDialect: 'openapi-3.0' | 'openapi-2.0' | 'json-schema-2020-12';
  readonly info: {
    readonly title: string;
    readonly version: string;
    readonly description?: string;
  };
  readonly servers: readonly NormalizedServer[];
  readonly securitySchemes: Readonly<Record<string, NormalizedSecurityScheme>>;
  /** Document-level security; `undefined` when absent. */
  readonly security?: readonly NormalizedSecurityRequirement[];
  /** Document-level `x-*` extensions. */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** Every operation in document order (paths as written, methods in the order OpenAPI lists them). */
  readonly operations: readonly NormalizedOperation[];
  /** Pointers of the property schemas carrying a valid `x-mcp-bind` (the model binds those of JSON bodies' top level). */
  readonly boundProperties?: readonly string[];
  /** The bundled document, for resolving schema `$ref`s (`#/...` pointers only). */
  readonly document: Readonly<Record<string, unknown>>;
}
