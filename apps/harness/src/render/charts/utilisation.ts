import { medianOf } from '../../analysis/stats.js';
import type { Results, ScenarioResult } from '../../results/results.js';
import { CHART_OPTIONS, type ChartSpec, type Colours, type Dataset } from './spec.js';

/** Event-loop utilisation beside CPU, per scenario and server: a thread occupied is not a thread working. */
export function utilisationChart(results: Results, colour: Colours): ChartSpec | undefined {
  const scenarios = results.scenarios.filter((s) => s.results.some((r) => r.metrics.eventLoopUtilization && r.metrics.cpuUtilization));
  if (scenarios.length === 0) return undefined;
  const servers = [...new Set(scenarios.flatMap((s) => s.results.map((r) => r.server)))];
  const value = (s: ScenarioResult, server: string, metric: 'eventLoopUtilization' | 'cpuUtilization') =>
    medianOf(
      s.results.find((r) => r.server === server),
      metric,
    ) ?? null;
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
