/**
 * The benchmark harness: every benchmark reports rows of (figure, baseline measured in the
 * same run, ratio, target), and `run.ts` prints them as one table. Figures are medians over
 * several repetitions, with the spread (min..max) beside them, never single timings.
 */

export interface Target {
  /** The figure must be at least this multiple of the baseline. */
  readonly minRatio?: number;
  /** The figure must be at least this (for benchmarks without a baseline; "higher is better"). */
  readonly min?: number;
  /** The figure must be at most this ("lower is better", e.g. peak memory). */
  readonly max?: number;
}

export interface Sample {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface BenchRow {
  readonly name: string;
  readonly unit: string;
  readonly value: Sample;
  readonly baseline?: { readonly name: string; readonly value: Sample };
  readonly target?: Target;
  /** Shown in place of a verdict when a row could not be measured here (e.g. a missing tool). */
  readonly note?: string;
}

export interface Benchmark {
  readonly name: string;
  run(): Promise<readonly BenchRow[]> | readonly BenchRow[];
}

/** Summarises repeated measurements: median and range. */
export function sample(values: readonly number[]): Sample {
  if (values.length === 0) throw new Error("sample() needs at least one value");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** Wall time of `fn` in seconds, host clock (benchmarks only; the simulation never reads it). */
export function timeIt(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Runs `fn` `runs` times after one warm-up and returns a rate (work / second) sample. */
export function rate(work: number, fn: () => void, runs = 5): Sample {
  fn();
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) rates.push(work / timeIt(fn));
  return sample(rates);
}

export type Verdict = "met" | "MISSED" | "n/a";

export function verdict(row: BenchRow): Verdict {
  const t = row.target;
  if (t === undefined || row.note !== undefined) return "n/a";
  const v = row.value.median;
  if (t.minRatio !== undefined) {
    if (row.baseline === undefined) return "n/a";
    if (v / row.baseline.value.median < t.minRatio) return "MISSED";
  }
  if (t.min !== undefined && v < t.min) return "MISSED";
  if (t.max !== undefined && v > t.max) return "MISSED";
  return "met";
}
