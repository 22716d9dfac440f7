import type { Model } from '@loopbench/contract';
import { type Expectation, METRICS, type MetricName, type MetricValues } from '../catalogue/metrics.js';
import type { Summary, TheoryCheck } from '../results/results.js';
import { relativeDifference } from './stats.js';

/** What theory gets to know of one server after its runs. */
export interface Evidence {
  model: Model;
  /** The server hands CPU work to a thread pool (its package declares cpuOffload). */
  cpuOffload: boolean;
  /** Threads of a thread-pool server's pool (its package declares poolSize). */
  poolSize?: number;
  /** Cores the servers may use (one fewer with --pin). */
  cores: number;
  /** Over the valid runs. */
  metrics: Partial<Record<MetricName, Summary>>;
  /** What its warm-up measured for theory, e.g. an open-loop baseline. */
  warmup: MetricValues;
}

export interface HeadOfLineInput {
  sleepMs: number;
  /** When the fast request was sent, after the slow one. */
  offsetMs: number;
  baselineLatencyMs: number;
}

/** Whether a model makes other requests wait while one waits: only the blocking one (a pool has threads to spare). */
export const waitsInLine = (model: Model) => model === 'blocking';

/**
 * Head-of-line: a blocking server answers /fast only after the slow request, so it waits the
 * rest of the sleep (β = 1); a non-blocking server answers at once (β = 0).
 */
