import type { ScenarioResult, TimelineSample } from '../../results/results.js';
import { serverTimelines, timelineEndMs } from './serverTimelines.js';
import { type ChartSpec, type Colours, type Dataset, scatter } from './spec.js';

/**
 * The servers' own readings on the timeline's axis: event-loop utilisation and CPU over each interval
 * between /stats readings, and the requests in flight when read.
 */
export function loopTimelineChart(scenario: ScenarioResult, colour: Colours): ChartSpec | undefined {
  const entries = serverTimelines(scenario).filter(({ timeline }) => timeline.samples.length > 0);
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
  // The x axis ends where the request timeline's does, so the two charts line up.
  const all = serverTimelines(scenario).filter(({ timeline }) => timeline.requests.length > 0);
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
