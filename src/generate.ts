/** The pipeline, and the only place its stages meet: load ▶ normalize ▶ model ▶ emit ▶ write. */
import type { PortcullisConfig } from './config/types.js';
import { diffModels, type Change } from './diff/diff-models.js';
import { emitServer, type EmittedFile } from './emit/emit-server.js';
import { buildManifest, digestOf, manifestFile, type Manifest } from './emit/manifest.js';
import { ForeignOutputError, formatIssue, hasErrors, SpecError, strictWarning, WriteConflictError, type Issue, type StageResult, type WarningIssue } from './errors.js';
import { loadSpec } from './load/load-spec.js';
import { buildModel } from './model/build-model.js';
import type { ServerModel } from './model/types.js';
import { normalizeSpec } from './normalize/normalize-spec.js';
import { byText } from './shared/compare.js';
import { canonicalJson } from '../templates/runtime/canonical-json.js';
import { VERSION } from './version.js';
import { apiIdentity, foreignApi, type ApiIdentity } from './write/api-identity.js';
import { checkUserPolicies } from './write/check-policies.js';
import { checkHooks, staleHookChanges, type StaleHook } from './write/stale-hooks.js';
import { applyPlan, planWrite, type WritePlan, type WriteResult } from './write/write-files.js';

export interface GenerateOptions {
  readonly spec: string;
  readonly config: PortcullisConfig;
  readonly name?: string;
  readonly allowRemoteRefs?: boolean;
  /** Largest file read (the spec and each file it references), in bytes; loadSpec's default when absent. */
  readonly maxSpecBytes?: number;
  /** Warnings are errors: nothing is written when there are any. */
  readonly strict?: boolean;
  /** Called after each stage with a one-line summary (counts and time). */
  readonly progress?: (stage: string, summary: string, milliseconds: number) => void;
}

export interface GenerateResult {
  readonly model: ServerModel;
  /** Every file, the manifest included. */
  readonly files: readonly EmittedFile[];
  readonly manifest: Manifest & { readonly api: ApiIdentity };
  /** Warnings found on the way (errors throw a SpecError). */
  readonly warnings: readonly WarningIssue[];
}

/** Runs every pure stage and returns the files to write; throws SpecError with every problem found. */
export async function generateFiles(options: GenerateOptions): Promise<GenerateResult> {
  const progress = options.progress ?? (() => {});
  const issues: Issue[] = [];
  /** Runs a stage, reports its summary (none when it produced nothing), and adds its issues to the run's. */
  const stage = async <T>(name: string, run: () => StageResult<T> | Promise<StageResult<T>>, summary: (value: T) => string): Promise<T | undefined> => {
    const start = performance.now();
    const result = await run();
    if (result.value !== undefined) progress(name, summary(result.value), performance.now() - start);
    issues.push(...result.issues);
    return result.value;
  };

  const loadOptions = { allowRemoteRefs: options.allowRemoteRefs ?? false, ...(options.maxSpecBytes ? { maxSpecBytes: options.maxSpecBytes } : {}) };
  const loaded = await stage('load', () => loadSpec(options.spec, loadOptions), (l) => `OpenAPI ${l.specVersion}`);
  if (!loaded) throw new SpecError(issues);
  const spec = await stage('normalize', () => normalizeSpec(loaded), (s) => `${s.operations.length} operations`);
  if (!spec) throw new SpecError(uniqueIssues(issues));
  // Every problem in one run: the model stage still runs on what normalize could read (it skips the rest), so its
  // problems are reported together with normalize's rather than one stage per run.
  const normalizeFailed = hasErrors(issues);
  const model = await stage(
    'model',
    () => {
      try {
        return buildModel(spec, options.config, { specFile: loaded.file, ...(options.name ? { name: options.name } : {}) });
      } catch (error) {
        // A model stage tripping over what normalize already refused must not hide those located problems.
        if (normalizeFailed) throw new SpecError(uniqueIssues(issues));
        throw error;
      }
    },
    (m) => `${m.tools.length} tools, ${m.scopes.length} scopes, ${Object.keys(m.definitions).length} schemas`,
  );
  if (!model || hasErrors(issues)) throw new SpecError(uniqueIssues(issues));
  const start = performance.now();
  const { files, manifest } = emitProject(model, loaded.sourceDigest, options);
  progress('emit', `${files.length} files`, performance.now() - start);
  const warnings = uniqueIssues(issues).filter((issue): issue is WarningIssue => issue.severity === 'warning');
  return { model, files, manifest, warnings };
}

