/**
 * The shape of `tools.json`: everything an emitted server knows about its API, as plain data.
 *
 * The generator writes this file; the runtime reads it. Keeping the per-spec part as JSON (not code) means no text
 * from a spec can ever change the meaning of the emitted program.
 *
 * Every record below keyed by a name from the spec (`definitions`, `securitySchemes`, `impliedScopes`, a body's
 * `properties`, and tool arguments) may hold keys such as `__proto__`, `constructor` or `toString`, all legal in
 * OpenAPI: read them with `Object.hasOwn`, never with `record[name]` alone, and build them with `Object.fromEntries`
 * or as a `Map`, never by assignment (`record['__proto__'] = x` sets the prototype).
 */

import type { ToolMode } from './setting-definitions.js';

export type JsonSchema = { readonly [key: string]: unknown };

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'OPTIONS' | 'HEAD' | 'PATCH' | 'TRACE';

/** Where one tool argument goes in the upstream request. */
export interface ParameterDefinition {
  /** Name of the parameter in the HTTP request. */
  readonly name: string;
  /** Name of the tool argument holding its value (usually equal to `name`). */
  readonly argument: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly style: 'simple' | 'label' | 'matrix' | 'form' | 'spaceDelimited' | 'pipeDelimited' | 'deepObject';
  readonly explode: boolean;
  readonly allowReserved: boolean;
  readonly required: boolean;
  /** Set when the value is serialized as a media type (OpenAPI `content`), e.g. `application/json`. */
  readonly contentType?: string;
}

/** How the tool argument `argument` becomes the request body. */
export interface BodyDefinition {
  readonly argument: string;
  /** The media type sent as `Content-Type` (for multipart the boundary is added at run time). */
  readonly contentType: string;
  readonly encoding: 'json' | 'form' | 'multipart' | 'text' | 'binary';
  readonly required: boolean;
  /** For form and multipart bodies: per-property encoding from the spec. */
  readonly properties?: Readonly<Record<string, { readonly contentType?: string; readonly style?: ParameterDefinition['style']; readonly explode?: boolean }>>;
}

/**
 * An argument the caller never chooses: filled from a claim of the verified access token on every call (bindings.ts),
 * and absent from the published input schema.
 */
export interface ArgumentBinding {
  /** The tool argument it fills: a parameter's argument, or the body argument when `property` is set. */
  readonly argument: string;
  /** Set for a top-level property of a JSON request body: the property it fills. */
  readonly property?: string;
  /** Claim path (claims.ts claimAt): a literal claim name, else a dotted path into nested claims. */
  readonly claim: string;
  /** For a body property whose schema is one scalar type: the type a claim's text is converted to before validation. */
  readonly type?: 'string' | 'integer' | 'number' | 'boolean';
}

/**
 * What the user is asked before a risky call runs, as parts the runtime puts together (never one template string, so
 * no text from the spec or from an argument can rewrite the question). The generator writes each text part on one
 * line of printable characters, bounded in length.
 */
export interface ConsentDefinition {
  /** The system acted on: the API's title. */
  readonly system: string;
  /** The action in words: the operation's summary, else its method and path. */
  readonly action: string;
  /** The operation as `METHOD /path`. */
  readonly request: string;
  /** Arguments shown with their values (the path parameters unless configured), in this order. */
  readonly arguments: readonly string[];
  /** What follows in one sentence (for DELETE: that it cannot be undone), when the generator knows it. */
  readonly consequence?: string;
}

export interface ToolAnnotations {
  readonly title?: string;
  readonly readOnlyHint?: boolean;
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
  readonly openWorldHint?: boolean;
}

