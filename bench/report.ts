/** Markdown for the generation benchmark: the side-by-side table and portcullis's per-stage breakdown. */
import { formatMiB, median, type Measurement } from './generation.js';
import type { StageRun } from './stages.js';

const FAILURE_LINES = 3;

export function comparisonTable(measurements: readonly Measurement[]): string {
  const rows = [
    '| spec | operations | tool | median ms | min ms | median CPU ms | peak RSS (MiB) | time portcullis/peer | CPU portcullis/peer | RSS portcullis/peer | notes |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const m of measurements) {
    const peer = m.tool.name === 'portcullis' ? measurements.find((o) => o.spec === m.spec && o.tool.name === 'peer') : undefined;
    const own = summarize(m);
    const other = peer ? summarize(peer) : undefined;
    const notes = m.failure ? `**failed** (exit ${m.failure.exit}): ${firstLines(m.failure.output)}` : `${m.runs.length} run${m.runs.length === 1 ? '' : 's'}`;
    const cells = [
      m.spec.name,
      String(m.operations),
      m.tool.label,
      own ? String(Math.round(own.median)) : '—',
      own ? String(Math.round(own.min)) : '—',
      own?.cpuMs !== undefined ? String(Math.round(own.cpuMs)) : '—',
      own ? formatMiB(own.peakKiB) : '—',
      ratio(own?.median, other?.median),
      ratio(own?.cpuMs, other?.cpuMs),
      ratio(own?.peakKiB, other?.peakKiB),
      cell(notes),
    ];
    rows.push(`| ${cells.join(' | ')} |`);
  }
  return rows.join('\n');
}

/** One line per spec: whether portcullis is no slower and no hungrier than the peer there. */
export function verdicts(measurements: readonly Measurement[]): string[] {
  const lines: string[] = [];
  for (const own of measurements.filter((m) => m.tool.name === 'portcullis')) {
    const peer = measurements.find((o) => o.spec === own.spec && o.tool.name === 'peer');
    const a = summarize(own);
    const b = peer ? summarize(peer) : undefined;
    if (!a || !b) {
      lines.push(`- ${own.spec.name}: no comparison (${!a ? 'portcullis' : 'the peer'} failed)`);
      continue;
    }
    const faster = a.median <= b.median;
    const leaner = a.peakKiB !== undefined && b.peakKiB !== undefined ? a.peakKiB <= b.peakKiB : undefined;
    const met = faster && leaner === true;
    lines.push(
      `- ${own.spec.name}: ${met ? 'target met' : 'target NOT met'} — ${faster ? 'no slower' : `${ratio(a.median, b.median)} the time`}, ${
        leaner === undefined ? 'memory unknown' : leaner ? 'no hungrier' : `${ratio(a.peakKiB, b.peakKiB)} the memory`
      }`,
    );
  }
  return lines;
}

export function stageTable(runs: readonly StageRun[]): string {
  const names: string[] = [];
  for (const run of runs) for (const { stage } of run.stages) if (!names.includes(stage)) names.push(stage);
  const header = ['spec', ...names.map((name) => `${name} ms`), 'sum of stages ms', 'wall ms', 'outside stages ms (start-up, imports, exit)'];
  const rows = [`| ${header.join(' | ')} |`, `| --- |${' ---: |'.repeat(header.length - 1)}`];
  for (const run of runs) {
    if (!run.ok) {
      rows.push(`| ${run.spec.name} | ${cell(`**failed**: ${firstLines(run.output)}`)} |${' |'.repeat(names.length + 2)}`);
      continue;
    }
    const sum = run.stages.reduce((total, s) => total + s.ms, 0);
    const cells = names.map((name) => {
      const s = run.stages.find((t) => t.stage === name);
      return s ? String(Math.round(s.ms)) : '—';
    });
    rows.push(`| ${run.spec.name} | ${cells.join(' | ')} | ${Math.round(sum)} | ${Math.round(run.wallMs)} | ${Math.round(run.wallMs - sum)} |`);
  }
  return rows.join('\n');
}

interface Summary {
  readonly median: number;
  readonly min: number;
  readonly cpuMs: number | undefined;
  readonly peakKiB: number | undefined;
}

function summarize(m: Measurement): Summary | undefined {
  if (m.runs.length === 0) return undefined;
  const ms = m.runs.map((r) => r.ms);
  const cpu = m.runs.map((r) => r.cpuMs).filter((v): v is number => v !== undefined);
  const rss = m.runs.map((r) => r.rssKiB).filter((v): v is number => v !== undefined);
  return {
    median: median(ms),
    min: Math.min(...ms),
    cpuMs: cpu.length > 0 ? median(cpu) : undefined,
    peakKiB: rss.length > 0 ? Math.max(...rss) : undefined,
  };
}

/** `a / b` as `1.23×`, or nothing when either is unknown. */
function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined ? '' : `${(a / b).toFixed(2)}×`;
}

function firstLines(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length === 0 ? '(no output)' : lines.slice(0, FAILURE_LINES).join(' / ');
}

/** Text safe inside one Markdown table cell. */
function cell(text: string): string {
  const flat = text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}
