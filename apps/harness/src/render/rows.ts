import { formatNumber, formatRatio } from '../format.js';
import type { ScenarioResult } from '../results.js';
import { ratio, type Summary } from '../stats.js';
import type { MetricName } from '../theory.js';
import { headlinePair } from '../verdict.js';

/** The order metrics appear in, with what each means. */
export const METRIC_LABELS: Record<MetricName, string> = {
  baselineLatencyMs: 'idle /fast latency (ms)',
  fastLatencyMs: '/fast latency (ms)',
  slowLatencyMs: '/sleep latency (ms)',
  holDelayMs: 'head-of-line delay (ms)',
  blockingIndex: 'blocking index β',
  throughputRps: 'throughput (req/s)',
  latencyMeanMs: 'latency mean (ms)',
  latencyP50Ms: 'latency p50 (ms)',
  latencyP99Ms: 'latency p99 (ms)',
  fastLatencyMeanMs: '/fast latency mean (ms)',
  fastLatencyP50Ms: '/fast latency p50 (ms)',
  fastLatencyP90Ms: '/fast latency p90 (ms)',
  fastLatencyP99Ms: '/fast latency p99 (ms)',
  fastLatencyP999Ms: '/fast latency p99.9 (ms)',
  fastLatencyMaxMs: '/fast latency max (ms)',
  sendLagP99Ms: 'generator send lag p99 (ms)',
  closedLoopP50Ms: 'closed-loop view: p50 (ms)',
  closedLoopP99Ms: 'closed-loop view: p99 (ms)',
  closedLoopMaxMs: 'closed-loop view: max (ms)',
  eventLoopUtilization: 'event loop occupied',
  cpuUtilization: 'CPU (cores)',
  maxInFlight: 'max in flight',
  eventLoopDelayP99Ms: 'event-loop delay p99 (ms)',
  cpuPerRequestMs: 'CPU per request (ms)',
};

export type Mark = 'agrees' | 'disagrees' | 'none';

export interface Cell {
  text: string;
  mark: Mark;
}

export interface ScenarioTable {
  header: string[];
  rows: { label: string; metric: MetricName; cells: Cell[] }[];
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
  const present = new Set(scenario.results.flatMap((r) => Object.keys(r.metrics)));
  const rows = (Object.keys(METRIC_LABELS) as MetricName[])
    .filter((metric) => present.has(metric))
    .map((metric) => {
      const cells: Cell[] = scenario.results.flatMap((r) => {
        const check = r.theory.find((t) => t.metric === metric);
        return [
          { text: spread(r.metrics[metric]), mark: 'none' as Mark },
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
      return { label: METRIC_LABELS[metric], metric, cells };
    });
  return { header, rows };
}

/** The one metric that sums a scenario up, for the headline table. */
export const HEADLINE_METRIC: Record<string, MetricName> = {
  'head-of-line': 'fastLatencyMs',
  'io-bound': 'throughputRps',
  hello: 'throughputRps',
  'cpu-bound': 'throughputRps',
  'workers-io-bound': 'throughputRps',
  'workers-cpu-bound': 'throughputRps',
  mixed: 'fastLatencyP99Ms',
  'mixed-share': 'fastLatencyMeanMs',
};

export interface HeadlineRow {
  scenario: string;
  valid: boolean;
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
    const metric = HEADLINE_METRIC[scenario.id] ?? 'throughputRps';
    if (blocking && nonBlocking) servers ??= [blocking.server, nonBlocking.server];
    const a = blocking?.metrics[metric];
    const b = nonBlocking?.metrics[metric];
    const misses = scenario.results.flatMap((r) => r.theory.filter((t) => !t.agrees));
    const checks = scenario.results.reduce((n, r) => n + r.theory.length, 0);
    return {
      scenario: scenario.id,
      valid: scenario.valid,
      metric: METRIC_LABELS[metric],
      blocking: spread(a),
      nonBlocking: spread(b),
      ratio: a && b ? formatRatio(b.median / a.median) : '–',
      theory: checks === 0 ? '–' : misses.length === 0 ? `✓ ${checks} of ${checks}` : `✗ ${misses.length} of ${checks} off`,
    };
  });
  return { servers, rows };
}
