import { betterOf, type MetricName } from '../catalogue/metrics.js';
import type { Results, ScenarioResult } from '../results/results.js';
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

/** Servers of one scenario that were not compared, and why. */
export interface LeftOut {
  scenario: string;
  servers: string[];
  /** "only in after", "run with other settings: sleepMs 1000 → 200", "not run in after: that run stopped before it", … */
  why: string;
}

/** A file whose run did not finish (`complete: false`), or stopped part-way through a scenario. */
export interface Incomplete {
  side: 'before' | 'after';
  /** Scenarios the run selected but the file does not hold. */
  missing: string[];
  /** Scenarios Ctrl-C or SIGTERM stopped part-way: their last run is left out. */
  interrupted: string[];
}

export interface Comparison {
  test: ChangeTest;
  /** Only of scenario × server pairs present in both files and measured the same way. */
  changes: MetricChange[];
  regressions: MetricChange[];
  /** Every pair not compared, with why: in one file only, run with other settings, nothing measured. */
  leftOut: LeftOut[];
  incomplete: Incomplete[];
  /** Environment fields that differ, which make any change suspect. */
  environmentDifferences: string[];
  /** Load options that differ (e.g. --quick against a full run); the scenarios they changed are left out. */
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
const OPTION_FIELDS = [
  'quick',
  'repeats',
  'durationS',
  'warmupS',
  'connections',
  'workers',
  'ratePerS',
  'generators',
  'pin',
  'host',
] as const;

/**
 * Options of a run that change what every scenario measures and that no scenario's parameters record:
 * --quick (shorter warm-ups too), how many generator processes send, --pin (a core fewer for the
 * servers) and the address. The rest (duration, connections, workers, rate) each scenario that uses
 * them records among its parameters; --repeats changes how many runs, not what one measures.
 */
const MEASUREMENT_OPTIONS = ['quick', 'generators', 'pin', 'host'] as const;

/** Version-1 files kept each server's measured warm-up baseline among the parameters: not a setting. */
const isSetting = (key: string) => !key.startsWith('baselineMs.');

const shown = (value: unknown) => (value === undefined ? 'not recorded' : String(value));

/** "sleepMs 1000 → 200, offsetMs 100 → 20": the run-wide options and parameters the two scenarios differ in. */
function settingsDifferences(before: Results, after: Results, scenarioBefore: ScenarioResult, scenarioAfter: ScenarioResult): string[] {
  const options = MEASUREMENT_OPTIONS.filter((f) => before.options[f] !== after.options[f]).map(
    (f) => `${f} ${shown(before.options[f])} → ${shown(after.options[f])}`,
  );
  const keys = [...new Set([...Object.keys(scenarioBefore.parameters), ...Object.keys(scenarioAfter.parameters)])].filter(isSetting);
  const parameters = keys
    .filter((k) => scenarioBefore.parameters[k] !== scenarioAfter.parameters[k])
    .map((k) => `${k} ${shown(scenarioBefore.parameters[k])} → ${shown(scenarioAfter.parameters[k])}`);
  return [...options, ...parameters];
}

function incompleteness(results: Results, side: Incomplete['side']): Incomplete | undefined {
  const held = new Set(results.scenarios.map((s) => s.id));
  const missing = results.complete ? [] : results.options.scenarios.filter((id) => !held.has(id));
  const interrupted = results.scenarios.filter((s) => s.interrupted).map((s) => s.id);
  return results.complete && interrupted.length === 0 ? undefined : { side, missing, interrupted };
}

/**
 * Lines up every metric of every scenario × server pair that both files hold and that both runs
 * measured the same way: the same scenario parameters (what was sent: sleep, offset, target,
 * connections, duration, rate, workers …) and the same run-wide MEASUREMENT_OPTIONS. Everything else is
 * listed in `leftOut` with why, so that a quick run against a full one, or two runs of different
 * servers, is never read as a regression, nor as a pass.
 */
export function compareResults(before: Results, after: Results, thresholdPct: number): Comparison {
  const test = changeTest(thresholdPct);
  const changes: MetricChange[] = [];
  const leftOut: LeftOut[] = [];
  const leave = (scenario: string, server: string, why: string) => {
    const same = leftOut.find((l) => l.scenario === scenario && l.why === why);
    if (same) same.servers.push(server);
    else leftOut.push({ scenario, servers: [server], why });
  };
  const sides = { before, after };
  /** Why a scenario or server one side holds is missing from the other (`side`). */
  const absent = (side: 'before' | 'after', scenarioId: string, server?: string) => {
    const results = sides[side];
    const scenario = results.scenarios.find((s) => s.id === scenarioId);
    const reason = server === undefined ? undefined : scenario?.leftOut?.[server];
    if (reason) return `not run in ${side}: ${reason}`;
    if (!scenario && !results.complete && results.options.scenarios.includes(scenarioId))
      return `not run in ${side}: that run stopped before it`;
    return `only in ${side === 'before' ? 'after' : 'before'}`;
  };

  for (const scenarioAfter of after.scenarios) {
    const scenarioBefore = before.scenarios.find((s) => s.id === scenarioAfter.id);
    if (!scenarioBefore) {
      for (const r of scenarioAfter.results) leave(scenarioAfter.id, r.server, absent('before', scenarioAfter.id));
      continue;
    }
    const differences = settingsDifferences(before, after, scenarioBefore, scenarioAfter);
    if (differences.length > 0) {
      const servers = [...new Set([...scenarioAfter.results, ...scenarioBefore.results].map((r) => r.server))];
      for (const server of servers) leave(scenarioAfter.id, server, `run with other settings: ${differences.join(', ')}`);
      continue;
    }
    for (const resultAfter of scenarioAfter.results) {
      const resultBefore = scenarioBefore.results.find((r) => r.server === resultAfter.server);
      if (!resultBefore) {
        leave(scenarioAfter.id, resultAfter.server, absent('before', scenarioAfter.id, resultAfter.server));
        continue;
      }
      const pairChanges = (Object.entries(resultAfter.metrics) as [MetricName, Summary][]).flatMap(([metric, summaryAfter]) => {
        const summaryBefore = resultBefore.metrics[metric];
        if (!summaryBefore) return [];
        return [
          { scenario: scenarioAfter.id, server: resultAfter.server, metric, ...classifyChange(metric, summaryBefore, summaryAfter, test) },
        ];
      });
      if (pairChanges.length === 0) {
        const failures = [
          ...(resultBefore.failed ? [`failed in before (${resultBefore.problems[0] ?? 'no reason recorded'})`] : []),
          ...(resultAfter.failed ? [`failed in after (${resultAfter.problems[0] ?? 'no reason recorded'})`] : []),
        ];
        leave(scenarioAfter.id, resultAfter.server, `no metric measured in both${failures.length > 0 ? `: ${failures.join('; ')}` : ''}`);
      }
      changes.push(...pairChanges);
    }
    for (const resultBefore of scenarioBefore.results) {
      if (!scenarioAfter.results.some((r) => r.server === resultBefore.server))
        leave(scenarioBefore.id, resultBefore.server, absent('after', scenarioBefore.id, resultBefore.server));
    }
  }
  for (const scenarioBefore of before.scenarios) {
    if (after.scenarios.some((s) => s.id === scenarioBefore.id)) continue;
    for (const r of scenarioBefore.results) leave(scenarioBefore.id, r.server, absent('after', scenarioBefore.id));
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
    leftOut,
    incomplete: [incompleteness(before, 'before'), incompleteness(after, 'after')].filter((i) => i !== undefined),
    environmentDifferences,
    optionDifferences,
  };
}
