import type { Expectation, MetricName, MetricValues } from '../results/results.js';

// The names are results.json's (results/schema.ts, in this order); this file says what each one is.
export type { Expectation, MetricName, MetricValues };

/** Which way a metric is better, for compare; descriptive metrics have none. */
export type Better = 'higher' | 'lower';

export interface MetricInfo {
  /** What it is, as a table row says it (the unit follows in brackets). */
  readonly label: string;
  readonly unit?: 'ms' | 'req/s' | 'cores';
  readonly better?: Better;
  /** How far a measurement may stray from theory and still agree: max(relative·|expected|, absolute). */
  readonly tolerance: { readonly relative: number; readonly absolute: number };
  /** A server may be unable to measure it (a WSGI server has no event loop): shown as "not measured". */
  readonly optional?: true;
}

/**
 * Every metric the harness measures, in the order tables show them: one record each, so a metric
 * without a label, a tolerance or a place in the order cannot exist.
 */
export const METRICS = {
  baselineLatencyMs: { label: 'idle /fast latency', unit: 'ms', tolerance: { relative: 0.5, absolute: 5 } },
  fastLatencyMs: { label: '/fast latency', unit: 'ms', better: 'lower', tolerance: { relative: 0.05, absolute: 10 } },
  slowLatencyMs: { label: '/sleep latency', unit: 'ms', tolerance: { relative: 0.05, absolute: 10 } },
  fastOffsetMs: { label: '/fast sent after /sleep', unit: 'ms', tolerance: { relative: 0.05, absolute: 5 } },
  holDelayMs: { label: 'head-of-line delay', unit: 'ms', better: 'lower', tolerance: { relative: 0.05, absolute: 10 } },
  blockingIndex: { label: 'blocking index β', better: 'lower', tolerance: { relative: 0, absolute: 0.1 } },
  throughputRps: { label: 'throughput', unit: 'req/s', better: 'higher', tolerance: { relative: 0.05, absolute: 0 } },
  latencyMeanMs: { label: 'latency mean', unit: 'ms', better: 'lower', tolerance: { relative: 0.1, absolute: 1 } },
  latencyP50Ms: { label: 'latency p50', unit: 'ms', better: 'lower', tolerance: { relative: 0.1, absolute: 1 } },
  latencyP99Ms: { label: 'latency p99', unit: 'ms', better: 'lower', tolerance: { relative: 0.2, absolute: 2 } },
  // Only a few dozen slow requests per run decide the mean wait, so it is noisy.
  fastLatencyMeanMs: { label: '/fast latency mean', unit: 'ms', better: 'lower', tolerance: { relative: 0.3, absolute: 5 } },
  fastLatencyP50Ms: { label: '/fast latency p50', unit: 'ms', better: 'lower', tolerance: { relative: 0.05, absolute: 5 } },
  fastLatencyP90Ms: { label: '/fast latency p90', unit: 'ms', better: 'lower', tolerance: { relative: 0.05, absolute: 5 } },
  fastLatencyP99Ms: { label: '/fast latency p99', unit: 'ms', better: 'lower', tolerance: { relative: 0.05, absolute: 5 } },
  fastLatencyP999Ms: { label: '/fast latency p99.9', unit: 'ms', better: 'lower', tolerance: { relative: 0.05, absolute: 10 } },
  fastLatencyMaxMs: { label: '/fast latency max', unit: 'ms', tolerance: { relative: 0.05, absolute: 10 } },
  sendLagP99Ms: { label: 'generator send lag p99', unit: 'ms', tolerance: { relative: 0.5, absolute: 2 } },
  closedLoopP50Ms: { label: 'closed-loop view: p50', unit: 'ms', tolerance: { relative: 0.1, absolute: 5 } },
  closedLoopP99Ms: { label: 'closed-loop view: p99', unit: 'ms', tolerance: { relative: 0.1, absolute: 5 } },
  closedLoopMaxMs: { label: 'closed-loop view: max', unit: 'ms', tolerance: { relative: 0.1, absolute: 10 } },
  // Latency split by the server's Server-Timing (open loop: of /fast): waiting includes the network.
  queueMsMean: { label: 'waiting in line, mean', unit: 'ms', better: 'lower', tolerance: { relative: 0.1, absolute: 5 } },
  serviceMsMean: { label: 'being served, mean', unit: 'ms', tolerance: { relative: 0.05, absolute: 2 } },
  queueShare: { label: 'share of latency waiting', better: 'lower', tolerance: { relative: 0, absolute: 0.05 } },
  eventLoopUtilization: { label: 'event loop occupied', tolerance: { relative: 0, absolute: 0.15 }, optional: true },
  cpuUtilization: { label: 'CPU', unit: 'cores', tolerance: { relative: 0.2, absolute: 0.1 } },
  maxInFlight: { label: 'max in flight', tolerance: { relative: 0.2, absolute: 0 } },
  eventLoopDelayP99Ms: { label: 'event-loop delay p99', unit: 'ms', tolerance: { relative: 0.5, absolute: 5 }, optional: true },
  cpuPerRequestMs: { label: 'CPU per request', unit: 'ms', tolerance: { relative: 0.1, absolute: 0.01 } },
} as const satisfies Record<MetricName, MetricInfo>;

/** In the order of METRICS, which is results' METRIC_NAMES order (metrics.test.ts checks it). */
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}

/** The label with its unit, as table rows show it: "throughput (req/s)". */
export function metricLabel(name: MetricName): string {
  const info: MetricInfo = METRICS[name];
  return info.unit ? `${info.label} (${info.unit})` : info.label;
}

/** Whether a server may leave this metric unmeasured (it is then "not measured", never 0). */
export function isOptional(name: MetricName): boolean {
  const info: MetricInfo = METRICS[name];
  return info.optional === true;
}

export function betterOf(name: MetricName): Better | undefined {
  const info: MetricInfo = METRICS[name];
  return info.better;
}
