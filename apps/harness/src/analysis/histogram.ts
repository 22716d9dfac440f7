import hdr from 'hdr-histogram-js';

export type Histogram = ReturnType<typeof hdr.build>;

export interface LatencySummaryMs {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  count: number;
}

/** Microseconds, from 1 µs to 10 minutes, at 3 significant digits. */
export function latencyHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
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

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** What a load result carries of its latency histogram: the summary and the histogram itself. */
export function latencyFields(histogram: Histogram): { latencyMs: LatencySummaryMs; latencyHistogram: string } {
  return { latencyMs: summarizeHistogram(histogram), latencyHistogram: encodeHistogram(histogram) };
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded) as Histogram;
}

/** Several generators' histograms as one: counts add bucket by bucket, so every percentile is exact. */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const merged = latencyHistogram();
  for (const one of encoded) merged.add(decodeHistogram(one));
  return merged;
}
