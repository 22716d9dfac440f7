import { type ScenarioResult, TIMELINE_LIMITS } from '../../results/results.js';
import { serverTimelines, timelineEndMs } from './serverTimelines.js';
import { type ChartSpec, type Colours, type Dataset, scatter } from './spec.js';

const ROW_GAP = 1;

/**
 * The articles' diagram, measured: one row per connection (closed loop) or per sampled request (open
 * loop), each request a bar from its send to its answer, the part spent waiting light and the part
 * being served (the server's Server-Timing) solid; every server's rows on one time axis.
 */
export function timelineChart(scenario: ScenarioResult, colour: Colours): ChartSpec | undefined {
  const entries = serverTimelines(scenario).filter(({ timeline }) => timeline.requests.length > 0);
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