export function expectHeadOfLine(model: Model, input: HeadOfLineInput): Expectation {
  const waitMs = waitsInLine(model) ? input.sleepMs - input.offsetMs : 0;
  return {
    blockingIndex: waitsInLine(model) ? 1 : 0,
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
 * Of a closed loop's C requests in a process that serves `parallel` of them at once, each waits
 * behind the others: the share of its latency spent waiting in line is 1 − parallel/C.
 */
const waitingShare = (connections: number, parallel: number) => 1 - Math.min(1, parallel / connections);

/**
 * I/O-bound closed loop (Little's law, L = X·W): a blocking process serves one sleep at a time, so
 * N workers give X = N/S; a non-blocking one overlaps every connection's sleep, X = C/S; a thread
 * pool overlaps as many as it has threads, X = min(C, N·P)/S. A request of the blocking server is
 * served for S and waits (C/N − 1)·S in line before it.
 */
export function expectIoBound(model: Model, input: LoadInput & { sleepMs: number; poolSize?: number }): Expectation {
  const { connections, workers, sleepMs } = input;
  const concurrent = Math.min(
    connections,
    model === 'blocking' ? workers : model === 'thread-pool' ? workers * (input.poolSize ?? Number.NaN) : connections,
  );
  const throughputRps = (concurrent / sleepMs) * 1000;
  const latencyMeanMs = (connections / throughputRps) * 1000;
  const expected: Expectation = {
    throughputRps,
    latencyMeanMs,
    queueMsMean: latencyMeanMs - sleepMs,
    serviceMsMean: sleepMs,
    queueShare: waitingShare(connections, concurrent),
    // A blocked thread is occupied all the time; an awaiting loop (or one handing waits to a pool) is idle almost all of it.
    eventLoopUtilization: model === 'blocking' ? 1 : 0,
  };
  // A pool counts its requests where it takes them (on its threads, or before handing them over): in flight is not fixed by the model.
  if (model === 'thread-pool') return expected;
  return { ...expected, maxInFlight: model === 'blocking' ? 1 : Math.ceil(connections / workers) };
}

/**
 * CPU-bound closed loop (utilisation law, X = U / S): the loop runs on the thread in both models, so
 * each process completes one request per CPU service time S and only more processes, up to the
 * cores, add throughput; a server that hands CPU work to a thread pool (cpuOffload) uses every core. S is the CPU time per request the servers report for the same runs, so a
 * host whose speed drifts between runs does not move the prediction away from the measurement.
 */
export function expectCpuBound(model: Model, input: LoadInput & { serviceMs: number; cpuOffload?: boolean }): Expectation {
  const { connections, workers, cores, serviceMs } = input;
  // Python's pool threads take turns under the GIL: only a pool that declares cpuOffload computes in parallel.
  const parallel = Math.min(input.cpuOffload ? cores : workers, cores, connections);
  const throughputRps = (parallel / serviceMs) * 1000;
  const expected: Expectation = { throughputRps, latencyMeanMs: (connections / throughputRps) * 1000, cpuUtilization: parallel };
  // Off the loop, a request waits for a pool thread (or the GIL) inside its handler, so Server-Timing counts that wait as served.
  if (input.cpuOffload || model === 'thread-pool') return { ...expected, queueShare: 0 };
  // On the loop the thread computes, one request at a time, in both models: the others wait in line.
  return { ...expected, maxInFlight: 1, eventLoopUtilization: 1, queueShare: waitingShare(connections, workers) };
}

export interface StallInput {
  stallMs: number;
  /** How long fast requests keep arriving. */
  durationMs: number;
  /** λ × service time of a fast request: the share of time the server needs for them. */
  utilization: number;
  /** A fast request's latency when nothing is in the way. */
  baselineMs: number;
}

/**
 * One stall of S ms in a blocking server, with fast requests arriving evenly over T: those arriving
 * while it stalls (and while it then works off their queue) wait the rest of it, so a share
 * f = S / ((1 − ρ)·T) of them wait uniformly between 0 and S. P(wait > x) = f·(1 − x/S), and the
 * q-quantile is S·(1 − (1 − q)/f) above the baseline, or the baseline when 1 − q ≥ f.
 */
export function stallQuantileMs(q: number, input: StallInput): number {
  const share = input.stallMs / ((1 - input.utilization) * input.durationMs);
  const tail = 1 - q;
  return input.baselineMs + (tail >= share ? 0 : input.stallMs * (1 - tail / share));
}

/** The mean of the stall model: E[wait] = ∫ min(1, f·(1 − x/S)) dx over 0..S. */
export function stallMeanMs(input: StallInput): number {
  const share = input.stallMs / ((1 - input.utilization) * input.durationMs);
  const wait = share <= 1 ? (share * input.stallMs) / 2 : input.stallMs * (1 - 1 / (2 * share));
  return input.baselineMs + wait;
}

/** The stall model for a blocking server; a non-blocking one (or a pool with threads to spare) keeps its baseline. */
export function expectStall(model: Model, input: StallInput): Expectation {
  if (!waitsInLine(model)) {
    const b = input.baselineMs;
    return { fastLatencyMeanMs: b, fastLatencyP50Ms: b, fastLatencyP90Ms: b, fastLatencyP99Ms: b, fastLatencyP999Ms: b };
  }
  return {
    fastLatencyMeanMs: stallMeanMs(input),
    fastLatencyP50Ms: stallQuantileMs(0.5, input),
    fastLatencyP90Ms: stallQuantileMs(0.9, input),
    fastLatencyP99Ms: stallQuantileMs(0.99, input),
    fastLatencyP999Ms: stallQuantileMs(0.999, input),
    fastLatencyMaxMs: input.baselineMs + input.stallMs,
  };
}

export interface ShareInput {
  ratePerS: number;
  slowShare: number;
  slowMs: number;
  /** Service time of a fast request on the server. */
  fastServiceMs: number;
  baselineMs: number;
}

/**
 * Poisson arrivals with a share p of slow requests at a blocking server: an M/G/1 queue, whose mean
 * wait is λ·E[S²] / (2(1 − ρ)) (Pollaczek–Khinchine) for every arrival, fast ones included. A
 * non-blocking server waits only on the slow requests themselves, so fast ones keep the baseline.
 */
export function expectShare(model: Model, input: ShareInput): Expectation {
  if (!waitsInLine(model)) return { fastLatencyMeanMs: input.baselineMs };
  const lambda = input.ratePerS / 1000;
  const slow = input.slowMs + input.fastServiceMs;
  const fast = input.fastServiceMs;
  const mean = input.slowShare * slow + (1 - input.slowShare) * fast;
  const secondMoment = input.slowShare * slow ** 2 + (1 - input.slowShare) * fast ** 2;
  const rho = lambda * mean;
  if (rho >= 1) return { fastLatencyMeanMs: Number.POSITIVE_INFINITY };
  return { fastLatencyMeanMs: input.baselineMs + (lambda * secondMoment) / (2 * (1 - rho)) };
}

/**
 * The split of a predicted mean latency: a request is served for its measured Server-Timing time and
 * waits the rest (in line, on the network, in the client).
 */
export function expectSplit(latencyMeanMs: number | undefined, serviceMsMean: number | undefined): Expectation {
  if (latencyMeanMs === undefined || serviceMsMean === undefined || !Number.isFinite(latencyMeanMs) || latencyMeanMs <= 0) return {};
  const queueMsMean = Math.max(0, latencyMeanMs - serviceMsMean);
  return { queueMsMean, queueShare: queueMsMean / latencyMeanMs };
}

/** One measurement beside its theory (results.json holds them, so the shape is there). */
export type { TheoryCheck };

export function checkTheory(metric: MetricName, measured: number, expected: number): TheoryCheck {
  const { relative, absolute } = METRICS[metric].tolerance;
  const allowed = Math.max(relative * Math.abs(expected), absolute);
  return {
    metric,
    measured,
    expected,
    difference: relativeDifference(measured, expected),
    agrees: Number.isFinite(measured) && Math.abs(measured - expected) <= allowed,
  };
}
