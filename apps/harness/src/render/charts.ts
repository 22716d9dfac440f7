import hdr from 'hdr-histogram-js';
import type { KindName } from '../kinds/kind.js';
import type { Results, ScenarioResult, ServerResult } from '../results.js';

/** A Chart.js configuration as plain JSON (no callbacks), ready to embed in a page. */
export interface ChartSpec {
  id: string;
  /** The scenario whose section shows it; charts without one lead the page. */
  section?: string;
  title: string;
  /** What the chart shows, in a sentence under it. */
  caption: string;
  config: { type: string; data: { labels?: unknown[]; datasets: Dataset[] }; options: Record<string, unknown> };
}

interface Dataset {
  label: string;
  data: unknown[];
  type?: string;
  backgroundColor?: string;
  borderColor?: string;
  [key: string]: unknown;
}

/** One colour per server, in order; blocking servers warm, non-blocking cool, where possible. */
const PALETTE = ['#d1495b', '#2e86ab', '#edae49', '#00798c', '#66a182', '#8d6a9f', '#3d405b', '#e07a5f'];

function colours(results: Results): Map<string, string> {
  const servers = [...new Set(results.scenarios.flatMap((s) => s.results.map((r) => r.server)))];
  return new Map(servers.map((server, i) => [server, PALETTE[i % PALETTE.length] as string]));
}

const median = (r: ServerResult | undefined, metric: keyof ServerResult['metrics']) => r?.metrics[metric]?.median;

function headOfLineChart(scenario: ScenarioResult): ChartSpec {
  const offset = Number(scenario.parameters.offsetMs);
  const labels: string[] = [];
  const slow: ([number, number] | null)[] = [];
  const fast: ([number, number] | null)[] = [];
  for (const r of scenario.results) {
    const slowMs = median(r, 'slowLatencyMs');
    const fastMs = median(r, 'fastLatencyMs');
    if (slowMs === undefined || fastMs === undefined) continue;
    labels.push(`${r.server}: /sleep`, `${r.server}: /fast`);
    slow.push([0, slowMs], null);
    fast.push(null, [offset, offset + fastMs]);
  }
  return {
    id: `chart-${scenario.id}`,
    title: 'Head-of-line: the slow and the fast request on one time axis',
    caption: `/sleep?ms=${scenario.parameters.sleepMs} starts at 0; /fast is sent ${offset} ms later. A bar runs from a request's send to its answer (medians of the runs).`,
    config: {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: '/sleep (slow)', data: slow, backgroundColor: '#9aa5b1', skipNull: true },
          { label: '/fast', data: fast, backgroundColor: '#d1495b', skipNull: true },
        ],
      },
      options: {
        indexAxis: 'y',
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { title: { display: true, text: 'ms since /sleep was sent' }, min: 0 }, y: { stacked: true } },
      },
    },
  };
}

/** Percentiles as 1 / (1 − q), so a log axis spreads the tail the way HDR plots do. */
const SPECTRUM = [0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999];

/** Percentile points of every valid run's histogram, merged. */
export function spectrum(result: ServerResult): { x: number; y: number; percentile: number }[] {
  const encoded = result.runs.filter((r) => r.valid && r.latencyHistogram).map((r) => r.latencyHistogram as string);
  if (encoded.length === 0) return [];
  const merged = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  for (const run of encoded) merged.add(hdr.decodeFromCompressedBase64(run));
  if (merged.totalCount === 0) return [];
  return SPECTRUM.map((q) => ({ x: 1 / (1 - q), y: merged.getValueAtPercentile(q * 100) / 1000, percentile: q * 100 }));
}

function spectrumChart(scenario: ScenarioResult, colour: Map<string, string>): ChartSpec | undefined {
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
    section: scenario.id,
    title: `${scenario.id}: latency by percentile`,
    caption: openLoop
      ? 'Latency of /fast from its planned send time, all valid runs merged. x = 1/(1 − q): 2 is p50, 10 is p90, 100 is p99, 1,000 is p99.9, 10,000 is p99.99.'
      : 'Latency of every answer after the warm-up, all valid runs merged. x = 1/(1 − q): 2 is p50, 10 is p90, 100 is p99, 1,000 is p99.9, 10,000 is p99.99.',
    config: {
      type: 'scatter',
      data: { datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { type: 'logarithmic', min: 1, max: 10_000, percentileAxis: true, title: { display: true, text: 'percentile' } },
          y: { type: 'logarithmic', title: { display: true, text: 'latency (ms, log)' } },
        },
      },
    },
  };
}

