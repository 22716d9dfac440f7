/**
 * What a run's own arrivals and service times predict, request by request (issue #24): an open-loop
 * run plans its arrivals and each answer carries Server-Timing, so Lindley's recursion gives the wait
 * a single FIFO server must produce for this very sequence, with no distribution assumed.
 */
import type { Model } from '@loopbench/contract';
import type { MetricName } from '../catalogue/metrics.js';
import { latencyHistogram } from '../results/histogram.js';
import type { Prediction } from '../results/results.js';
import { type LatencySummaryMs, recordMs, summarizeHistogram } from './histogram.js';
import { median } from './stats.js';

/**
 * A run's requests as the open-loop generator records them (measure/openLoop.ts RequestRecords), one
 * index per request, ms from the plan's start. NaN where a figure is missing.
 */
export interface RunRequests {
  readonly route: ArrayLike<'fast' | 'slow'>;
  readonly plannedMs: ArrayLike<number>;
  readonly sentMs: ArrayLike<number>;
  /** NaN: no 2xx answer (error, timeout, non-2xx). */
  readonly answeredMs: ArrayLike<number>;
  /** Server-Timing; NaN when absent. */
  readonly servedMs: ArrayLike<number>;
}

/**
 * Lindley's recursion: the wait in line of each request at a single FIFO server, W₁ = 0 and
 * Wₙ₊₁ = max(0, Wₙ + Sₙ − (Aₙ₊₁ − Aₙ)), for arrivals A in order (ms) and service times S (ms).
 */
export function fifoWaits(arrivalsMs: ArrayLike<number>, serviceMs: ArrayLike<number>): Float64Array {
  const waits = new Float64Array(arrivalsMs.length);
  for (let n = 1; n < arrivalsMs.length; n++) {
    const gap = (arrivalsMs[n] as number) - (arrivalsMs[n - 1] as number);
    waits[n] = Math.max(0, (waits[n - 1] as number) + (serviceMs[n - 1] as number) - gap);
  }
  return waits;
}

export interface RealisedInput {
  model: Model;
  /** Processes of the server: the single FIFO server is one, so a blocking server of more gets no prediction. */
  workers: number;
  /**
   * The server's CPU per request outside its own timing, at most (the caller passes its measured CPU
   * per request): the high recursion adds it to every service time.
   */
  overheadMs: number;
  /** The round trip outside the server's timing, at most: each latency gets [0, roundTripMs] on top. */
  roundTripMs: number;
}

/** Each answered fast request's latency from its planned time, at its least and at its most. */
export interface FastLatencyBounds {
  low: Float64Array;
  high: Float64Array;
}

/**
 * Per answered fast request (in the order sent): (sent − planned) + W + served + [0, roundTrip].
 * A blocking server's W is Lindley's recursion over every request it got (arrival = the actual send,
 * service = Server-Timing, slow ones included; one without Server-Timing, failed or not, counts its
 * route's median), low with that service, high with overheadMs more per request; the other models
 * wait for nothing (W = 0): a request's own lag and service are its latency. Undefined when no fast
 * request carried Server-Timing, or for a blocking server of several workers (not one FIFO line).
 */
export function fastLatencyBounds(requests: RunRequests, input: RealisedInput): FastLatencyBounds | undefined {
  // Only a blocking server makes a request wait for the others: a pool has threads to spare.
  const blocking = input.model === 'blocking';
  if (blocking && input.workers !== 1) return undefined;
  // In the order they reached the server: merged records are sorted already, but nothing relies on it.
  const order = Array.from({ length: requests.sentMs.length }, (_, i) => i)
    .filter((i) => Number.isFinite(requests.sentMs[i]))
    .sort((a, b) => (requests.sentMs[a] as number) - (requests.sentMs[b] as number));
  const servedOf = (route: 'fast' | 'slow') => order.filter((i) => requests.route[i] === route).map((i) => requests.servedMs[i] as number);
  const medians = {
    fast: median(servedOf('fast').filter(Number.isFinite)),
    slow: median(servedOf('slow').filter(Number.isFinite)),
  };
  if (Number.isNaN(medians.fast)) return undefined;
  const service = order.map((i) => {
    const served = requests.servedMs[i] as number;
    if (Number.isFinite(served)) return served;
    const planned = medians[requests.route[i] as 'fast' | 'slow'];
    return Number.isFinite(planned) ? planned : 0;
  });
  const arrivals = order.map((i) => requests.sentMs[i] as number);
  const none = new Float64Array(order.length);
  const lowWaits = blocking ? fifoWaits(arrivals, service) : none;
  const withOverhead = service.map((s) => s + input.overheadMs);
  const highWaits = blocking ? fifoWaits(arrivals, withOverhead) : none;
  const low: number[] = [];
  const high: number[] = [];
  order.forEach((i, n) => {
    if (requests.route[i] !== 'fast' || !Number.isFinite(requests.answeredMs[i])) return;
    const own = (requests.sentMs[i] as number) - (requests.plannedMs[i] as number) + (service[n] as number);
    low.push(own + (lowWaits[n] as number));
    high.push(own + (highWaits[n] as number) + input.roundTripMs);
  });
  return { low: Float64Array.from(low), high: Float64Array.from(high) };
}

/**
 * The statistics the realised run predicts: the mean only. A work-conserving server gives every order
 * of service the same mean wait, but which request waits which wait depends on the order, and Node
 * serves a connection it already holds before new ones accepted meanwhile (libuv reads ready sockets
 * before the new ones): after a stall, later requests on kept-alive sockets overtake the backlog, so
 * quantiles are FIFO's only in order, not in value. The stall model judges the quantiles.
 */
const STATISTICS = {
  fastLatencyMeanMs: 'mean',
} as const satisfies Partial<Record<MetricName, keyof LatencySummaryMs>>;

export type FastLatencyMetric = keyof typeof STATISTICS;

/** The statistics of per-request latencies as the run's own are made: an HDR histogram of µs, summarised alike. */
function summarize(latenciesMs: ArrayLike<number>) {
  const histogram = latencyHistogram();
  for (let i = 0; i < latenciesMs.length; i++) recordMs(histogram, latenciesMs[i] as number);
  return summarizeHistogram(histogram);
}

/**
 * What this very run's arrivals and service times predict of its fast-request latency statistics
 * (fastLatencyBounds): low is the statistic of every request at its least, high at its most, expected
 * of each request's midpoint; the same histogram and nearest-rank quantiles as the measured figures.
 * Empty when there is nothing to predict from (see fastLatencyBounds) or no fast request was answered.
 */
export function predictFastLatency(requests: RunRequests, input: RealisedInput): Partial<Record<FastLatencyMetric, Prediction>> {
  const bounds = fastLatencyBounds(requests, input);
  if (!bounds || bounds.low.length === 0) return {};
  const low = summarize(bounds.low);
  const high = summarize(bounds.high);
  const expected = summarize(bounds.low.map((l, i) => (l + (bounds.high[i] as number)) / 2));
  const predicted: Partial<Record<FastLatencyMetric, Prediction>> = {};
  for (const [metric, statistic] of Object.entries(STATISTICS) as [FastLatencyMetric, keyof LatencySummaryMs][]) {
    predicted[metric] = { expected: expected[statistic], low: low[statistic], high: high[statistic] };
  }
  return predicted;
}
