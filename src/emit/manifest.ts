/**
 * The manifest of an output folder (`portcullis.manifest.json`, itself generator-owned): who generated it from
 * what, the digest of every generator-owned file, and a summary of the model, so `write` can tell hand edits from
 * its own files and `diff` can compare against the last generation without the old spec. Pure.
 *
 * JSON files cannot carry the generated-file header; a JSON file is generator-owned when the manifest lists it.
 */
import { provenanceOf } from '../model/security.js';
import type { JsonSchema, ServerModel, ToolModel } from '../model/types.js';
import { sha256Hex } from '../shared/sha256.js';
import { bytesOf, type EmittedFile } from './emit-server.js';

export const MANIFEST_PATH = 'portcullis.manifest.json';

/** What `diff` needs to know about one tool. */
export interface ToolSummary {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  /** Alternatives (OR) of scope sets (AND); `[]`: no scope required. */
  readonly scopes: readonly (readonly string[])[];
  /** Where `scopes` came from: `spec`, `x-mcp-scopes`, `config rule n`, `public opt-in` or `none` (absent in older manifests). */
  readonly from?: string;
  /** Any one of these roles; `[]`: no role required. */
  readonly roles: readonly string[];
  /** Whether calling it may change data (not read-only). */
  readonly changesData: boolean;
  /** Argument fields (`body.name` for fields of an object argument), sorted. */
  readonly properties: readonly string[];
  /** The required ones among `properties`, sorted. */
  readonly required: readonly string[];
  /** Upstream credential alternatives (scheme names). */
  readonly upstreamSecurity: readonly (readonly string[])[];
  /** Arguments bound to claims, `field ← claim` (`body.name ← claim` for a body property), sorted; absent when none. */
  readonly bindings?: readonly string[];
  /**
   * Set when the user must approve each call: why (`DELETE default`, `x-mcp-confirm` or `config`); absent when the tool
   * asks nothing (and in manifests older than consent).
   */
  readonly consent?: string;
}

export interface ModelSummary {
  /** Upstream security schemes by name, with their type. */
  readonly securitySchemes: Readonly<Record<string, string>>;
  readonly tools: readonly ToolSummary[];
}

export interface Manifest {
  readonly generator: string;
  /** sha256 of the spec's bytes, and of the files it references (see LoadedSpec.sourceDigest). */
  readonly specDigest: string;
  /** sha256 of the effective config. */
  readonly configDigest: string;
  /** Every generator-owned file (but the manifest) → sha256 of its contents. */
  readonly files: Readonly<Record<string, string>>;
  /** Files the user owns: created once, never overwritten. */
  readonly userFiles: readonly string[];
  readonly model: ModelSummary;
}

/** `sha256:<hex>` of a text (as UTF-8) or of bytes. */
export function digestOf(data: string | Uint8Array): string {
  return `sha256:${sha256Hex(data)}`;
}

/** The manifest of `files` generated from `model`. */
export function buildManifest(
  model: ServerModel,
  files: readonly EmittedFile[],
  provenance: { readonly generator: string; readonly specDigest: string; readonly configDigest: string },
): Manifest {
  return {
    generator: provenance.generator,
    specDigest: provenance.specDigest,
    configDigest: provenance.configDigest,
    files: Object.fromEntries(files.filter((file) => file.owner === 'generator').map((file) => [file.path, digestOf(bytesOf(file))])),
    userFiles: files.filter((file) => file.owner === 'user').map((file) => file.path),
    model: summarizeModel(model),
  };
}

/** The manifest as the file written into the output folder. */
export function manifestFile(manifest: Manifest): EmittedFile {
  return { path: MANIFEST_PATH, contents: `${JSON.stringify(manifest, null, 2)}\n`, owner: 'generator' };
}

/** What `diff` compares: per tool its operation, authorization and argument fields; the upstream schemes. */
export function summarizeModel(model: ServerModel): ModelSummary {
  return {
    securitySchemes: Object.fromEntries(model.securitySchemes.map((scheme) => [scheme.name, scheme.type])),
    tools: model.tools.map((tool) => summarizeTool(tool, model.definitions)),
  };
}

function summarizeTool(tool: ToolModel, definitions: Readonly<Record<string, JsonSchema>>): ToolSummary {
  const properties: string[] = [];
  const required: string[] = [];
  const visit = (schema: JsonSchema | undefined, prefix: string, depth: number, parentRequired: boolean) => {
    const resolved = resolve(schema, definitions);
    const props = resolved?.['properties'];
    if (!props || typeof props !== 'object') return;
    const requiredHere = new Set(Array.isArray(resolved['required']) ? (resolved['required'] as string[]) : []);
    for (const [name, child] of Object.entries(props as Record<string, JsonSchema>)) {
      const field = `${prefix}${name}`;
      properties.push(field);
      if (parentRequired && requiredHere.has(name)) required.push(field);
      // One level into object arguments (the body's fields); deeper changes show as the argument's own.
      if (depth === 0) visit(child, `${field}.`, 1, parentRequired && requiredHere.has(name));
    }
  };
  visit(tool.inputSchema, '', 0, true);
  return {
    name: tool.name,
    method: tool.method,
    path: tool.path,
    scopes: tool.security.scopes,
    from: provenanceOf(tool.security),
    roles: tool.roles,
    changesData: tool.annotations.readOnlyHint !== true,
    properties: properties.sort(),
    required: required.sort(),
    upstreamSecurity: tool.upstreamSecurity,
    ...(tool.bindings.length > 0
      ? { bindings: tool.bindings.map((binding) => `${binding.property === undefined ? binding.argument : `${binding.argument}.${binding.property}`} ← ${binding.claim}`).sort() }
      : {}),
    ...(tool.consent ? { consent: tool.consent.from } : {}),
  };
}

function resolve(schema: JsonSchema | undefined, definitions: Readonly<Record<string, JsonSchema>>): JsonSchema | undefined {
  const ref = schema?.['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return schema;
  const name = decodeURIComponent(ref.slice('#/$defs/'.length)).replace(/~1/g, '/').replace(/~0/g, '~');
  // Definition names come from the spec: `__proto__` or `constructor` must not reach Object.prototype.
  return Object.hasOwn(definitions, name) ? definitions[name] : undefined;
}

/** Parses a manifest read from disk; undefined when it is missing or not one. */
export function parseManifest(text: string | undefined): Manifest | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Manifest;
    return value && typeof value.files === 'object' && Array.isArray(value.model?.tools) ? value : undefined;
  } catch {
    return undefined;
  }
}
