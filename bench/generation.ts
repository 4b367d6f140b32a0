/**
 * Generation benchmark: portcullis against its most used peer, openapi-mcp-generator, on the same specs in the same
 * run. Every measurement is a fresh child process writing into a fresh temporary folder, so wall time includes Node
 * start-up and module loading (as a user sees it) and peak RSS belongs to that one run.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { measureNode, type RssMethod, type RunResult } from './measure.js';
import { ROOT, type BenchSpec } from './specs.js';

export interface GeneratorTool {
  readonly name: 'portcullis' | 'peer';
  /** Name and version, for the report. */
  readonly label: string;
  /** Node arguments that generate `spec` into `outDir`. */
  args(spec: string, outDir: string): string[];
}

export interface Measurement {
  readonly spec: BenchSpec;
  readonly operations: number;
  readonly tool: GeneratorTool;
  /** Measured runs (warm-up runs excluded); stops at the first failure. */
  readonly runs: readonly RunResult[];
  /** The failed run, when one failed. */
  readonly failure?: RunResult;
}

export interface BenchOptions {
  readonly runs: number;
  readonly warmup: number;
  readonly timeoutMs: number;
  readonly method: RssMethod;
  readonly log: (line: string) => void;
}

export function generatorTools(): GeneratorTool[] {
  const require = createRequire(import.meta.url);
  const peerPackage = require.resolve('openapi-mcp-generator/package.json');
  const peerVersion = (require(peerPackage) as { version: string }).version;
  const peerBin = join(peerPackage, '..', 'bin', 'openapi-mcp-generator.js');
  const ownVersion = (require(join(ROOT, 'package.json')) as { version: string }).version;
  return [
    {
      name: 'portcullis',
      label: `portcullis ${ownVersion}`,
      args: (spec, outDir) => [join(ROOT, 'bin', 'portcullis.cjs'), 'generate', spec, '--out', outDir, '--quiet'],
    },
    {
      name: 'peer',
      label: `openapi-mcp-generator ${peerVersion}`,
      args: (spec, outDir) => [peerBin, '--input', spec, '--output', outDir, '--force'],
    },
  ];
}

/**
 * Measures every tool on `spec`. Runs alternate between the tools round by round (warm-up rounds first, discarded),
 * so drift in machine load hits both alike. A tool that fails is not run again on that spec.
 */
export async function benchSpec(spec: BenchSpec, operations: number, tools: readonly GeneratorTool[], options: BenchOptions): Promise<Measurement[]> {
  const state = tools.map((tool) => ({ tool, runs: [] as RunResult[], failure: undefined as RunResult | undefined }));
  const rounds = options.warmup + options.runs;
  for (let round = 0; round < rounds; round++) {
    const warm = round < options.warmup;
    for (const entry of state) {
      if (entry.failure) continue;
      const result = await generateOnce(entry.tool, spec, options);
      const tag = `${spec.name} ${entry.tool.name} ${warm ? 'warm-up' : `run ${round - options.warmup + 1}/${options.runs}`}`;
      if (!result.ok) {
        entry.failure = result;
        options.log(`${tag}: FAILED (${result.exit}) after ${Math.round(result.ms)} ms`);
        continue;
      }
      options.log(`${tag}: ${Math.round(result.ms)} ms, ${formatMiB(result.rssKiB)} MiB`);
      if (!warm) entry.runs.push(result);
    }
  }
  return state.map(({ tool, runs, failure }) => ({ spec, operations, tool, runs, ...(failure ? { failure } : {}) }));
}

/**
 * A fresh folder for one run's output, under .bench/generation/ in the repository: where a project would live, not in
 * the OS temp folder, whose state is not the tools' (on the bench machine, a /tmp crowded by earlier test runs made
 * each file written there 5–8× slower: for both tools, but in proportion to how many files each writes).
 */
export function runFolder(prefix: string): string {
  const parent = join(ROOT, '.bench', 'generation');
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(join(parent, `${prefix}-`));
}

/** One run into a fresh folder; a run that exits 0 but writes nothing counts as failed. */
async function generateOnce(tool: GeneratorTool, spec: BenchSpec, options: BenchOptions): Promise<RunResult> {
  const scratch = runFolder(tool.name);
  const outDir = join(scratch, 'out');
  try {
    const result = await measureNode(tool.args(spec.path, outDir), { method: options.method, cwd: ROOT, timeoutMs: options.timeoutMs });
    if (result.ok && (!existsSync(outDir) || readdirSync(outDir).length === 0)) {
      return { ...result, ok: false, exit: '0, but wrote nothing', output: `exited 0 but wrote nothing into the output folder\n${result.output}` };
    }
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function formatMiB(kib: number | undefined): string {
  return kib === undefined ? '?' : (kib / 1024).toFixed(0);
}