/** The files of the project of `model` (its manifest included, in path order) and the manifest. */
function emitProject(model: ServerModel, specDigest: string, options: GenerateOptions): Pick<GenerateResult, 'files' | 'manifest'> {
  const emitted = emitServer(model, {
    ...(options.config.policies?.claims ? { policyClaims: options.config.policies.claims } : {}),
    ...(options.config.toolMode ? { toolMode: options.config.toolMode } : {}),
  });
  const manifest: Manifest & { readonly api: ApiIdentity } = {
    ...buildManifest(model, emitted, {
      generator: `portcullis ${VERSION}`,
      specDigest,
      configDigest: digestOf(canonicalJson(options.config)),
    }),
    api: apiIdentity(model.title, options.spec),
  };
  return { files: [...emitted, manifestFile(manifest)].sort(byText((file) => file.path)), manifest };
}

/** Issues in the order the stages found them (load, normalize, model), each reported once. */
function uniqueIssues(issues: readonly Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = formatIssue(issue);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface PlannedGeneration extends GenerateResult {
  readonly plan: WritePlan;
  /** What changed since the generation recorded in the output's manifest; undefined when there is none. */
  readonly changes?: readonly Change[];
  /** Keys of `tools` in the user's src/hooks.ts that name no tool of this generation. */
  readonly staleHooks: readonly StaleHook[];
  /** `staleHooks` as security-relevant entries of the change summary. */
  readonly hookChanges: readonly Change[];
  /** Set when the output holds the server of another API and `force` was not given: writing refuses. */
  readonly foreign?: { readonly existing: ApiIdentity; readonly current: ApiIdentity };
}

/** Generates, and works out what writing into `outDir` would change (files, and tools for people); writes nothing. */
export async function planGeneration(options: GenerateOptions & { readonly outDir: string; readonly force?: boolean }): Promise<PlannedGeneration> {
  const generated = await generateFiles(options);
  const plan = await planWrite(options.outDir, generated.files, { force: options.force ?? false });
  const current = generated.manifest.api;
  const existing = options.force ? undefined : foreignApi(plan.previous, current);
  // The user's policies must hold against the new schema before anything is written (another API's are not checked).
  const policyIssues = existing ? [] : await checkUserPolicies(options.outDir, generated.files);
  if (policyIssues.length > 0) throw new SpecError(policyIssues);
  // Another API's hooks are not stale hooks of this one: the foreign-folder refusal comes first.
  const hooks = existing ? { stale: [], warnings: [] } : await checkHooks(options.outDir, generated.manifest.model.tools, plan.previous?.model.tools);
  const result = { ...generated, warnings: [...generated.warnings, ...hooks.warnings] };
  if (options.strict && result.warnings.length > 0) {
    throw new SpecError(result.warnings.map(strictWarning));
  }
  return {
    ...result,
    plan,
    staleHooks: hooks.stale,
    hookChanges: staleHookChanges(hooks.stale),
    ...(plan.previous ? { changes: diffModels(plan.previous.model, result.manifest.model) } : {}),
    ...(existing ? { foreign: { existing, current } } : {}),
  };
}

/**
 * Writes a planned generation; throws ForeignOutputError when the output holds another API's server, and
 * WriteConflictError when the plan has conflicts, writing nothing either way.
 */
export async function writePlanned(planned: PlannedGeneration): Promise<WriteResult> {
  if (planned.foreign) throw new ForeignOutputError(planned.plan.outDir, planned.foreign.existing, planned.foreign.current);
  if (planned.plan.conflicts.length > 0) throw new WriteConflictError(planned.plan.conflicts);
  return applyPlan(planned.plan);
}
