import { encodeHistogram, type Histogram } from '../results/histogram.js';

// The codec and its one set of HDR settings are part of the file format: results/histogram.ts.

export interface LatencySummaryMs {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  count: number;
}

/** Records milliseconds (fractional) as whole microseconds. */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
}

export function summarizeHistogram(histogram: Histogram): LatencySummaryMs {
  const ms = (us: number) => us / 1000;
  if (histogram.totalCount === 0) {
    return { mean: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, p999: Number.NaN, max: Number.NaN, count: 0 };
  }
  return {
    mean: ms(histogram.mean),
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
    count: histogram.totalCount,
  };
}

/** What a load result carries of its latency histogram: the summary and the histogram itself. */
export function latencyFields(histogram: Histogram): { latencyMs: LatencySummaryMs; latencyHistogram: string } {
  return { latencyMs: summarizeHistogram(histogram), latencyHistogram: encodeHistogram(histogram) };
}
