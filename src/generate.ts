/** The pipeline, and the only place its stages meet: load ▶ normalize ▶ model ▶ emit ▶ write. */
import type { PortcullisConfig } from './config/types.js';
import { emitServer, type EmittedFile } from './emit/emit-server.js';
import { IssueCollector, SpecError, type Issue } from './errors.js';
import { loadSpec } from './load/load-spec.js';
import { buildModel } from './model/build-model.js';
import type { ServerModel } from './model/types.js';
import { normalizeSpec } from './normalize/normalize-spec.js';
import { writeFiles, type WriteResult } from './write/write-files.js';

export interface GenerateOptions {
  readonly spec: string;
  readonly config: PortcullisConfig;
  readonly name?: string;
  readonly allowRemoteRefs?: boolean;
  /** Warnings are errors: nothing is written when there are any. */
  readonly strict?: boolean;
  /** Called after each stage with a one-line summary (counts and time). */
  readonly progress?: (stage: string, summary: string, milliseconds: number) => void;
}

export interface GenerateResult {
  readonly model: ServerModel;
  readonly files: readonly EmittedFile[];
  /** Warnings found on the way (errors throw a SpecError). */
  readonly warnings: readonly Issue[];
}

/** Runs every pure stage and returns the files to write; throws SpecError with every problem found. */
export async function generateFiles(options: GenerateOptions): Promise<GenerateResult> {
  const progress = options.progress ?? (() => {});
  const timed = async <T>(stage: string, run: () => T | Promise<T>, summary: (value: T) => string): Promise<T> => {
    const start = performance.now();
    const value = await run();
    progress(stage, summary(value), performance.now() - start);
    return value;
  };

  const loaded = await timed('load', () => loadSpec(options.spec, { allowRemoteRefs: options.allowRemoteRefs ?? false }), (l) => `OpenAPI ${l.specVersion}`);
  const issues = new IssueCollector(loaded.file);
  const spec = await timed(
    'normalize',
    () => {
      const normalized = normalizeSpec(loaded);
      issues.issues.push(...normalized.issues);
      return normalized.spec;
    },
    (s) => `${s.operations.length} operations`,
  );
  issues.throwIfErrors();
  const model = await timed(
    'model',
    () => buildModel(spec, options.config, issues, { ...(options.name ? { name: options.name } : {}) }),
    (m) => `${m.tools.length} tools, ${m.scopes.length} scopes, ${Object.keys(m.definitions).length} schemas`,
  );
  issues.throwIfErrors();
  const files = await timed('emit', () => emitServer(model), (f) => `${f.length} files`);
  return { model, files, warnings: issues.warnings };
}

/** Generates and writes the server into `outDir`. */
export async function generate(options: GenerateOptions & { readonly outDir: string }): Promise<GenerateResult & { readonly write: WriteResult }> {
  const result = await generateFiles(options);
  if (options.strict && result.warnings.length > 0) {
    throw new SpecError(result.warnings.map((warning) => ({ ...warning, severity: 'error' as const })));
  }
  const start = performance.now();
  const write = await writeFiles(options.outDir, result.files);
  options.progress?.('write', `${write.written.length} written, ${write.unchanged.length} unchanged`, performance.now() - start);
  return { ...result, write };
}

