import type { Results } from '../../results/results.js';

/** What a chart shows; the page marks each with data-chart="<kind>" for readers and tests. */
export type ChartKind = 'head-of-line' | 'spectrum' | 'throughput' | 'utilisation' | 'timeline' | 'loop-timeline';

/** A Chart.js configuration as plain JSON (no callbacks), ready to embed in a page. */
export interface ChartSpec {
  id: string;
  kind: ChartKind;
  /** Canvas height in px, when the default does not fit (e.g. one row per connection). */
  height?: number;
  /** The scenario whose section shows it; charts without one lead the page. */
  section?: string;
  title: string;
  /** What the chart shows, in a sentence under it. */
  caption: string;
  config: { type: string; data: { labels?: unknown[]; datasets: Dataset[] }; options: Record<string, unknown> };
}

export interface Dataset {
  label: string;
  data: unknown[];
  type?: string;
  backgroundColor?: string;
  borderColor?: string;
  [key: string]: unknown;
}

/** Every chart: drawn once (no animation), filling its figure's box. */
export const CHART_OPTIONS = { animation: false, responsive: true, maintainAspectRatio: false } as const;

/** A scatter chart (points, or lines where its datasets ask) on these axes. */
export const scatter = (datasets: Dataset[], scales: Record<string, unknown>): ChartSpec['config'] => ({
  type: 'scatter',
  data: { datasets },
  options: { ...CHART_OPTIONS, scales },
});

/** Each server's colour, the same in every chart of a report. */
export type Colours = Map<string, string>;

/** Warm and cool in turn, so the articles' pair (blocking first) is warm against cool. */
const PALETTE = ['#d1495b', '#2e86ab', '#edae49', '#00798c', '#66a182', '#8d6a9f', '#3d405b', '#e07a5f'];

/** One colour per server, in the order servers first appear in the results. */
export function colours(results: Results): Colours {
  const servers = [...new Set(results.scenarios.flatMap((s) => s.results.map((r) => r.server)))];
  return new Map(servers.map((server, i) => [server, PALETTE[i % PALETTE.length] as string]));
}
