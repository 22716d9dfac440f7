import { mergeHistograms } from '../../results/histogram.js';
import type { ScenarioResult, ServerResult } from '../../results/results.js';
import { type ChartSpec, type Colours, type Dataset, scatter } from './spec.js';

/** The quantiles drawn, each at x = 1 / (1 − q), so a log axis spreads the tail the way HDR plots do. */
const SPECTRUM = [0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999];

/** Percentile points of every valid run's histogram, merged. */
export function spectrum(result: ServerResult): { x: number; y: number; percentile: number }[] {
  const encoded = result.runs.filter((r) => r.valid && r.latencyHistogram).map((r) => r.latencyHistogram as string);
  if (encoded.length === 0) return [];
  const merged = mergeHistograms(encoded);
  if (merged.totalCount === 0) return [];
  return SPECTRUM.map((q) => ({ x: 1 / (1 - q), y: merged.getValueAtPercentile(q * 100) / 1000, percentile: q * 100 }));
}

/** Each server's latency by percentile, on log axes; none when no server had a valid run with a histogram. */
export function spectrumChart(scenario: ScenarioResult, colour: Colours): ChartSpec | undefined {
  const datasets: Dataset[] = scenario.results
    .map((r) => ({ r, points: spectrum(r) }))
    .filter(({ points }) => points.length > 0)
    .map(({ r, points }) => ({
      label: r.server,
      data: points.map(({ x, y }) => ({ x, y })),
      borderColor: colour.get(r.server),
      backgroundColor: colour.get(r.server),
      showLine: true,
    }));
  if (datasets.length === 0) return undefined;
  const openLoop = scenario.kind === 'open-loop';
  return {
    id: `chart-spectrum-${scenario.id}`,
    kind: 'spectrum',
    section: scenario.id,
    title: `${scenario.id}: latency by percentile`,
    caption: openLoop
      ? 'Latency of /fast from its planned send time, all valid runs merged. x = 1/(1 − q): 2 is p50, 10 is p90, 100 is p99, 1,000 is p99.9, 10,000 is p99.99.'
      : 'Latency of every answer after the warm-up, all valid runs merged. x = 1/(1 − q): 2 is p50, 10 is p90, 100 is p99, 1,000 is p99.9, 10,000 is p99.99.',
    config: scatter(datasets, {
      x: { type: 'logarithmic', min: 1, max: 10_000, percentileAxis: true, title: { display: true, text: 'percentile' } },
      y: { type: 'logarithmic', title: { display: true, text: 'latency (ms, log)' } },
    }),
  };
}
