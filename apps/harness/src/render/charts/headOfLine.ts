import { medianOf } from '../../analysis/stats.js';
import type { ScenarioResult } from '../../results/results.js';
import { CHART_OPTIONS, type ChartSpec } from './spec.js';

/** The slow and the fast request of each server as bars on one time axis, from the medians of the runs. */
export function headOfLineChart(scenario: ScenarioResult): ChartSpec {
  const offset = Number(scenario.parameters.offsetMs);
  const labels: string[] = [];
  const slow: ([number, number] | null)[] = [];
  const fast: ([number, number] | null)[] = [];
  for (const r of scenario.results) {
    const slowMs = medianOf(r, 'slowLatencyMs');
    const fastMs = medianOf(r, 'fastLatencyMs');
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
