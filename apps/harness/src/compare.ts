import { betterOf, type MetricName } from './metrics.js';
import type { Results } from './results.js';
import { overlaps, relativeDifference, type Summary } from './stats.js';

export type ChangeVerdict = 'improved' | 'regressed' | 'unchanged' | 'changed';

export interface MetricChange {
  scenario: string;
  server: string;
  metric: MetricName;
  before: Summary;
  after: Summary;
  /** after.median / before.median − 1. */
  change: number;
  verdict: ChangeVerdict;
  /** Why: "ranges overlap", "below the 10% threshold", or the direction. */
  reason: string;
}

export interface Comparison {
  changes: MetricChange[];
  regressions: MetricChange[];
  /** Scenario/server pairs present in only one of the files. */
  unmatched: string[];
  /** Environment fields that differ, which make any change suspect. */
  environmentDifferences: string[];
  /** Load options that differ (e.g. --quick against a full run): changes may be the options'. */
  optionDifferences: string[];
}

/**
 * A metric changed only when the two runs' [min, max] ranges do not overlap and the medians differ
 * by at least `thresholdPct`; its direction decides improved or regressed.
 */
export function classifyChange(
  metric: MetricName,
  before: Summary,
  after: Summary,
  thresholdPct: number,
): Omit<MetricChange, 'scenario' | 'server' | 'metric'> {
  const change = relativeDifference(after.median, before.median);
  const base = { before, after, change };
  if (overlaps(before, after)) return { ...base, verdict: 'unchanged', reason: 'within noise (ranges overlap)' };
  if (Math.abs(change) * 100 < thresholdPct) return { ...base, verdict: 'unchanged', reason: `below the ${thresholdPct}% threshold` };
  const better = betterOf(metric);
  if (!better) return { ...base, verdict: 'changed', reason: 'beyond noise; neither direction is better' };
  const up = change > 0;
  const improved = (better === 'higher') === up;
  return { ...base, verdict: improved ? 'improved' : 'regressed', reason: `${better} is better` };
}

const ENVIRONMENT_FIELDS = ['node', 'os', 'cpuModel', 'cpuCount', 'pinned'] as const;
const OPTION_FIELDS = ['quick', 'repeats', 'durationS', 'warmupS', 'connections', 'workers', 'ratePerS', 'pin', 'host'] as const;

export function compareResults(before: Results, after: Results, thresholdPct: number): Comparison {
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
          ...classifyChange(metric, summaryBefore, summaryAfter, thresholdPct),
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
  return { changes, regressions: changes.filter((c) => c.verdict === 'regressed'), unmatched, environmentDifferences, optionDifferences };
}
