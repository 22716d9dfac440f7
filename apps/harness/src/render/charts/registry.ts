import type { KindName, Results, ScenarioResult } from '../../results/results.js';
import { headOfLineChart } from './headOfLine.js';
import { loopTimelineChart } from './loopTimeline.js';
import { type ChartSpec, type Colours, colours } from './spec.js';
import { spectrumChart } from './spectrum.js';
import { throughputChart } from './throughput.js';
import { timelineChart } from './timeline.js';
import { utilisationChart } from './utilisation.js';

export type { ChartKind, ChartSpec } from './spec.js';

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

/** Every chart the report shows, computed from the results alone: each scenario's, then the overview's. */
export function reportCharts(results: Results): ChartSpec[] {
  const colour = colours(results);
  const charts: (ChartSpec | undefined)[] = results.scenarios.flatMap((s) => KIND_CHARTS[s.kind]?.(s, colour) ?? []);
  charts.push(throughputChart(results, colour), utilisationChart(results, colour));
  return charts.filter((c): c is ChartSpec => c !== undefined);
}
