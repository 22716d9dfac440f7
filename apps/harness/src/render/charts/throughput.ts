import { medianOf } from '../../analysis/stats.js';
import type { Results } from '../../results/results.js';
import { CHART_OPTIONS, type ChartSpec, type Colours, type Dataset } from './spec.js';

/** Every scenario's throughput per server: the median, the runs' range, and theory's figure. */
export function throughputChart(results: Results, colour: Colours): ChartSpec | undefined {
  const entries = results.scenarios.flatMap((s) =>
    s.results.flatMap((r) => (r.metrics.throughputRps ? [{ label: `${s.id} · ${r.server}`, server: r.server, result: r }] : [])),
  );
  if (entries.length === 0) return undefined;
  const bar = (e: (typeof entries)[number]) => colour.get(e.server) ?? '#888';
  const datasets: Dataset[] = [
    {
      label: 'measured (median)',
      data: entries.map((e) => medianOf(e.result, 'throughputRps') ?? null),
      backgroundColor: entries.map(bar) as unknown as string,
      order: 3,
    },
    {
      label: 'min–max of the runs',
      data: entries.map((e) => {
        const m = e.result.metrics.throughputRps;
        return m ? [m.min, m.max] : null;
      }),
      backgroundColor: '#222',
      grouped: false,
      barPercentage: 0.12,
      order: 2,
    },
    {
      label: 'theory',
      type: 'scatter',
      data: entries.flatMap((e) => {
        const expected = e.result.expected.throughputRps;
        return expected !== undefined && Number.isFinite(expected) ? [{ x: e.label, y: expected }] : [];
      }),
      backgroundColor: '#222',
      borderColor: '#222',
      pointStyle: 'crossRot',
      pointRadius: 9,
      borderWidth: 2,
      order: 1,
    },
  ];
  return {
    id: 'chart-throughput',
    kind: 'throughput',
    title: 'Throughput: measured beside theory',
    caption:
      'Bars are the median of the runs, the thin dark bar their min–max, the cross what theory predicts (none for hello: it has no theory). Log scale: the scenarios differ by orders of magnitude.',
    config: {
      type: 'bar',
      data: { labels: entries.map((e) => e.label), datasets },
      options: {
        ...CHART_OPTIONS,
        scales: { y: { type: 'logarithmic', title: { display: true, text: 'requests per second (log)' } } },
      },
    },
  };
}
