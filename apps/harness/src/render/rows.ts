import { headlinePair } from '../analysis/findings.js';
import { formatNumber, formatRatio } from '../analysis/format.js';
import { ratio, type Summary } from '../analysis/stats.js';
import { isOptional, METRIC_NAMES, type MetricName, metricLabel } from '../catalogue/metrics.js';
import { scenarioById } from '../catalogue/suites.js';
import type { ScenarioResult } from '../results/results.js';
import { statusOf } from './describe.js';

export type Mark = 'agrees' | 'disagrees' | 'none';

export interface Cell {
  text: string;
  mark: Mark;
}

export interface ScenarioTable {
  header: string[];
  rows: { label: string; metric: MetricName; cells: Cell[] }[];
}

/** Every run was generator-bound: its figures are the load generator's limit, never quoted as the server's. */
export function generatorBound(result: ScenarioResult['results'][number]): boolean {
  return result.runs.length > 0 && result.runs.every((run) => !run.valid) && result.runs.some((run) => run.generatorBound);
}

function spread(summary: Summary | undefined): string {
  if (!summary) return '–';
  if (summary.runs.length < 2) return formatNumber(summary.median);
  return `${formatNumber(summary.median)} (${formatNumber(summary.min)}–${formatNumber(summary.max)})`;
}

/** Metrics as rows; per server its measurement (median, min–max) and theory; then the headline ratio. */
export function scenarioTable(scenario: ScenarioResult): ScenarioTable {
  const { blocking, nonBlocking } = headlinePair(scenario);
  const showRatio = blocking !== undefined && nonBlocking !== undefined;
  const header = ['metric', ...scenario.results.flatMap((r) => [r.server, 'theory'])];
  if (showRatio) header.push(`${nonBlocking.server} / ${blocking.server}`);
  // A metric some server measured from too few samples gets a row that says so, never a number.
  const tooFew = (r: ScenarioResult['results'][number], metric: MetricName) =>
    !r.metrics[metric] && r.runs.some((run) => run.tooFewSamples?.includes(metric));
  const present = new Set([
    ...scenario.results.flatMap((r) => Object.keys(r.metrics)),
    ...scenario.results.filter(generatorBound).flatMap((r) => r.runs.flatMap((run) => Object.keys(run.values))),
    ...scenario.results.flatMap((r) => r.runs.flatMap((run) => run.tooFewSamples ?? [])),
  ]);
  // A server that cannot measure a metric (no event loop under werkzeug) says so, never 0.
  const notMeasured = (r: ScenarioResult['results'][number], metric: MetricName) =>
    !r.metrics[metric] && isOptional(metric) && r.runs.some((run) => run.valid);
  const rows = METRIC_NAMES.filter((metric) => present.has(metric)).map((metric) => {
    const cells: Cell[] = scenario.results.flatMap((r) => {
      const check = r.theory.find((t) => t.metric === metric);
      const text = generatorBound(r)
        ? 'generator-bound'
        : tooFew(r, metric)
          ? 'too few samples'
          : notMeasured(r, metric)
            ? 'not measured'
            : spread(r.metrics[metric]);
      return [
        { text, mark: 'none' as Mark },
        check
          ? { text: formatNumber(check.expected), mark: (check.agrees ? 'agrees' : 'disagrees') as Mark }
          : { text: '', mark: 'none' as Mark },
      ];
    });
    if (showRatio) {
      const a = nonBlocking.metrics[metric];
      const b = blocking.metrics[metric];
      const r = a && b ? ratio(a, b) : undefined;
      cells.push({
        text:
          r && Number.isFinite(r.median)
            ? `${formatRatio(r.median)}${r.runs.length > 1 ? ` (${formatNumber(r.min)}–${formatNumber(r.max)})` : ''}`
            : '–',
        mark: 'none',
      });
    }
    return { label: metricLabel(metric), metric, cells };
  });
  return { header, rows };
}

export interface HeadlineRow {
  scenario: string;
  status: ReturnType<typeof statusOf>;
  metric: string;
  blocking: string;
  nonBlocking: string;
  ratio: string;
  theory: string;
}

/** One row per scenario: its headline metric for the articles' pair, their ratio, and the theory check. */
export function headlineRows(scenarios: readonly ScenarioResult[]): { servers: [string, string] | undefined; rows: HeadlineRow[] } {
  let servers: [string, string] | undefined;
  const rows = scenarios.map((scenario) => {
    const { blocking, nonBlocking } = headlinePair(scenario);
    const metric = scenarioById(scenario.id)?.headline ?? 'throughputRps';
    if (blocking && nonBlocking) servers ??= [blocking.server, nonBlocking.server];
    const a = blocking?.metrics[metric];
    const b = nonBlocking?.metrics[metric];
    return {
      scenario: scenario.id,
      status: statusOf(scenario),
      metric: metricLabel(metric),
      blocking: blocking && generatorBound(blocking) ? 'generator-bound' : spread(a),
      nonBlocking: nonBlocking && generatorBound(nonBlocking) ? 'generator-bound' : spread(b),
      ratio: a && b ? formatRatio(b.median / a.median) : '–',
      theory: theoryCount(scenario),
    };
  });
  return { servers, rows };
}

/** How many of the scenario's theory checks agree, for a headline row. */
function theoryCount(scenario: ScenarioResult): string {
  const misses = scenario.results.flatMap((r) => r.theory.filter((t) => !t.agrees));
  const checks = scenario.results.reduce((n, r) => n + r.theory.length, 0);
  return checks === 0 ? '–' : misses.length === 0 ? `✓ ${checks} of ${checks}` : `✗ ${misses.length} of ${checks} off`;
}

/** Two servers' headline figures, "flask 2,703 · fastapi 2.12", and the second over the first. */
export interface PairCell {
  figures: string;
  ratio: string;
}

export interface PairedHeadlineRow {
  scenario: string;
  status: ReturnType<typeof statusOf>;
  metric: string;
  article: PairCell;
  analogues: PairCell;
  theory: string;
}

/** Whether a scenario's headline row compares its own pairs (an article's experiment) rather than the suite's pair. */
export const hasOwnPairs = (scenario: Pick<ScenarioResult, 'id'>) => scenarioById(scenario.id)?.headlinePairs !== undefined;

/** One row per article experiment: its headline metric for the article's pair and for their Node analogues. */
export function pairedHeadlineRows(scenarios: readonly ScenarioResult[]): PairedHeadlineRow[] {
  return scenarios.flatMap((scenario) => {
    const described = scenarioById(scenario.id);
    const pairs = described?.headlinePairs;
    if (!described || !pairs) return [];
    const metric = described.headline;
    const cell = (names: readonly [string, string]): PairCell => {
      const [first, second] = names.map((name) => scenario.results.find((r) => r.server === name));
      const figure = (name: string, result: ScenarioResult['results'][number] | undefined) =>
        `${name} ${result && generatorBound(result) ? 'generator-bound' : spread(result?.metrics[metric])}`;
      const a = first && !generatorBound(first) ? first.metrics[metric] : undefined;
      const b = second && !generatorBound(second) ? second.metrics[metric] : undefined;
      return {
        figures: `${figure(names[0], first)} · ${figure(names[1], second)}`,
        ratio: a && b ? formatRatio(b.median / a.median) : '–',
      };
    };
    return [
      {
        scenario: scenario.id,
        status: statusOf(scenario),
        metric: metricLabel(metric),
        article: cell(pairs.article),
        analogues: cell(pairs.analogues),
        theory: theoryCount(scenario),
      },
    ];
  });
}
