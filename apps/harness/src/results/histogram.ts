import hdr from 'hdr-histogram-js';

/**
 * The one set of HDR settings of every latency histogram in results.json: microseconds, from 1 µs
 * to 10 minutes, at 3 significant digits. Part of the file format: histograms only add when built alike.
 */
export const HDR_SETTINGS = { lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 } as const;

export type Histogram = ReturnType<typeof hdr.build>;

/** An empty latency histogram, built with HDR_SETTINGS. */
export function latencyHistogram(): Histogram {
  return hdr.build({ ...HDR_SETTINGS });
}

/** As results.json stores it: compressed, base64 (HdrHistogram's V2 encoding). */
export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded) as Histogram;
}

/** Several runs' or generators' histograms as one: counts add bucket by bucket, so every percentile is exact. */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const merged = latencyHistogram();
  for (const one of encoded) merged.add(decodeHistogram(one));
  return merged;
}

/** Why `encoded` is not a histogram results.json can hold, or undefined when it decodes. */
export function histogramProblem(encoded: string): string | undefined {
  try {
    const histogram = decodeHistogram(encoded);
    if (!(histogram.totalCount >= 0)) return 'not a compressed HDR histogram (no count)';
    return undefined;
  } catch (error) {
    return `not a compressed HDR histogram (${(error as Error).message})`;
  }
}
