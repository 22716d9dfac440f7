import { headlinePair } from '../analysis/findings.js';
import { formatNumber, formatRatio } from '../analysis/format.js';
import { ratio, type Summary } from '../analysis/stats.js';
import { isOptional, METRIC_NAMES, type MetricName, metricLabel } from '../catalogue/metrics.js';
import { scenarioById } from '../catalogue/suites.js';
import type { Basis, ScenarioResult, TheoryCheck } from '../results/results.js';
import { statusOf } from './describe.js';

export type Mark = 'agrees' | 'disagrees' | 'none';

export interface Cell {
  text: string;
  mark: Mark;
}

export interface ScenarioTable {
  header: string[];
  /** A metric's row, its theory the model's; beneath it, where a server has one, its check against the run's own arrivals. */
  rows: { label: string; metric: MetricName; basis: Basis; cells: Cell[] }[];
  /** What the theory cells mean, for a line under the table; '' when the table has none. */
  legend: string;
}

/** The label of a metric's second row: its check against what this run's own arrivals and service times predict. */
export const REALISED_LABEL = "this run's arrivals";

/** How far the figure may sit from the interval's middle, as a share of its half-width, for the interval to print as ±. */
const SYMMETRIC_WITHIN = 0.1;

/**
 * A theory cell: the figure and the interval a check judged by, `20.0 ±0.900` when the figure sits at
 * the interval's middle (within a tenth of its half-width), else `200 (188–204)`; the figure alone
 * where no interval was recorded (files before version 3) or it has no width. A lower end the
 * instrument's resolution widened below zero prints as 0 beside a figure that is not negative: no
 * measurement of these can be.
 */
export function theoryFigure({ expected, low, high }: Pick<TheoryCheck, 'expected' | 'low' | 'high'>): string {
  const figure = formatNumber(expected);
  if (![expected, low, high].every(Number.isFinite) || high <= low) return figure;
  const half = (high - low) / 2;
  if (Math.abs(high - expected - (expected - low)) <= SYMMETRIC_WITHIN * half) return `${figure} ±${formatNumber(half)}`;
  return `${figure} (${formatNumber(expected >= 0 ? Math.max(0, low) : low)}–${formatNumber(high)})`;
}

const hasInterval = (check: TheoryCheck) => Number.isFinite(check.low) && Number.isFinite(check.high);

/** The legend of a table's theory cells; '' when no server was checked. */
export function theoryLegend(scenario: ScenarioResult): string {
  const checks = scenario.results.flatMap((r) => r.theory);
  if (checks.length === 0) return '';
  const realised = checks.some((c) => c.basis === 'realised')
    ? ` Rows "…, ${REALISED_LABEL}": what this run's own arrivals and service times predict (Lindley's recursion), judged the same way.`
    : '';
  return checks.some(hasInterval)
    ? `theory: the model's figure and the interval it predicts for windows like these, as ± its half-width, or (low–high) when lopsided; ✓ inside it, ✗ outside.${realised}`
    : `theory: the model's figure; ✓ agrees, ✗ does not (this file records no interval).${realised}`;
}

const basisOf = (check: TheoryCheck): Basis => check.basis ?? 'model';

const theoryCell = (check: TheoryCheck | undefined): Cell =>
  check ? { text: theoryFigure(check), mark: check.agrees ? 'agrees' : 'disagrees' } : { text: '', mark: 'none' };

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
  const rows = METRIC_NAMES.filter((metric) => present.has(metric)).flatMap((metric) => {
    const cells: Cell[] = scenario.results.flatMap((r) => {
      const check = r.theory.find((t) => t.metric === metric && basisOf(t) === 'model');
      const text = generatorBound(r)
        ? 'generator-bound'
        : tooFew(r, metric)
          ? 'too few samples'
          : notMeasured(r, metric)
            ? 'not measured'
            : spread(r.metrics[metric]);
      return [{ text, mark: 'none' as Mark }, theoryCell(check)];
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
    const row = { label: metricLabel(metric), metric, basis: 'model' as Basis, cells };
    // The realised check judges the same measurement: its row leaves the figures above it alone.
    const realised = scenario.results.map((r) => r.theory.find((t) => t.metric === metric && basisOf(t) === 'realised'));
    if (realised.every((check) => check === undefined)) return [row];
    const realisedCells: Cell[] = realised.flatMap((check) => [{ text: '', mark: 'none' as Mark }, theoryCell(check)]);
    if (showRatio) realisedCells.push({ text: '', mark: 'none' });
    return [row, { label: `${metricLabel(metric)}, ${REALISED_LABEL}`, metric, basis: 'realised' as Basis, cells: realisedCells }];
  });
  return { header, rows, legend: theoryLegend(scenario) };
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
