/**
 * Per-stage time of one portcullis run: without --quiet the CLI prints `<stage> <summary> (<n> ms)` on stderr for
 * each stage. Whatever the wall time has beyond the stages is Node start-up, module loading and exit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GeneratorTool } from './generation.js';
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
  readonly wallMs: number;
  readonly stages: readonly StageTiming[];
  /** First lines of the output when the run failed. */
  readonly output: string;
}

const STAGE_LINE = /^(\w+)\s+(.*?)\s*\((\d+(?:\.\d+)?) ms\)\s*$/;

export async function portcullisStages(tool: GeneratorTool, spec: BenchSpec, options: { method: RssMethod; timeoutMs: number }): Promise<StageRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'portcullis-bench-stages-'));
  try {
    const args = tool.args(spec.path, join(scratch, 'out')).filter((arg) => arg !== '--quiet');
    const result = await measureNode(args, { method: options.method, cwd: ROOT, timeoutMs: options.timeoutMs });
    return { spec, ok: result.ok, wallMs: result.ms, stages: parseStages(result.output), output: result.output };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function parseStages(output: string): StageTiming[] {
  const stages: StageTiming[] = [];
  for (const line of output.split('\n')) {
    const match = STAGE_LINE.exec(line);
    if (match) stages.push({ stage: match[1]!, summary: match[2]!, ms: Number(match[3]) });
  }
  return stages;
}
