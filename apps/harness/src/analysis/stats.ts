import type { Summary } from '../results/results.js';

/** A metric over repeated runs: the median with its spread, and every run's value (results.json holds them). */
export type { Summary };

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

/**
 * A result's median of one metric; undefined where the metric was not measured. Typed by shape, so
 * stats needs no import of the results it summarises.
 */
export function medianOf<M extends string>(
  result: { metrics: Partial<Record<M, Summary>> } | undefined,
  metric: NoInfer<M>,
): number | undefined {
  return result?.metrics[metric]?.median;
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

/** A confidence interval of a relative change: −0.031 … 0.024 is −3.1% … +2.4%. */
export interface Interval {
  low: number;
  high: number;
}

export interface BootstrapOptions {
  /** How many resamples of each side; 10,000 keeps the interval's ends steady to about ±0.5 points. */
  resamples: number;
  /** Two-sided, e.g. 0.95: the interval runs from the 2.5th to the 97.5th percentile. */
  confidence: number;
  /** Uniform in [0, 1), seeded, so the same runs always give the same interval. */
  random: () => number;
}

/**
 * Percentile bootstrap interval of the relative change of the median, after.median / before.median − 1:
 * each resample draws each side's runs with replacement, independently, and takes the change of the
 * two medians. With 3 runs a side the interval is the ratio of the two [min, max] ranges (each
 * extreme median comes up 7 times in 27), so it only narrows from about 5 runs on.
 */
export function bootstrapMedianChange(before: readonly number[], after: readonly number[], options: BootstrapOptions): Interval {
  if (before.length === 0 || after.length === 0) return { low: Number.NaN, high: Number.NaN };
  const sortedBefore = Float64Array.from(before).sort();
  const sortedAfter = Float64Array.from(after).sort();
  const countsBefore = new Int32Array(before.length);
  const countsAfter = new Int32Array(after.length);
  const changes = new Float64Array(options.resamples);
  for (let i = 0; i < options.resamples; i++) {
    const medianBefore = resampledMedian(sortedBefore, countsBefore, options.random);
    const medianAfter = resampledMedian(sortedAfter, countsAfter, options.random);
    changes[i] = relativeDifference(medianAfter, medianBefore);
  }
  return percentileInterval(changes, options.confidence);
}

/**
 * Percentile bootstrap interval of the median of one sample (e.g. paired per-round ratios): each
 * resample draws the values with replacement and takes their median.
 */
export function bootstrapMedian(values: readonly number[], options: BootstrapOptions): Interval {
  if (values.length === 0) return { low: Number.NaN, high: Number.NaN };
  const sorted = Float64Array.from(values).sort();
  const counts = new Int32Array(values.length);
  const medians = new Float64Array(options.resamples);
  for (let i = 0; i < options.resamples; i++) medians[i] = resampledMedian(sorted, counts, options.random);
  return percentileInterval(medians, options.confidence);
}

/** The central `confidence` share of the resampled statistics. */
function percentileInterval(statistics: Float64Array, confidence: number): Interval {
  statistics.sort();
  const tail = (1 - confidence) / 2;
  const last = statistics.length - 1;
  return { low: statistics[Math.floor(last * tail)] as number, high: statistics[Math.ceil(last * (1 - tail))] as number };
}

/** The median of one resample with replacement of `sorted`, found from how often each value was drawn. */
function resampledMedian(sorted: Float64Array, counts: Int32Array, random: () => number): number {
  const n = sorted.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) (counts[Math.floor(random() * n)] as number)++;
  const lowRank = (n - 1) >> 1;
  const highRank = n >> 1;
  let seen = 0;
  let low = Number.NaN;
  for (let k = 0; k < n; k++) {
    seen += counts[k] as number;
    if (Number.isNaN(low) && seen > lowRank) low = sorted[k] as number;
    if (seen > highRank) return (low + (sorted[k] as number)) / 2;
  }
  return low;
}
