/**
 * A Locust worker's request records as the built-in generator's results (measure/locust.ts). The
 * worker times every request itself, on its own clock; which requests count is decided here, by the
 * same rules as runClosedLoop, runOpenLoop and runFixedCount, from the records after the fact.
 */
import { parseServerTiming } from '@loopbench/contract';
import { latencyFields, recordMs, summarizeHistogram } from '../analysis/histogram.js';
import { encodeHistogram, latencyHistogram } from '../results/histogram.js';
import { type ClosedLoopOptions, type ClosedLoopResult, type ConnectionSpan, windowFigures } from './closedLoop.js';
import type { FixedCountResult } from './fixedCount.js';
import type { GeneratorHealth } from './generator.js';
import { emptyRecords, type OpenLoopOptions, type OpenLoopResult, routeHistograms, routeResult, us } from './openLoop.js';
import { QueueSplit } from './queueSplit.js';

/**
 * One request, as loopbench_locust.py records it: [key, planned, sent, ended, status, Server-Timing].
 * Times are ms on the worker's clock (epoch-based, monotonic); key is the connection (closed loop,
 * fixed count) or the route (open loop: 0 fast, 1 slow); status is the HTTP status, or one of FAILED.
 */
export type LocustRecord = [key: number, plannedMs: number, sentMs: number, endedMs: number, status: number, serverTiming: string | null];

/** Statuses for requests that got no answer. */
export const FAILED = { error: 0, timeout: -1, reset: -2 } as const;

const ok = (status: number) => status >= 200 && status < 300;
const latency = (r: LocustRecord) => r[3] - r[2];
const served = (r: LocustRecord) => parseServerTiming(r[5] ?? undefined);

/** What every kind counts of the answers and failures. */
function counts(records: readonly LocustRecord[]) {
  let responses = 0;
  let non2xx = 0;
  let unavailable = 0;
  let errors = 0;
  let timeouts = 0;
  let resets = 0;
  for (const [, , , , status] of records) {
    if (status > 0) {
      responses += 1;
      if (!ok(status)) non2xx += 1;
      if (status === 503) unavailable += 1;
    } else if (status === FAILED.timeout) timeouts += 1;
    else {
      errors += 1;
      if (status === FAILED.reset) resets += 1;
    }
  }
  return { responses, non2xx, unavailable, errors, timeouts, resets };
}

type ClosedLoopWindowOptions = Pick<ClosedLoopOptions, 'connections' | 'warmupS' | 'durationS' | 'minCycles' | 'timeoutS'>;

/**
 * A closed loop as records arrive: when its warm-up ended, when its window closed, and whether every
 * measured request has settled (then the harness stops the workers). One account holds every
 * worker's connections (each worker's at its own offset), so all share one window: a worker whose
 * own connections were all answered must not start measuring while another's still wait to enter a
 * blocking server's round (their cycles would be short, and the summed throughput too high). As runClosedLoop:
 * measured are the requests SENT from the warm-up's end (its time, and every connection answered
 * once) to the window's close (its time, and every connection has sent `minCycles` measured ones);
 * a connection that holds either up is waited for at most `timeoutS` more.
 */
export class ClosedLoopAccount {
  private readonly byConnection: LocustRecord[][];
  /** The workers' clock (epoch-based: hosts' clocks must agree) at the latest report. */
  private now = Number.NEGATIVE_INFINITY;
  /** When the last worker started its job. */
  private startedAt: number;

  constructor(
    /** `connections`: every worker's together. */
    private readonly options: ClosedLoopWindowOptions,
    startedAt = Number.NEGATIVE_INFINITY,
  ) {
    this.startedAt = startedAt;
    this.byConnection = Array.from({ length: options.connections }, () => []);
  }

  /** A worker's records; its connection k is connection `offset` + k here. */
  add(
    records: readonly LocustRecord[],
    now: number,
    worker: { offset: number; startedAt: number } = { offset: 0, startedAt: this.startedAt },
  ): void {
    this.startedAt = Math.max(this.startedAt, worker.startedAt);
    this.now = Math.max(this.now, now);
    for (const record of records) {
      this.byConnection[worker.offset + record[0]]?.push(record);
      this.now = Math.max(this.now, record[3]);
    }
  }

  /** From here on requests sent are measured; undefined while the warm-up lasts. */
  steadyFrom(): number | undefined {
    const { warmupS, timeoutS } = this.options;
    if (warmupS === 0) return this.startedAt;
    const warmupEnds = this.startedAt + warmupS * 1000;
    const latest = warmupEnds + timeoutS * 1000;
    // As runClosedLoop's warm-up: any answer counts (a 503 too), a failure does not.
    const firstAnswers = this.byConnection.map((records) => records.find((r) => r[4] > 0)?.[3]);
    if (firstAnswers.every((at) => at !== undefined)) return Math.min(latest, Math.max(warmupEnds, ...(firstAnswers as number[])));
    return this.now >= latest ? latest : undefined;
  }