function throughputChart(results: Results, colour: Map<string, string>): ChartSpec | undefined {
  const entries = results.scenarios.flatMap((s) =>
    s.results.flatMap((r) => (r.metrics.throughputRps ? [{ label: `${s.id} · ${r.server}`, server: r.server, result: r }] : [])),
  );
  if (entries.length === 0) return undefined;
  const bar = (e: (typeof entries)[number]) => colour.get(e.server) ?? '#888';
  const datasets: Dataset[] = [
    {
      label: 'measured (median)',
      data: entries.map((e) => e.result.metrics.throughputRps?.median ?? null),
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
    title: 'Throughput: measured beside theory',
    caption:
      'Bars are the median of the runs, the thin dark bar their min–max, the cross what theory predicts (none for hello: it has no theory). Log scale: the scenarios differ by orders of magnitude.',
    config: {
      type: 'bar',
      data: { labels: entries.map((e) => e.label), datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { type: 'logarithmic', title: { display: true, text: 'requests per second (log)' } } },
      },
    },
  };
}

function utilisationChart(results: Results, colour: Map<string, string>): ChartSpec | undefined {
  const scenarios = results.scenarios.filter((s) => s.results.some((r) => r.metrics.eventLoopUtilization && r.metrics.cpuUtilization));
  if (scenarios.length === 0) return undefined;
  const servers = [...new Set(scenarios.flatMap((s) => s.results.map((r) => r.server)))];
  const value = (s: ScenarioResult, server: string, metric: 'eventLoopUtilization' | 'cpuUtilization') =>
    s.results.find((r) => r.server === server)?.metrics[metric]?.median ?? null;
  const datasets: Dataset[] = servers.flatMap((server) => [
    {
      label: `${server}: event loop occupied`,
      data: scenarios.map((s) => value(s, server, 'eventLoopUtilization')),
      backgroundColor: colour.get(server),
    },
    {
      label: `${server}: CPU working (cores)`,
      data: scenarios.map((s) => value(s, server, 'cpuUtilization')),
      backgroundColor: `${colour.get(server)}66`,
      borderColor: colour.get(server),
      borderWidth: 1,
    },
  ]);
  return {
    id: 'chart-utilisation',
    title: 'Occupied against working: the article’s “100% thread utilisation”, measured',
    caption:
      'Event-loop utilisation is the share of time the thread was occupied (a thread blocked in a wait counts as occupied); CPU is the work actually done, in cores. A blocking server waiting on I/O is fully occupied and almost idle.',
    config: {
      type: 'bar',
      data: { labels: scenarios.map((s) => s.id), datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { min: 0, title: { display: true, text: 'share of time / cores' } } },
      },
    },
  };
}

type Colours = Map<string, string>;

/** The charts each kind of scenario gets; a kind missing here is a compile error. */
const KIND_CHARTS: { readonly [K in KindName]: (scenario: ScenarioResult, colour: Colours) => (ChartSpec | undefined)[] } = {
  'head-of-line': (scenario) => [headOfLineChart(scenario)],
  'closed-loop': (scenario, colour) => [spectrumChart(scenario, colour)],
  'open-loop': (scenario, colour) => [spectrumChart(scenario, colour)],
};

/** Every chart the report shows, computed from the results alone. */
export function reportCharts(results: Results): ChartSpec[] {
  const colour = colours(results);
  const charts: (ChartSpec | undefined)[] = results.scenarios.flatMap((s) => KIND_CHARTS[s.kind]?.(s, colour) ?? []);
  charts.push(throughputChart(results, colour), utilisationChart(results, colour));
  return charts.filter((c): c is ChartSpec => c !== undefined);
}
