/** A metric over repeated runs: the median with its spread, and every run's value. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: [] };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: [...values] };
}

/** a / b with the widest spread the two ranges allow (min over max, max over min). */
export function ratio(a: Summary, b: Summary): Summary {
  return {
    median: a.median / b.median,
    min: a.min / b.max,
    max: a.max / b.min,
    runs: a.runs.map((value, i) => value / (b.runs[i] ?? Number.NaN)),
  };
}

/** Signed relative difference of measured from expected: 0.03 means 3% above. */
export function relativeDifference(measured: number, expected: number): number {
  if (expected === 0) return measured === 0 ? 0 : Number.POSITIVE_INFINITY;
  return measured / expected - 1;
}

/** True when the two summaries' [min, max] ranges overlap, i.e. the runs cannot tell them apart. */
export function overlaps(a: Summary, b: Summary): boolean {
  return a.min <= b.max && b.min <= a.max;
}
