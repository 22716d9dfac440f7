import type { Expectation, MetricName, MetricValues } from '../results/results.js';

// The names are results.json's (results/schema.ts, in this order); this file says what each one is.
export type { Expectation, MetricName, MetricValues };

/** Which way a metric is better, for compare; descriptive metrics have none. */
export type Better = 'higher' | 'lower';

/**
 * What the instrument cannot resolve, stated once: theory's intervals include it, and nothing else
 * widens them. `roundTripMs`: the loopback round trip, the generator's own turn and the server's
 * parse and write outside its Server-Timing, on a shared 2-core machine. `queryRoundTripMs`: a
 * query's trip to PostgreSQL on loopback and back and pg_sleep's own timer, beyond the sleep, which
 * no instrument times where a pool's queue hides it inside the handler.
 */
export const INSTRUMENT = { roundTripMs: 2, queryRoundTripMs: 2 } as const;

export interface MetricInfo {
  /** What it is, as a table row says it (the unit follows in brackets). */
  readonly label: string;
  readonly unit?: 'ms' | 'req/s' | 'cores';
  readonly better?: Better;
  /**
   * The instrument's resolution for it: a theory check's interval is widened by
   * max(relative·|end|, absolute) at each end, and by nothing else. Where a metric has no sampling
   * noise to speak of (β, max in flight, single requests' timers), this is all its interval is.
   */
  readonly resolution: { readonly relative: number; readonly absolute: number };
  /** A server may be unable to measure it (a WSGI server has no event loop): shown as "not measured". */
  readonly optional?: true;
}

// Single requests (head-of-line) are timed by timers that fire up to a few ms late on a busy machine.
const SINGLE_REQUEST = { relative: 0.05, absolute: 10 } as const;
// Times the generator takes of many requests: HDR's 3 significant digits and the round trip's jitter.
const LATENCY = { relative: 0.01, absolute: INSTRUMENT.roundTripMs } as const;

/**
 * Every metric the harness measures, in the order tables show them: one record each, so a metric
 * without a label, a resolution or a place in the order cannot exist.
 */
export const METRICS = {
  baselineLatencyMs: { label: 'idle /fast latency', unit: 'ms', resolution: LATENCY },
  fastLatencyMs: { label: '/fast latency', unit: 'ms', better: 'lower', resolution: SINGLE_REQUEST },
  slowLatencyMs: { label: '/sleep latency', unit: 'ms', resolution: SINGLE_REQUEST },
  fastOffsetMs: { label: '/fast sent after /sleep', unit: 'ms', resolution: SINGLE_REQUEST },
  holDelayMs: { label: 'head-of-line delay', unit: 'ms', better: 'lower', resolution: SINGLE_REQUEST },
  blockingIndex: { label: 'blocking index β', better: 'lower', resolution: { relative: 0, absolute: 0.1 } },
  // Counts over a clock: each connection's cycles over the time they took.
  throughputRps: { label: 'throughput', unit: 'req/s', better: 'higher', resolution: { relative: 0.02, absolute: 0 } },
  latencyMeanMs: { label: 'latency mean', unit: 'ms', better: 'lower', resolution: LATENCY },
  latencyP50Ms: { label: 'latency p50', unit: 'ms', better: 'lower', resolution: LATENCY },
  latencyP99Ms: { label: 'latency p99', unit: 'ms', better: 'lower', resolution: LATENCY },
  fastLatencyMeanMs: { label: '/fast latency mean', unit: 'ms', better: 'lower', resolution: LATENCY },
  fastLatencyP50Ms: { label: '/fast latency p50', unit: 'ms', better: 'lower', resolution: LATENCY },
  fastLatencyP90Ms: { label: '/fast latency p90', unit: 'ms', better: 'lower', resolution: LATENCY },
  fastLatencyP99Ms: { label: '/fast latency p99', unit: 'ms', better: 'lower', resolution: LATENCY },
  fastLatencyP999Ms: { label: '/fast latency p99.9', unit: 'ms', better: 'lower', resolution: LATENCY },
  fastLatencyMaxMs: { label: '/fast latency max', unit: 'ms', resolution: LATENCY },
  sendLagP99Ms: { label: 'generator send lag p99', unit: 'ms', resolution: LATENCY },
  closedLoopP50Ms: { label: 'closed-loop view: p50', unit: 'ms', resolution: LATENCY },
  closedLoopP99Ms: { label: 'closed-loop view: p99', unit: 'ms', resolution: LATENCY },
  closedLoopMaxMs: { label: 'closed-loop view: max', unit: 'ms', resolution: LATENCY },
  // Latency split by the server's Server-Timing (open loop: of /fast): waiting includes the network.
  queueMsMean: { label: 'waiting in line, mean', unit: 'ms', better: 'lower', resolution: LATENCY },
  serviceMsMean: { label: 'being served, mean', unit: 'ms', resolution: LATENCY },
  queueShare: { label: 'share of latency waiting', better: 'lower', resolution: { relative: 0, absolute: 0.02 } },
  // /stats samples the loop's idle time and the process's CPU time, not every instant of them.
  eventLoopUtilization: { label: 'event loop occupied', resolution: { relative: 0, absolute: 0.15 }, optional: true },
  cpuUtilization: { label: 'CPU', unit: 'cores', resolution: { relative: 0.05, absolute: 0.1 } },
  // Every process's, the load generators' and the harness's too: what a busy machine leaves the server.
  machineCpuUtilization: { label: 'CPU, whole machine', unit: 'cores', resolution: { relative: 0.05, absolute: 0.1 }, optional: true },
  maxInFlight: { label: 'max in flight', resolution: { relative: 0.2, absolute: 0 } },
  // pg_stat_activity read every few ms during the run: a count, give or take a reading between two queries.
  databaseQueriesMax: { label: 'queries at once in the database, max', resolution: { relative: 0, absolute: 0.5 }, optional: true },
  // Processes that handled any request: how many the load reached, not how many ran.
  workersServing: { label: 'processes serving', resolution: { relative: 0, absolute: 0 } },
  eventLoopDelayP99Ms: { label: 'event-loop delay p99', unit: 'ms', resolution: { relative: 0.5, absolute: 5 }, optional: true },
  cpuPerRequestMs: { label: 'CPU per request', unit: 'ms', resolution: { relative: 0.1, absolute: 0.01 } },
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
