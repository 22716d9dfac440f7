import hdr from 'hdr-histogram-js';
import { TIMELINE_LIMITS, type Timeline, type TimelineSample } from '../measure/timeline.js';
import type { KindName, Results, RunRecord, ScenarioResult, ServerResult } from '../results/results.js';

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

interface Dataset {
  label: string;
  data: unknown[];
  type?: string;
  backgroundColor?: string;
  borderColor?: string;
  [key: string]: unknown;
}

/** Every chart: drawn once (no animation), filling its figure's box. */
const CHART_OPTIONS = { animation: false, responsive: true, maintainAspectRatio: false } as const;

/** A scatter chart (points, or lines where its datasets ask) on these axes. */
const scatter = (datasets: Dataset[], scales: Record<string, unknown>): ChartSpec['config'] => ({
  type: 'scatter',
  data: { datasets },
  options: { ...CHART_OPTIONS, scales },
});

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
    kind: 'head-of-line',
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
        ...CHART_OPTIONS,
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
    kind: 'utilisation',
    title: 'Occupied against working: the article’s “100% thread utilisation”, measured',
    caption:
      'Event-loop utilisation is the share of time the thread was occupied (a thread blocked in a wait counts as occupied); CPU is the work actually done, in cores. A blocking server waiting on I/O is fully occupied and almost idle.',
    config: {
      type: 'bar',
      data: { labels: scenarios.map((s) => s.id), datasets },
      options: {
        ...CHART_OPTIONS,
        scales: { y: { min: 0, title: { display: true, text: 'share of time / cores' } } },
      },
    },
  };
}

type Colours = Map<string, string>;

/** Each server's recorded timeline: from its first valid run that has one, else its first run that has one. */
function timelines(scenario: ScenarioResult): { server: string; run: RunRecord; timeline: Timeline }[] {
  return scenario.results.flatMap((r) => {
    const run = r.runs.find((x) => x.valid && x.timeline) ?? r.runs.find((x) => x.timeline);
    return run?.timeline ? [{ server: r.server, run, timeline: run.timeline }] : [];
  });
}

/** Where a run's timeline ends: its last answer, so both charts of a scenario share one axis. */
const timelineEndMs = (entries: ReturnType<typeof timelines>) =>
  Math.max(0, ...entries.flatMap(({ timeline }) => timeline.requests.map((r) => r[3])));

const ROW_GAP = 1;

/**
 * The articles' diagram, measured: one row per connection (closed loop) or per sampled request (open
 * loop), each request a bar from its send to its answer, the part spent waiting light and the part
 * being served (the server's Server-Timing) solid; every server's rows on one time axis.
 */
function timelineChart(scenario: ScenarioResult, colour: Colours): ChartSpec | undefined {
  const entries = timelines(scenario).filter(({ timeline }) => timeline.requests.length > 0);
  if (entries.length === 0) return undefined;
  const openLoop = scenario.kind === 'open-loop';
  const datasets: Dataset[] = [];
  const rowLabels: Record<number, string> = {};
  let base = 0;
  for (const { server, run, timeline } of entries) {
    const rows = Math.max(...timeline.requests.map((r) => r[0])) + 1;
    const waiting: ({ x: number; y: number | null } | null)[] = [];
    const served: ({ x: number; y: number | null } | null)[] = [];
    for (const [row, planned, , answered, servedMs] of timeline.requests) {
      const y = base + row;
      const start = answered - servedMs;
      // A null y ends the line, so each request is its own segment.
      waiting.push({ x: planned, y }, { x: start, y }, { x: start, y: null });
      served.push({ x: start, y }, { x: answered, y }, { x: answered, y: null });
    }
    if (openLoop) rowLabels[base + Math.floor(rows / 2)] = server;
    else for (let row = 0; row < rows; row++) rowLabels[base + row] = `${server} #${row + 1}`;
    const line = { showLine: true, spanGaps: false, pointRadius: 0, borderCapStyle: 'butt', borderWidth: openLoop ? 2 : 9 };
    const suffix = run.valid ? '' : ' (an invalid run)';
    datasets.push(
      {
        label: `${server}: waiting${suffix}`,
        data: waiting,
        borderColor: `${colour.get(server)}55`,
        backgroundColor: `${colour.get(server)}55`,
        ...line,
      },
      {
        label: `${server}: being served${suffix}`,
        data: served,
        borderColor: colour.get(server),
        backgroundColor: colour.get(server),
        ...line,
      },
    );
    base += rows + ROW_GAP;
  }
  const count = entries.map(({ server, timeline }) => `${timeline.requests.length} of ${server}`).join(', ');
  return {
    id: `chart-timeline-${scenario.id}`,
    kind: 'timeline',
    section: scenario.id,
    height: openLoop ? 420 : Math.min(640, Math.max(260, base * 16 + 80)),
    title: `${scenario.id}: where each request's time went`,
    caption: openLoop
      ? `A sample of requests (${count}), one per row in the order planned, from the first run: each line runs from the request's planned send to its answer, light while it waited (in line, on the network) and solid while the server served it (its Server-Timing). ms from the start of the plan.`
      : `One row per connection, from the first run: each bar is a request from its send to its answer, light while it waited (in line, on the network) and solid while the server served it (its Server-Timing). Requests sent in the first ${TIMELINE_LIMITS.windowMs / 1000} s after the warm-up (${count}); ms from the end of the warm-up.`,
    config: scatter(datasets, {
      x: { type: 'linear', min: 0, max: timelineEndMs(entries), title: { display: true, text: 'ms' } },
      y: { type: 'linear', reverse: true, min: -1, max: base, rowLabels, grid: { display: false } },
    }),
  };
}

