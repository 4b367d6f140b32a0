/**
 * Per-stage time of portcullis runs: without --quiet the CLI prints `<stage> <summary> (<n> ms)` on stderr for
 * each stage. Whatever the wall time has beyond the stages is Node start-up, module loading and exit.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { median, runFolder, type GeneratorTool } from './generation.js';
import { measureNode, type RssMethod } from './measure.js';
import { ROOT, type BenchSpec } from './specs.js';

export interface StageTiming {
  readonly stage: string;
  readonly summary: string;
  readonly ms: number;
}

export interface StageRun {
  readonly spec: BenchSpec;
  readonly ok: boolean;
  /** How many runs the figures are the median of. */
  readonly runs: number;
  readonly wallMs: number;
  readonly stages: readonly StageTiming[];
  /** First lines of the output when the run failed. */
  readonly output: string;
}

const STAGE_LINE = /^(\w+)\s+(.*?)\s*\((\d+(?:\.\d+)?) ms\)\s*$/;

/** Runs portcullis `count` times on `spec` without --quiet; each stage's time and the wall time are medians. */
export async function portcullisStages(
  tool: GeneratorTool,
  spec: BenchSpec,
  options: { method: RssMethod; timeoutMs: number; count: number },
): Promise<StageRun> {
  const runs: { wallMs: number; stages: StageTiming[] }[] = [];
  for (let i = 0; i < options.count; i++) {
    const scratch = runFolder('stages');
    try {
      const args = tool.args(spec.path, join(scratch, 'out')).filter((arg) => arg !== '--quiet');
      const result = await measureNode(args, { method: options.method, cwd: ROOT, timeoutMs: options.timeoutMs });
      const stages = parseStages(result.output);
      if (!result.ok) return { spec, ok: false, runs: i, wallMs: result.ms, stages, output: result.output };
      runs.push({ wallMs: result.ms, stages });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const names = [...new Set(runs.flatMap((run) => run.stages.map((s) => s.stage)))];
  const stages = names.map((stage) => {
    const seen = runs.map((run) => run.stages.find((s) => s.stage === stage)).filter((s): s is StageTiming => s !== undefined);
    return { stage, summary: seen[0]!.summary, ms: median(seen.map((s) => s.ms)) };
  });
  return { spec, ok: true, runs: runs.length, wallMs: median(runs.map((run) => run.wallMs)), stages, output: '' };
}

export function parseStages(output: string): StageTiming[] {
  const stages: StageTiming[] = [];
  for (const line of output.split('\n')) {
    const match = STAGE_LINE.exec(line);
    if (match) stages.push({ stage: match[1]!, summary: match[2]!, ms: Number(match[3]) });
  }
  return stages;
}
