import { latencyFields, summarizeHistogram } from '../analysis/histogram.js';
import { encodeHistogram, mergeHistograms } from '../results/histogram.js';
import type { ClosedLoopResult } from './closedLoop.js';
import type { FixedCountResult } from './fixedCount.js';
import type { GeneratorHealth } from './generator.js';
import { type OpenLoopResult, type RequestRecords, type RouteResult, routeResult } from './openLoop.js';
import { QueueSplit } from './queueSplit.js';

/** One generator's result type, as several generators' merge into: each one's health in place of the one. */
export type Merged<R extends { generator: GeneratorHealth }> = Omit<R, 'generator'> & { generators: GeneratorHealth[] };

const sum = <T>(all: readonly T[], of: (one: T) => number) => all.reduce((total, one) => total + of(one), 0);

/** Generators' closed-loop results as one run: counts and per-connection throughput add, histograms add. */
export function mergeClosedLoop(results: readonly ClosedLoopResult[]): Merged<ClosedLoopResult> {
  const timeline = results[0]?.timeline;
  return {
    responses: sum(results, (r) => r.responses),
    non2xx: sum(results, (r) => r.non2xx),
    unavailable: sum(results, (r) => r.unavailable),
    errors: sum(results, (r) => r.errors),
    timeouts: sum(results, (r) => r.timeouts),
    resets: sum(results, (r) => r.resets),
    windowMs: Math.max(...results.map((r) => r.windowMs)),
    throughputRps: sum(results, (r) => r.throughputRps),
    measured: sum(results, (r) => r.measured),
    answeredConnections: sum(results, (r) => r.answeredConnections),
    ...latencyFields(mergeHistograms(results.map((r) => r.latencyHistogram))),
    ...QueueSplit.merge(results.map((r) => r.splitSums)).fields(),
    ...(timeline ? { timeline } : {}),
    generators: results.map((r) => r.generator),
  };
}

/** Generators' fixed-count results as one run: the wall from the first start to the last answer. */
export function mergeFixedCount(results: readonly FixedCountResult[]): Merged<FixedCountResult> {
  const responses = sum(results, (r) => r.responses);
  const non2xx = sum(results, (r) => r.non2xx);
  const startedAt = Math.min(...results.map((r) => r.startedAt));
  const lastAnswerAt = Math.max(...results.map((r) => r.lastAnswerAt));
  const wallMs = lastAnswerAt - startedAt;
  return {
    responses,
    non2xx,
    errors: sum(results, (r) => r.errors),
    timeouts: sum(results, (r) => r.timeouts),
    wallMs,
    throughputRps: ((responses - non2xx) / wallMs) * 1000,
    ...latencyFields(mergeHistograms(results.map((r) => r.latencyHistogram))),
    ...QueueSplit.merge(results.map((r) => r.splitSums)).fields(),
    startedAt,
    lastAnswerAt,
    generators: results.map((r) => r.generator),
  };
}

function mergeRoute(routes: readonly RouteResult[]): RouteResult {
  return routeResult({
    planned: sum(routes, (r) => r.planned),
    answered: sum(routes, (r) => r.answered),
    latency: mergeHistograms(routes.map((r) => r.latencyHistogram)),
    service: mergeHistograms(routes.map((r) => r.serviceHistogram)),
    split: QueueSplit.merge(routes.map((r) => r.splitSums)),
  });
}

/** Several generators' request records as one run's: all of them, in the order sent (they share one clock). */
export function mergeRecords(all: readonly RequestRecords[]): RequestRecords {
  const sent = all.flatMap((r) => r.sentMs);
  const order = sent.map((_, i) => i).sort((a, b) => (sent[a] as number) - (sent[b] as number));
  const merged = <T>(of: (records: RequestRecords) => T[]): T[] => {
    const joined = all.flatMap(of);
    return order.map((i) => joined[i] as T);
  };
  return {
    route: merged((r) => r.route),
    plannedMs: merged((r) => r.plannedMs),
    sentMs: merged((r) => r.sentMs),
    answeredMs: merged((r) => r.answeredMs),
    servedMs: merged((r) => r.servedMs),
  };
}

/** Generators' open-loop results as one run: each sent its share of one plan on one clock. */
export function mergeOpenLoop(results: readonly OpenLoopResult[]): Merged<OpenLoopResult> {
  const sendLag = mergeHistograms(results.map((r) => r.sendLagHistogram));
  const timeline = results[0]?.timeline;
  return {
    planned: sum(results, (r) => r.planned),
    sent: sum(results, (r) => r.sent),
    answered: sum(results, (r) => r.answered),
    errors: sum(results, (r) => r.errors),
    timeouts: sum(results, (r) => r.timeouts),
    non2xx: sum(results, (r) => r.non2xx),
    fast: mergeRoute(results.map((r) => r.fast)),
    slow: mergeRoute(results.map((r) => r.slow)),
    sendLagMs: summarizeHistogram(sendLag),
    sendLagHistogram: encodeHistogram(sendLag),
    elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
    requests: mergeRecords(results.map((r) => r.requests)),
    ...(timeline ? { timeline } : {}),
    generators: results.map((r) => r.generator),
  };
}
