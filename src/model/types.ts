/**
 * The typed model between `normalize` and `emit`: what the emitted server will expose, and who may call what.
 * Templates, the emitter and tests consume this and nothing else. It holds data, never rendered code.
 */
import type { BindingModel } from './bindings.js';
import type { ConsentModel } from './consent.js';
import type {
  BodyDefinition,
  HttpMethod,
  JsonSchema,
  ParameterDefinition,
  ToolAnnotations,
  UpstreamSchemeDefinition,
} from '../../templates/runtime/definition.js';

export type { HttpMethod, JsonSchema };

/** One scheme of a security requirement, with the scopes it lists. */
export interface SchemeUseModel {
  readonly scheme: string;
  readonly scopes: readonly string[];
}

/**
 * The effective security of one tool.
 * @see https://spec.openapis.org/oas/v3.1.0#security-requirement-object (list = OR, object = AND)
 */
export interface SecurityModel {
  /** The requirement objects in force (operation-level, else document-level), as written. */
  readonly requirements: readonly (readonly SchemeUseModel[])[];
  /**
   * What the caller needs: alternatives (OR) of scope sets (AND), each sorted, duplicates removed.
   * `[]` when the tool is public: no security, `security: []`, or an alternative that asks no scope of the caller
   * (only OAuth2 and OpenID Connect schemes carry caller scopes).
   */
  readonly scopes: readonly (readonly string[])[];
  /**
   * Where `scopes` came from: the spec's `security`, `x-mcp-scopes`, a config `scopes.require` rule (`rule`), a
   * public opt-in (`x-mcp-public: true` or the config's `public` selector: public on purpose), or nowhere.
   */
  readonly scopesFrom: 'spec' | 'x-mcp-scopes' | 'config' | 'public' | 'none';
  /** 1-based index of the `scopes.require` rule, when `scopesFrom` is `config`. */
  readonly rule?: number;
  /** Pointer to the security list in force, or the operation when none. */
  readonly source: string;
}

export interface ToolModel {
  readonly name: string;
  readonly operationId?: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly tags: readonly string[];
  readonly summary?: string;
  readonly description: string;
  readonly deprecated: boolean;
  readonly annotations: ToolAnnotations;
  /** Top-level `type: object` JSON Schema (2020-12) of the arguments, referencing shared definitions via `#/$defs/`. */
  readonly inputSchema: JsonSchema;
  /** Names of the shared definitions reachable from `inputSchema`, sorted. */
  readonly definitions: readonly string[];
  readonly parameters: readonly ParameterDefinition[];
  readonly body?: BodyDefinition;
  /** Arguments filled from the caller's claims (x-mcp-bind, config `bind`), sorted; absent from `inputSchema`. */
  readonly bindings: readonly BindingModel[];
  /** With bindings: the schema including the bound arguments, which calls are validated against once they are filled. */
  readonly boundInputSchema?: JsonSchema;
  /** With bindings: the shared definitions `boundInputSchema` reaches, sorted. */
  readonly boundDefinitions?: readonly string[];
  readonly security: SecurityModel;
  /** Roles of which the caller needs at least one (`x-mcp-roles` and config), sorted. */
  readonly roles: readonly string[];
  /** Upstream credential alternatives: scheme names per requirement object that this server can satisfy. */
  readonly upstreamSecurity: readonly (readonly string[])[];
  /** Set when `upstreamSecurity` comes from the config's `upstream.security` (the operation declares none). */
  readonly upstreamSecurityFrom?: 'config';
  readonly baseUrl?: string;
  /** Set when the user must approve each call (DELETE default, `x-mcp-confirm`, config `confirm`). */
  readonly consent?: ConsentModel;
  readonly source: string;
}

/** An operation left out because it ended up with neither scopes nor roles (config `unprotected: exclude`). */
export interface ExcludedToolModel {
  readonly name: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly source: string;
}

export interface ScopeModel {
  readonly name: string;
  readonly description?: string;
  /** Schemes that declare it. */
  readonly schemes: readonly string[];
}

export interface ServerModel {
  /** Package name of the emitted project. */
  readonly name: string;
  readonly title: string;
  readonly version: string;
  readonly description?: string;
  readonly baseUrl?: string;
  /** Headers sent on every upstream call (config `upstream.headers`), `[name, value]` in the config's order. */
  readonly fixedHeaders: readonly (readonly [string, string])[];
  /** Upstream security schemes, by name, sorted. */
  readonly securitySchemes: readonly UpstreamSchemeDefinition[];
  /** Every scope some tool requires, sorted. */
  readonly scopes: readonly ScopeModel[];
  /** Scope hierarchy: a broader scope → every scope it implies (transitively closed, sorted). */
  readonly impliedScopes: Readonly<Record<string, readonly string[]>>;
  /** Every role some tool requires, sorted. */
  readonly roles: readonly string[];
  /** Shared JSON Schema definitions by name. */
  readonly definitions: Readonly<Record<string, JsonSchema>>;
  /** Tools in document order. */
  readonly tools: readonly ToolModel[];
  /** Operations `unprotected: exclude` left out, in document order (for the generate summary). */
  readonly excluded: readonly ExcludedToolModel[];
}
