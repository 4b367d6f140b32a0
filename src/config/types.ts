/** The portcullis config file (`--config`): which operations become tools, and who may call them. */

export type MethodName = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'OPTIONS' | 'HEAD' | 'PATCH' | 'TRACE';

/** Picks operations: an operation matches when any listed tag, operationId, path pattern or method matches. */
export interface OperationSelector {
  readonly tags?: readonly string[];
  readonly operations?: readonly string[];
  /** Path templates as written in the spec; `*` matches one segment, `**` any number of segments. */
  readonly paths?: readonly string[];
  readonly methods?: readonly MethodName[];
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
  };
}

export const EMPTY_CONFIG: PortcullisConfig = {};
