/** Benchmark settings from the environment: a malformed value is reported and the default used. */

/** The integer in `process.env[name]` (≥ 1, or ≥ 0 with `allowZero`), else `fallback`. */
export function positiveInt(name: string, fallback: number, log: (line: string) => void, allowZero = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    log(`${name}=${raw} is not a ${allowZero ? 'non-negative' : 'positive'} integer; using ${fallback}`);
    return fallback;
  }
  return value;
}
