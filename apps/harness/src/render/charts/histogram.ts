import hdr from 'hdr-histogram-js';

/**
 * The runs' encoded latency histograms as one. The report's only HDR decoding; its settings repeat
 * the codec's (analysis/histogram.ts), so this whole file gives way to the shared codec's
 * mergeHistograms, which has this signature.
 */
export function mergeHistograms(encoded: readonly string[]) {
  const merged = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  for (const run of encoded) merged.add(hdr.decodeFromCompressedBase64(run));
  return merged;
}