  /** After this, requests sent are not measured; undefined while the window is open. */
  closedAt(): number | undefined {
    const steadyFrom = this.steadyFrom();
    if (steadyFrom === undefined) return undefined;
    const { durationS, timeoutS } = this.options;
    const minCycles = this.options.minCycles ?? 1;
    const timeUp = steadyFrom + durationS * 1000;
    const latest = timeUp + timeoutS * 1000;
    const enough = this.byConnection.map((records) => records.filter((r) => r[2] >= steadyFrom)[minCycles - 1]?.[2]);
    if (enough.every((at) => at !== undefined)) return Math.min(latest, Math.max(timeUp, ...(enough as number[])));
    return this.now >= latest ? latest : undefined;
  }

  /** Every measured request has settled: each connection has ended one after the close, or had its time. */
  settled(): boolean {
    const closedAt = this.closedAt();
    if (closedAt === undefined) return false;
    if (this.now >= closedAt + this.options.timeoutS * 1000) return true;
    return this.byConnection.every((records) => records.some((r) => r[3] >= closedAt));
  }

  /** The figures of connections [from, to) (by default all), as runClosedLoop's; no timeline: the workers do not read /stats. */
  result(generator: GeneratorHealth, from = 0, to = this.byConnection.length): ClosedLoopResult {
    const steadyFrom = this.steadyFrom() ?? Number.POSITIVE_INFINITY;
    const closedAt = this.closedAt() ?? this.now;
    const histogram = latencyHistogram();
    const split = new QueueSplit();
    const spans: ConnectionSpan[] = this.byConnection.slice(from, to).map((records) => {
      // Up to the close itself: a close waiting on a connection's minCycles-th send is at that send, which is measured.
      const inWindow = records.filter((r) => r[2] >= steadyFrom && r[2] <= closedAt);
      const answered = inWindow.filter((r) => ok(r[4]));
      for (const record of answered) {
        recordMs(histogram, latency(record));
        split.add(latency(record), served(record));
      }
      return {
        answered: records.some((r) => ok(r[4])),
        cycles: answered.length,
        firstSentAt: inWindow[0]?.[2] ?? Number.NaN,
        lastAnsweredAt: answered[answered.length - 1]?.[3] ?? Number.NaN,
      };
    });
    return {
      ...counts(this.byConnection.slice(from, to).flat()),
      ...windowFigures(spans),
      ...latencyFields(histogram),
      ...split.fields(),
      generator,
    };
  }
}

/** One worker's fixed count: every request is measured, the wall from its start to its last answer. */
export function fixedCountResult(records: readonly LocustRecord[], startedAt: number, generator: GeneratorHealth): FixedCountResult {
  const histogram = latencyHistogram();
  const split = new QueueSplit();
  let lastAnswerAt = Number.NaN;
  for (const record of records) {
    if (record[4] > 0) lastAnswerAt = Number.isNaN(lastAnswerAt) ? record[3] : Math.max(lastAnswerAt, record[3]);
    if (!ok(record[4])) continue;
    recordMs(histogram, latency(record));
    split.add(latency(record), served(record));
  }
  const { responses, non2xx, errors, timeouts } = counts(records);
  const wallMs = lastAnswerAt - startedAt;
  return {
    responses,
    non2xx,
    errors,
    timeouts,
    wallMs,
    throughputRps: ((responses - non2xx) / wallMs) * 1000,
    ...latencyFields(histogram),
    ...split.fields(),
    startedAt,
    lastAnswerAt,
    generator,
  };
}

/** One worker's share of an open-loop plan: latency from each request's planned time, as runOpenLoop's. */
export function openLoopResult(
  options: Pick<OpenLoopOptions, 'plan' | 'startAt'>,
  records: readonly LocustRecord[],
  generator: GeneratorHealth,
): OpenLoopResult {
  const t0 = options.startAt ?? 0;
  const routes = { fast: routeHistograms(), slow: routeHistograms() };
  for (const planned of options.plan) routes[planned.route].planned += 1;
  const sendLag = latencyHistogram();
  const requests = emptyRecords();
  let answered = 0;
  let lastEnd = t0;
  for (const record of [...records].sort((a, b) => a[2] - b[2])) {
    const [key, plannedAt, sentAt, endedAt, status] = record;
    const name = key === 0 ? 'fast' : 'slow';
    const timing = served(record);
    recordMs(sendLag, Math.max(0.001, sentAt - plannedAt));
    requests.route.push(name);
    requests.plannedMs.push(us(plannedAt - t0));
    requests.sentMs.push(us(sentAt - t0));
    requests.answeredMs.push(ok(status) ? us(endedAt - t0) : Number.NaN);
    requests.servedMs.push(status > 0 ? (timing ?? Number.NaN) : Number.NaN);
    lastEnd = Math.max(lastEnd, endedAt);
    if (!ok(status)) continue;
    answered += 1;
    const histograms = routes[name];
    histograms.answered += 1;
    recordMs(histograms.latency, endedAt - plannedAt);
    recordMs(histograms.service, endedAt - sentAt);
    histograms.split.add(endedAt - plannedAt, timing);
  }
  const { non2xx, errors, timeouts } = counts(records);
  return {
    planned: options.plan.length,
    sent: records.length,
    answered,
    errors,
    timeouts,
    non2xx,
    fast: routeResult(routes.fast),
    slow: routeResult(routes.slow),
    sendLagMs: summarizeHistogram(sendLag),
    sendLagHistogram: encodeHistogram(sendLag),
    elapsedMs: lastEnd - t0,
    requests,
    generator,
  };
}
