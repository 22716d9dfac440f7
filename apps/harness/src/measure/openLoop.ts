import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseServerTiming } from '@loopbench/contract';
import { type LatencySummaryMs, latencyFields, recordMs, summarizeHistogram } from '../analysis/histogram.js';
import { encodeHistogram, type Histogram, latencyHistogram } from '../results/histogram.js';
import type { PlannedRequest } from './arrivals.js';
import { type GeneratorHealth, watchGenerator } from './generator.js';
import { QueueSplit, type QueueSplitResult, type SplitSums } from './queueSplit.js';
import { TIMELINE_LIMITS, type Timeline, TimelineRecorder } from './timeline.js';

export interface OpenLoopOptions {
  url: string;
  plan: readonly PlannedRequest[];
  /** Per request, from its actual send. */
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * Record a sample of the requests planned between fromMs and toMs (evenly spread, at most
   * TIMELINE_LIMITS.requests), and read the server's /stats (at this base URL) meanwhile.
   */
  timeline?: { statsUrl: string; fromMs: number; toMs: number };
  /**
   * When the plan starts, in performance.timeOrigin-based ms, so several generators share one clock;
   * by default just after the call.
   */
  startAt?: number;
}

/** What one route's requests (fast or slow) of an open-loop run measured. */
export interface RouteResult {
  planned: number;
  answered: number;
  /** From the planned send time: what a user who arrived then waited. */
  latencyMs: LatencySummaryMs;
  /** From the actual send: what the server took once it had the request. */
  serviceMs: LatencySummaryMs;
  latencyHistogram: string;
  /** Latency (from the planned time) split by the server's Server-Timing; absent when no answer carried it. */
  split?: QueueSplitResult;
  splitSums: SplitSums;
  /** Of `serviceMs`, so several generators' add. */
  serviceHistogram: string;
}

/**
 * Every request of a run that was sent, one index per request in the order sent (several generators'
 * merged: by `sentMs`), as parallel arrays: ms from the plan's start t0, the clock generators share.
 * Missing figures are NaN (null once through JSON: protocol.ts's receivedOpenLoop restores them).
 */
export interface RequestRecords {
  route: ('fast' | 'slow')[];
  /** When the plan said to send it. */
  plannedMs: number[];
  /** When it was sent. */
  sentMs: number[];
  /** When its answer ended; NaN when it got none, or not a 2xx (error, timeout, abort, non-2xx). */
  answeredMs: number[];
  /** Its handler's time, from the answer's Server-Timing (a non-2xx's too); NaN when no answer came or it carried none. */
  servedMs: number[];
}

export const emptyRecords = (): RequestRecords => ({ route: [], plannedMs: [], sentMs: [], answeredMs: [], servedMs: [] });

/** To the µs, as Server-Timing gives it: shorter on the wire, nothing lost. */
export const us = (ms: number) => Math.round(ms * 1000) / 1000;

export interface OpenLoopResult {
  planned: number;
  sent: number;
  answered: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  fast: RouteResult;
  slow: RouteResult;
  /** Actual send time minus planned send time: how far the generator fell behind its plan. */
  sendLagMs: LatencySummaryMs;
  sendLagHistogram: string;
  elapsedMs: number;
  /** Every request sent, for a prediction of this very run (Lindley's recursion, analysis/lindley.ts). */
  requests: RequestRecords;
  /** When asked for: the sampled requests and /stats readings, ms from the plan's start. */
  timeline?: Timeline;
  generator: GeneratorHealth;
}

/** One route's histograms and split while a run is under way. */
export interface RouteHistograms {
  planned: number;
  answered: number;
  latency: Histogram;
  service: Histogram;
  split: QueueSplit;
}

export const routeHistograms = (): RouteHistograms => ({
  planned: 0,
  answered: 0,
  latency: latencyHistogram(),
  service: latencyHistogram(),
  split: new QueueSplit(),
});

/** One route's histograms and split as its result (also several generators' once merged). */
export function routeResult(route: RouteHistograms): RouteResult {
  return {
    planned: route.planned,
    answered: route.answered,
    ...latencyFields(route.latency),
    serviceMs: summarizeHistogram(route.service),
    serviceHistogram: encodeHistogram(route.service),
    ...route.split.fields(),
  };
}

/** Which planned requests a timeline keeps: every k-th of those planned inside its window, at most the limit. */
function timelineRows(plan: readonly PlannedRequest[], fromMs: number, toMs: number): Map<number, number> {
  const inside = plan.flatMap((r, i) => (r.atMs >= fromMs && r.atMs < toMs ? [i] : []));
  const stride = Math.ceil(inside.length / TIMELINE_LIMITS.requests);
  return new Map(inside.filter((_, k) => k % stride === 0).map((index, row) => [index, row]));
}