/**
 * The servers' own readings on the timeline's axis: event-loop utilisation and CPU over each interval
 * between /stats readings, and the requests in flight when read.
 */
function loopTimelineChart(scenario: ScenarioResult, colour: Colours): ChartSpec | undefined {
  const entries = timelines(scenario).filter(({ timeline }) => timeline.samples.length > 0);
  if (entries.length === 0) return undefined;
  const datasets: Dataset[] = entries.flatMap(({ server, timeline }) => {
    const c = colour.get(server);
    const line = { showLine: true, stepped: 'before', pointRadius: 2, borderWidth: 2 };
    // Each reading holds over its interval: a step from the interval's start to the reading.
    const [first] = timeline.samples as [TimelineSample];
    const steps = (value: (s: TimelineSample) => number | null) => [
      { x: first[0], y: value(first) },
      ...timeline.samples.map((s) => ({ x: s[1], y: value(s) })),
    ];
    // A server with no event loop to measure (WSGI) has no occupied line: "not measured", not 0.
    const occupied = timeline.samples.some((s) => s[2] !== null)
      ? [{ label: `${server}: event loop occupied`, data: steps((s) => s[2]), borderColor: c, backgroundColor: c, yAxisID: 'y', ...line }]
      : [];
    return [
      ...occupied,
      {
        label: `${server}: CPU (cores)`,
        data: steps((s) => s[3]),
        borderColor: c,
        backgroundColor: c,
        borderDash: [6, 4],
        yAxisID: 'y',
        ...line,
      },
      {
        label: `${server}: requests in flight`,
        data: timeline.samples.map((s) => ({ x: s[1], y: s[4] })),
        borderColor: `${c}88`,
        backgroundColor: `${c}88`,
        borderDash: [2, 3],
        yAxisID: 'inFlight',
        ...line,
        stepped: false,
      },
    ];
  });
  const all = timelines(scenario).filter(({ timeline }) => timeline.requests.length > 0);
  return {
    id: `chart-loop-timeline-${scenario.id}`,
    kind: 'loop-timeline',
    section: scenario.id,
    title: `${scenario.id}: the servers' event loops on the same time axis`,
    caption:
      'Each server’s /stats, read about every 100 ms during the same run: the share of each interval its event loop was occupied (solid) and the CPU it used (dashed), left axis; the requests inside a handler when read (dotted), right axis. A blocking server answers /stats only between requests, so its readings come further apart and find none in a handler: its loop was occupied while its CPU idled.',
    config: scatter(datasets, {
      x: { type: 'linear', min: 0, max: timelineEndMs(all.length > 0 ? all : entries), title: { display: true, text: 'ms' } },
      y: { min: 0, suggestedMax: 1, title: { display: true, text: 'occupied (share) / CPU (cores)' } },
      inFlight: { position: 'right', min: 0, title: { display: true, text: 'in flight' }, grid: { drawOnChartArea: false } },
    }),
  };
}

/** The charts each kind of scenario gets; a kind missing here is a compile error. */
const KIND_CHARTS: { readonly [K in KindName]: (scenario: ScenarioResult, colour: Colours) => (ChartSpec | undefined)[] } = {
  'head-of-line': (scenario) => [headOfLineChart(scenario)],
  'closed-loop': (scenario, colour) => [
    timelineChart(scenario, colour),
    loopTimelineChart(scenario, colour),
    spectrumChart(scenario, colour),
  ],
  'open-loop': (scenario, colour) => [
    timelineChart(scenario, colour),
    loopTimelineChart(scenario, colour),
    spectrumChart(scenario, colour),
  ],
  'fixed-count': (scenario, colour) => [spectrumChart(scenario, colour)],
};

/** Every chart the report shows, computed from the results alone. */
export function reportCharts(results: Results): ChartSpec[] {
  const colour = colours(results);
  const charts: (ChartSpec | undefined)[] = results.scenarios.flatMap((s) => KIND_CHARTS[s.kind]?.(s, colour) ?? []);
  charts.push(throughputChart(results, colour), utilisationChart(results, colour));
  return charts.filter((c): c is ChartSpec => c !== undefined);
}
