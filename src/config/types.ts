/** The portcullis config file (`--config`): which operations become tools, and who may call them. */
import type { HttpMethod } from '../shared/http-method.js';

/** Picks operations: an operation matches when any listed tag, operationId, path pattern or method matches. */
export interface OperationSelector {
  readonly tags?: readonly string[];
  readonly operations?: readonly string[];
  /** Path templates as written in the spec; `*` matches one segment, `**` any number of segments. */
  readonly paths?: readonly string[];
  readonly methods?: readonly HttpMethod[];
}

/** `x-mcp-scopes` shape: `[a, b]` all of them; `[[a], [b, c]]` any one of the lists. */
export type ScopeRequirement = readonly string[] | readonly (readonly string[])[];

/**
 * One `scopes.require` rule: the operations its selector matches (or every operation with `all: true`) need
 * `scopes`. Without `override` it only fills in for operations the spec leaves without caller scopes.
 */
export interface ScopeRule extends OperationSelector {
  readonly scopes: ScopeRequirement;
  readonly all?: boolean;
  readonly override?: boolean;
}

/**
 * How the emitted server offers tools by default (its TOOL_MODE setting overrides it): one MCP tool per operation, the
 * three discovery meta-tools, or `auto` (discovery for a caller who may use more than TOOL_MODE_THRESHOLD tools).
 */
export type ToolModeConfig = 'direct' | 'discovery' | 'auto';

/** What happens to an operation that ends up with neither scopes nor roles (and is not public on purpose). */
export type UnprotectedMode = 'expose' | 'exclude' | 'error';

/**
 * A Security Scheme Object in OpenAPI 3 vocabulary, for an API whose description declares none: how this server
 * authenticates upstream (never what it asks of its callers).
 * @see https://spec.openapis.org/oas/v3.1.0#security-scheme-object
 */
export type UpstreamSchemeConfig = { readonly description?: string } & (
  | { readonly type: 'apiKey'; readonly in: 'header' | 'query' | 'cookie'; readonly name: string }
  | { readonly type: 'http'; readonly scheme: 'basic' | 'bearer'; readonly bearerFormat?: string }
  | {
      readonly type: 'oauth2';
      readonly flows: { readonly clientCredentials: { readonly tokenUrl: string; readonly scopes?: Readonly<Record<string, string>> } };
    }
);

/** How the emitted server authenticates to the API when the spec does not say, and the headers it always sends. */
export interface UpstreamConfig {
  /** Scheme name → Security Scheme Object; names must not clash with the spec's schemes. */
  readonly securitySchemes?: Readonly<Record<string, UpstreamSchemeConfig>>;
  /**
   * Security Requirement Objects (list = any one, object = all of), naming schemes of the spec or of
   * `securitySchemes`, applied to operations that declare no `security` (neither operation- nor document-level).
   */
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  /** Header name → value, sent on every upstream call; a header parameter of that name is no tool argument. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * One `bind` entry in its long form: the claim path, and a selector narrowing the operations it applies to (every
 * operation where the name occurs when there is none; each kind of criterion must match, like `scopes.require`).
 */
export interface BindRule extends OperationSelector {
  readonly claim: string;
}

/**
 * `confirm`: which tools need the user's consent besides DELETE operations and `x-mcp-confirm: true` (any listed tag,
 * operationId, path pattern or method selects an operation), and which arguments the question shows.
 */
export interface ConfirmConfig extends OperationSelector {
  /** operationId (or tool name) → the tool arguments the question shows, in order (default: the path parameters). */
  readonly arguments?: Readonly<Record<string, readonly string[]>>;
  /** `false`: DELETE operations need consent only when selected or marked `x-mcp-confirm: true` (default true). */
  readonly deletes?: boolean;
}

export interface PortcullisConfig {
  /** Package name of the emitted project. */
  readonly name?: string;
  /** When present, only matching operations become tools. */
  readonly include?: OperationSelector;
  /** Matching operations never become tools (applied after `include`). */
  readonly exclude?: OperationSelector;
  /** Role name → the operations that require it (a tool with roles requires at least one of them). */
  readonly roles?: Readonly<Record<string, OperationSelector>>;
  readonly scopes?: {
    /** Upstream scope name → the name this server uses for it. */
    readonly rename?: Readonly<Record<string, string>>;
    /** A broader scope → the narrower scopes it implies. */
    readonly implies?: Readonly<Record<string, readonly string[]>>;
    /** Ordered rules; the first that applies to an operation sets its scopes. */
    readonly require?: readonly ScopeRule[];
  };
  /** Default `expose` (with a warning for operations that change data). */
  readonly unprotected?: UnprotectedMode;
  /** Operations that are public on purpose (like `x-mcp-public: true`): kept, never warned about. */
  readonly public?: OperationSelector;
  /** Upstream authentication for specs that declare none, and fixed headers. */
  readonly upstream?: UpstreamConfig;
  /**
   * Parameter or top-level JSON body property name → the claim path its value is taken from (like `x-mcp-bind`),
   * wherever the name occurs, or a BindRule narrowing it to some operations. Wins over the spec's `x-mcp-bind`.
   */
  readonly bind?: Readonly<Record<string, string | BindRule>>;
  /** Tools that need the user's consent before each call, beyond DELETE operations and `x-mcp-confirm`. */
  readonly confirm?: ConfirmConfig;
  /** Object-level policies in Cedar (policies/*.cedar of the emitted project). */
  readonly policies?: PoliciesConfig;
  /** TOOL_MODE's default in the emitted project (absent: `auto`); the TOOL_MODE variable still overrides it. */
  readonly toolMode?: ToolModeConfig;
}

/** What the Cedar schema of the emitted project offers policies beyond the caller's sub, client_id, roles and scopes. */
export interface PoliciesConfig {
  /** Claim paths (read like OAUTH_ROLES_CLAIM: literal name first, then dotted path) offered as `principal.claims["<path>"]`, each a String. */
  readonly claims?: readonly string[];
}

export const EMPTY_CONFIG: PortcullisConfig = {};