/** Lead time before the first planned request, so set-up never counts as lag. */
const START_LEAD_MS = 20;

/**
 * Open-loop load: every request goes out at its planned time t0 + atMs whatever the server does —
 * a self-correcting timer sends everything due and never waits for answers, on as many sockets as
 * it takes — and latency is measured from the planned time, so a stalled server cannot hide its
 * queue (no coordinated omission). Resolves when every request is answered, failed or timed out.
 */
export function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { url, plan, timeoutMs } = options;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const routes = { fast: routeHistograms(), slow: routeHistograms() };
  for (const request of plan) routes[request.route].planned += 1;
  const sendLag = latencyHistogram();
  const counts = { sent: 0, answered: 0, errors: 0, timeouts: 0, non2xx: 0 };
  const requests = emptyRecords();
  const stopWatching = watchGenerator();
  const t0 = options.startAt !== undefined ? options.startAt - performance.timeOrigin : performance.now() + START_LEAD_MS;
  const { timeline } = options;
  const rows = timeline ? timelineRows(plan, timeline.fromMs, timeline.toMs) : new Map<number, number>();
  const recorder = timeline ? new TimelineRecorder(t0, timeline.statsUrl) : undefined;
  let next = 0;
  let settled = 0;
  let timer: NodeJS.Timeout | undefined;

  return new Promise((resolve) => {
    const finish = async () => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      agent.destroy();
      const elapsedMs = performance.now() - t0;
      const generator = stopWatching();
      const recorded = timeline ? await recorder?.finish(timeline.fromMs) : undefined;
      resolve({
        planned: plan.length,
        ...counts,
        fast: routeResult(routes.fast),
        slow: routeResult(routes.slow),
        sendLagMs: summarizeHistogram(sendLag),
        sendLagHistogram: encodeHistogram(sendLag),
        elapsedMs,
        requests,
        ...(recorded ? { timeline: recorded } : {}),
        generator,
      });
    };
    const settle = () => {
      settled += 1;
      if (settled === plan.length) finish();
    };
    const abort = () => {
      // Requests not yet sent are dropped; those in flight still settle (answered or destroyed).
      settled += plan.length - next;
      next = plan.length;
      agent.destroy();
      if (settled >= plan.length) finish();
    };
    options.signal?.addEventListener('abort', abort, { once: true });

    const send = (planned: PlannedRequest, plannedAt: number, row: number | undefined) => {
      const sentAt = performance.now();
      recordMs(sendLag, Math.max(0.001, sentAt - plannedAt));
      counts.sent += 1;
      // Its slot, filled in when its answer ends: the records stay in the order sent.
      const index = requests.sentMs.length;
      requests.route.push(planned.route);
      requests.plannedMs.push(us(plannedAt - t0));
      requests.sentMs.push(us(sentAt - t0));
      requests.answeredMs.push(Number.NaN);
      requests.servedMs.push(Number.NaN);
      const route = routes[planned.route];
      let done = false;
      let timedOut = false;
      // Exactly one outcome per request, whichever event comes first.
      const outcome = (what: 'answered' | 'non2xx' | 'errors' | 'timeouts') => {
        if (done) return;
        done = true;
        counts[what] += 1;
        settle();
      };
      const req = http.get(url + planned.target, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          const doneAt = performance.now();
          const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
          const served = parseServerTiming(res.headers['server-timing']);
          if (!done) requests.servedMs[index] = served ?? Number.NaN;
          if (ok && !done) {
            route.answered += 1;
            recordMs(route.latency, doneAt - plannedAt);
            recordMs(route.service, doneAt - sentAt);
            route.split.add(doneAt - plannedAt, served);
            requests.answeredMs[index] = us(doneAt - t0);
            if (row !== undefined) recorder?.add(row, plannedAt, sentAt, doneAt, served);
          }
          outcome(ok ? 'answered' : 'non2xx');
        });
      });
      req.setTimeout(timeoutMs, () => {
        timedOut = true;
        req.destroy();
      });
      req.on('error', () => outcome(timedOut ? 'timeouts' : 'errors'));
      req.on('close', () => outcome(timedOut ? 'timeouts' : 'errors'));
    };

    const tick = () => {
      const now = performance.now();
      while (next < plan.length && t0 + (plan[next] as PlannedRequest).atMs <= now) {
        const planned = plan[next] as PlannedRequest;
        send(planned, t0 + planned.atMs, rows.get(next));
        next += 1;
      }
      if (next < plan.length) timer = setTimeout(tick, Math.max(0, t0 + (plan[next] as PlannedRequest).atMs - performance.now()));
    };
    if (plan.length === 0) finish();
    else timer = setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
}
