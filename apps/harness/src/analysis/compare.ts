import { betterOf, type MetricName } from '../catalogue/metrics.js';
import type { Results } from '../results/results.js';
import { seededRandom } from './random.js';
import { bootstrapMedianChange, type Interval, relativeDifference, type Summary } from './stats.js';

/**
 * What one metric did from one file to the other. `too-few-runs` is "not enough runs to tell"; `unclear` is "can't tell": the medians moved by the
 * threshold or more, but the interval still includes no change.
 */
export type Change = 'improved' | 'regressed' | 'changed' | 'unchanged' | 'unclear' | 'too-few-runs';

/** How compare decides, as the output and --json state it. */
export interface ChangeTest {
  /** Smallest change of the median, in percent, that counts. */
  thresholdPct: number;
  /** Fewer runs than this on either side is "not enough runs to tell". */
  minRuns: number;
  /** Of the bootstrap interval of the change of the median. */
  confidence: number;
  resamples: number;
}

/**
 * 3 runs a side at least: with 2, two runs of the same server land fully apart 1 time in 3 (2 of the
 * 6 orders of 4 values) and a resampled median of 2 has only 3 values; with 3 it is 1 in 10, with 5
 * 1 in 126.
 */
export const MIN_RUNS = 3;

export function changeTest(thresholdPct: number): ChangeTest {
  return { thresholdPct, minRuns: MIN_RUNS, confidence: 0.95, resamples: 10_000 };
}

export interface MetricChange {
  scenario: string;
  server: string;
  metric: MetricName;
  before: Summary;
  after: Summary;
  /** after.median / before.median − 1. */
  change: number;
  /** The bootstrap interval of `change`; absent when there were too few runs. */
  interval?: Interval;
  /** Called verdict in --json and the table, as users know it. */
  verdict: Change;
  /** Why, with the numbers: "95% interval −3.1% … +2.4% includes 0", "only 2 runs before; 3 needed". */
  reason: string;
}

export interface Comparison {
  test: ChangeTest;
  changes: MetricChange[];
  regressions: MetricChange[];
  /** Scenario/server pairs present in only one of the files. */
  unmatched: string[];
  /** Environment fields that differ, which make any change suspect. */
  environmentDifferences: string[];
  /** Load options that differ (e.g. --quick against a full run): changes may be the options'. */
  optionDifferences: string[];
}

const percent = (x: number, digits = 1) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(digits)}%`;

/**
 * Decides from each side's per-run values (Summary.runs), with T the threshold:
 * - fewer than `minRuns` runs on either side: too-few-runs, "not enough runs to tell";
 * - otherwise the percentile bootstrap interval of after.median / before.median − 1 (each side's runs
 *   resampled independently, seeded, so the same files always give the same answer), and
 *   - interval excludes 0 and |change| ≥ T: improved or regressed by the metric's direction, or
 *     changed when neither direction is better;
 *   - |change| < T: unchanged, whether or not the interval includes 0 (a real change under the
 *     threshold is still one that does not count);
 *   - |change| ≥ T but the interval includes 0: unclear, "can't tell" — a guess either way.
 * Per-run values only: requests within a run share its conditions, so they say nothing of how runs
 * differ, which is the noise that matters.
 */
export function classifyChange(
  metric: MetricName,
  before: Summary,
  after: Summary,
  test: ChangeTest,
): Omit<MetricChange, 'scenario' | 'server' | 'metric'> {
  const change = relativeDifference(after.median, before.median);
  const base = { before, after, change };
  const runsBefore = before.runs.filter(Number.isFinite);
  const runsAfter = after.runs.filter(Number.isFinite);
  const short = [
    ...(runsBefore.length < test.minRuns ? [`${runsBefore.length} ${runsBefore.length === 1 ? 'run' : 'runs'} before`] : []),
    ...(runsAfter.length < test.minRuns ? [`${runsAfter.length} ${runsAfter.length === 1 ? 'run' : 'runs'} after`] : []),
  ];
  if (short.length > 0) return { ...base, verdict: 'too-few-runs', reason: `only ${short.join(' and ')}; ${test.minRuns} needed` };

  const interval = bootstrapMedianChange(runsBefore, runsAfter, { ...test, random: seededRandom(1) });
  const threshold = test.thresholdPct / 100;
  const span = `${Math.round(test.confidence * 100)}% interval ${percent(interval.low)} … ${percent(interval.high)}`;
  const excludesZero = interval.low > 0 || interval.high < 0;
  const withInterval = { ...base, interval };
  if (Math.abs(change) < threshold) {
    const reason = excludesZero ? `${span} excludes 0, but under the ${test.thresholdPct}% threshold` : `${span} includes 0`;
    return { ...withInterval, verdict: 'unchanged', reason };
  }
  if (!excludesZero) return { ...withInterval, verdict: 'unclear', reason: `${span} includes 0` };
  const better = betterOf(metric);
  if (!better) return { ...withInterval, verdict: 'changed', reason: `${span} excludes 0; neither direction is better` };
  const improved = (better === 'higher') === change > 0;
  return { ...withInterval, verdict: improved ? 'improved' : 'regressed', reason: `${span} excludes 0; ${better} is better` };
}

const ENVIRONMENT_FIELDS = ['node', 'os', 'cpuModel', 'cpuCount', 'pinned'] as const;
const OPTION_FIELDS = ['quick', 'repeats', 'durationS', 'warmupS', 'connections', 'workers', 'ratePerS', 'pin', 'host'] as const;

export function compareResults(before: Results, after: Results, thresholdPct: number): Comparison {
  const test = changeTest(thresholdPct);
  const changes: MetricChange[] = [];
  const unmatched: string[] = [];
  for (const scenarioAfter of after.scenarios) {
    const scenarioBefore = before.scenarios.find((s) => s.id === scenarioAfter.id);
    for (const resultAfter of scenarioAfter.results) {
      const resultBefore = scenarioBefore?.results.find((r) => r.server === resultAfter.server);
      if (!resultBefore) {
        unmatched.push(`${scenarioAfter.id}/${resultAfter.server}`);
        continue;
      }
      for (const [metric, summaryAfter] of Object.entries(resultAfter.metrics) as [MetricName, Summary][]) {
        const summaryBefore = resultBefore.metrics[metric];
        if (!summaryBefore) continue;
        changes.push({
          scenario: scenarioAfter.id,
          server: resultAfter.server,
          metric,
          ...classifyChange(metric, summaryBefore, summaryAfter, test),
        });
      }
    }
  }
  for (const scenarioBefore of before.scenarios) {
    for (const r of scenarioBefore.results) {
      const found = after.scenarios.find((s) => s.id === scenarioBefore.id)?.results.some((x) => x.server === r.server);
      if (!found) unmatched.push(`${scenarioBefore.id}/${r.server}`);
    }
  }
  const environmentDifferences = ENVIRONMENT_FIELDS.filter((f) => before.environment[f] !== after.environment[f]).map(
    (f) => `${f}: ${before.environment[f]} → ${after.environment[f]}`,
  );
  const optionDifferences = OPTION_FIELDS.filter((f) => before.options?.[f] !== after.options?.[f]).map(
    (f) => `${f}: ${before.options?.[f]} → ${after.options?.[f]}`,
  );
  return {
    test,
    changes,
    regressions: changes.filter((c) => c.verdict === 'regressed'),
    unmatched,
    environmentDifferences,
    optionDifferences,
  };
}
