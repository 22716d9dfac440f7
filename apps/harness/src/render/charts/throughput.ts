import { medianOf } from '../../analysis/stats.js';
import type { Results, ServerResult } from '../../results/results.js';
import { CHART_OPTIONS, type ChartSpec, type Colours, type Dataset } from './spec.js';

/** The model's check of a server's throughput, with the interval it judged by; none where no interval was recorded. */
function theoryInterval(result: ServerResult): [number, number] | null {
  const check = result.theory.find((t) => t.metric === 'throughputRps' && (t.basis ?? 'model') === 'model');
  return check && Number.isFinite(check.low) && Number.isFinite(check.high) ? [check.low, check.high] : null;
}

/** Every scenario's throughput per server: the median, the runs' range, and theory's figure with its interval. */
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
      // A floating bar from low to high, over the measured bar: theory's error bar.
      label: "theory's interval",
      data: entries.map((e) => theoryInterval(e.result)),
      backgroundColor: 'rgba(34, 34, 34, 0.12)',
      borderColor: '#222',
      borderWidth: 1.5,
      borderSkipped: false,
      grouped: false,
      barPercentage: 0.45,
      order: 1,
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
      order: 0,
    },
  ];
  return {
    id: 'chart-throughput',
    kind: 'throughput',
    title: 'Throughput: measured beside theory',
    caption:
      'Bars are the median of the runs, the thin dark bar their min–max, the cross what theory predicts and the outlined box around it the interval it predicts for windows like these: a median inside the box agrees with theory (none for hello: it has no theory). Log scale: the scenarios differ by orders of magnitude.',
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