export interface ToolDefinition {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly annotations: ToolAnnotations;
  /** JSON Schema (2020-12) of the arguments, top level `type: object`, without `$defs`. */
  readonly inputSchema: JsonSchema;
  /** Names of the shared definitions (`ServerDefinition.definitions`) this tool's schema reaches. */
  readonly definitions: readonly string[];
  /** Arguments filled from the caller's claims, sorted by argument and property; absent when there are none. */
  readonly bindings?: readonly ArgumentBinding[];
  /**
   * With `bindings`: the schema the arguments are validated against once bound values are filled in (`inputSchema`
   * with the bound arguments and properties), and the shared definitions it reaches.
   */
  readonly boundInputSchema?: JsonSchema;
  readonly boundDefinitions?: readonly string[];
  /** Set when the user must approve each call before it runs (consent.ts); absent for tools that need no consent. */
  readonly consent?: ConsentDefinition;
  readonly method: HttpMethod;
  /** Path template relative to the base URL, e.g. `/pets/{petId}`. */
  readonly path: string;
  readonly parameters: readonly ParameterDefinition[];
  readonly body?: BodyDefinition;
  /**
   * Caller authorization: alternatives (OR) of scope sets (AND). `[]` means no scope is required.
   * Enforced over HTTP; see AUTHORIZATION.md of the emitted project.
   */
  readonly scopes: readonly (readonly string[])[];
  /** Roles of which the caller needs at least one; `[]` means no role is required. */
  readonly roles: readonly string[];
  /** Upstream credentials: alternatives (OR) of security scheme names (AND). `[]` means none are sent. */
  readonly upstreamSecurity: readonly (readonly string[])[];
  /** Base URL for this operation when the spec overrides the document's servers. */
  readonly baseUrl?: string;
  /**
   * Headers sent on every call (the portcullis config's `upstream.headers`), as `[name, value]` pairs: the same on
   * every tool, set before the upstream credentials, which always win. Absent when there are none.
   */
  readonly fixedHeaders?: readonly (readonly [string, string])[];
  /** JSON pointer of the operation in the spec, for error messages and audit. */
  readonly source: string;
}

/**
 * Field names a fixed header may never have: the ones that carry credentials (Authorization, Proxy-Authorization,
 * Cookie), hop-by-hop fields (RFC 9110 §7.6.1) and the ones that frame the message or its body (Host, Content-Length,
 * Transfer-Encoding, Content-Type, Content-Encoding; RFC 9110 §7.2, §8.3, §8.4, §8.6; RFC 9112 §6.1), all lower case.
 */
export const FIXED_HEADER_FORBIDDEN: readonly string[] = [
  'authorization', 'connection', 'content-encoding', 'content-length', 'content-type', 'cookie', 'expect', 'host',
  'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding',
  'upgrade',
];

/** How the server authenticates to the upstream API for one security scheme of the spec. */
export type UpstreamSchemeDefinition = {
  /** Scheme name as in the spec. */
  readonly name: string;
  /** Prefix of its environment variables, e.g. `UPSTREAM_PETSTORE_AUTH`. */
  readonly envPrefix: string;
} & (
  | { readonly type: 'apiKey'; readonly in: 'header' | 'query' | 'cookie'; readonly parameterName: string }
  | { readonly type: 'basic' }
  | { readonly type: 'bearer' }
  | { readonly type: 'oauth2ClientCredentials'; readonly tokenUrl: string; readonly scopes: readonly string[] }
  | { readonly type: 'oauth2Token' }
  | { readonly type: 'unsupported'; readonly reason: string }
);

export interface ServerDefinition {
  /** Machine name (package name). */
  readonly name: string;
  /** The API's title. */
  readonly title: string;
  readonly version: string;
  readonly description?: string;
  /** Base URL from the spec's first server with variables at their defaults; `UPSTREAM_BASE_URL` overrides. */
  readonly baseUrl?: string;
  readonly securitySchemes: Readonly<Record<string, UpstreamSchemeDefinition>>;
  /** Every scope any tool requires, sorted: the metadata's `scopes_supported` (never `offline_access`). */
  readonly scopes: readonly string[];
  /**
   * Scope hierarchy from the config: a broader scope → every narrower scope it implies (transitively closed,
   * sorted). A token holding the broader scope satisfies requirements of the narrower ones.
   */
  readonly impliedScopes: Readonly<Record<string, readonly string[]>>;
  /** Every role any tool requires, sorted. */
  readonly roles: readonly string[];
  /** Shared JSON Schema definitions, referenced from tools as `#/$defs/<name>`. */
  readonly definitions: Readonly<Record<string, JsonSchema>>;
  readonly tools: readonly ToolDefinition[];
  /**
   * TOOL_MODE's default, from the portcullis config's `toolMode` (the TOOL_MODE variable overrides it); absent: `auto`.
   * Discovery (search_tools, describe_tool, call_tool) answers clients that cap tools/list at 40 to 128 tools.
   */
  readonly toolMode?: ToolMode;
}
