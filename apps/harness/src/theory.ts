import type { Model } from '@loopbench/contract';
import { relativeDifference } from './stats.js';

/** What theory predicts, under the same metric names as the measurements. */
export type Expectation = Partial<Record<MetricName, number>>;

export type MetricName =
  | 'baselineLatencyMs'
  | 'fastLatencyMs'
  | 'slowLatencyMs'
  | 'holDelayMs'
  | 'blockingIndex'
  | 'throughputRps'
  | 'latencyMeanMs'
  | 'latencyP50Ms'
  | 'latencyP99Ms'
  | 'eventLoopUtilization'
  | 'cpuUtilization'
  | 'maxInFlight'
  | 'eventLoopDelayP99Ms'
  | 'cpuPerRequestMs';

/** Which way is better, for compare's verdicts; undefined for metrics that are descriptive only. */
export const BETTER: Partial<Record<MetricName, 'higher' | 'lower'>> = {
  throughputRps: 'higher',
  latencyMeanMs: 'lower',
  latencyP50Ms: 'lower',
  latencyP99Ms: 'lower',
  fastLatencyMs: 'lower',
  holDelayMs: 'lower',
  blockingIndex: 'lower',
};

export interface HeadOfLineInput {
  sleepMs: number;
  /** When the fast request was sent, after the slow one. */
  offsetMs: number;
  baselineLatencyMs: number;
}

/**
 * Head-of-line: a blocking server answers /fast only after the slow request, so it waits the
 * rest of the sleep (β = 1); a non-blocking server answers at once (β = 0).
 */
export function expectHeadOfLine(model: Model, input: HeadOfLineInput): Expectation {
  const waitMs = model === 'blocking' ? input.sleepMs - input.offsetMs : 0;
  return {
    blockingIndex: model === 'blocking' ? 1 : 0,
    holDelayMs: waitMs,
    fastLatencyMs: input.baselineLatencyMs + waitMs,
    slowLatencyMs: input.sleepMs,
  };
}

export interface LoadInput {
  connections: number;
  workers: number;
  /** Cores the servers may use. */
  cores: number;
}

/**
 * I/O-bound closed loop (Little's law, L = X·W): a blocking process serves one sleep at a time, so
 * N workers give X = N/S; a non-blocking one overlaps every connection's sleep, X = C/S.
 */
export function expectIoBound(model: Model, input: LoadInput & { sleepMs: number }): Expectation {
  const { connections, workers, sleepMs } = input;
  const concurrent = model === 'blocking' ? Math.min(workers, connections) : connections;
  const throughputRps = (concurrent / sleepMs) * 1000;
  return {
    throughputRps,
    latencyMeanMs: (connections / throughputRps) * 1000,
    maxInFlight: model === 'blocking' ? 1 : Math.ceil(connections / workers),
    // A blocked thread is occupied all the time; an awaiting loop is idle almost all of it.
    eventLoopUtilization: model === 'blocking' ? 1 : 0,
  };
}

/**
 * CPU-bound closed loop (utilisation law, X = U / S): the loop runs on the thread in both models, so
 * each process completes one request per CPU service time S and only more processes, up to the
 * cores, add throughput. S is the CPU time per request the servers report for the same runs, so a
 * host whose speed drifts between runs does not move the prediction away from the measurement.
 */
export function expectCpuBound(_model: Model, input: LoadInput & { serviceMs: number }): Expectation {
  const { connections, workers, cores, serviceMs } = input;
  const parallel = Math.min(workers, cores, connections);
  const throughputRps = (parallel / serviceMs) * 1000;
  return {
    throughputRps,
    latencyMeanMs: (connections / throughputRps) * 1000,
    maxInFlight: 1,
    eventLoopUtilization: 1,
    cpuUtilization: parallel,
  };
}

/** How far a measurement may stray from theory and still agree: max(relative·|expected|, absolute). */
const TOLERANCE: Record<MetricName, { relative: number; absolute: number }> = {
  baselineLatencyMs: { relative: 0.5, absolute: 5 },
  fastLatencyMs: { relative: 0.05, absolute: 10 },
  slowLatencyMs: { relative: 0.05, absolute: 10 },
  holDelayMs: { relative: 0.05, absolute: 10 },
  blockingIndex: { relative: 0, absolute: 0.1 },
  throughputRps: { relative: 0.05, absolute: 0 },
  latencyMeanMs: { relative: 0.1, absolute: 1 },
  latencyP50Ms: { relative: 0.1, absolute: 1 },
  latencyP99Ms: { relative: 0.2, absolute: 2 },
  eventLoopUtilization: { relative: 0, absolute: 0.15 },
  cpuUtilization: { relative: 0.2, absolute: 0.1 },
  maxInFlight: { relative: 0.2, absolute: 0 },
  eventLoopDelayP99Ms: { relative: 0.5, absolute: 5 },
  cpuPerRequestMs: { relative: 0.1, absolute: 0.01 },
};

export interface TheoryCheck {
  metric: MetricName;
  measured: number;
  expected: number;
  /** measured / expected − 1; infinite when theory says 0 and the measurement is not. */
  difference: number;
  agrees: boolean;
}

export function checkTheory(metric: MetricName, measured: number, expected: number): TheoryCheck {
  const { relative, absolute } = TOLERANCE[metric];
  const allowed = Math.max(relative * Math.abs(expected), absolute);
  return {
    metric,
    measured,
    expected,
    difference: relativeDifference(measured, expected),
    agrees: Number.isFinite(measured) && Math.abs(measured - expected) <= allowed,
  };
}
