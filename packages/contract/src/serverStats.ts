import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Model } from './model.js';

/** The event-loop delay percentiles of /stats, in ms. */
export interface LoopDelay {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * The body of GET /stats. Counters are cumulative since start; `window*` fields since the last reset.
 * A field the server cannot measure is null (a WSGI server has no event loop), never 0.
 */
export interface StatsSnapshot {
  model: Model;
  pid: number;
  uptimeMs: number;
  requestsHandled: number;
  inFlight: number;
  /** Highest number of requests inside a handler at once, since the window started. */
  maxInFlight: number;
  /** Cumulative since start: active / (active + idle). A blocked thread counts as active. */
  eventLoopUtilization: number | null;
  eventLoopActiveMs: number | null;
  eventLoopIdleMs: number | null;
  /** How late the event loop ran a 10 ms timer, since the window started (monitorEventLoopDelay). */
  eventLoopDelayMs: LoopDelay | null;
  cpuUserMs: number;
  cpuSystemMs: number;
  rssBytes: number;
  windowStartedAtMs: number;
}

/** /stats as a Node server measures it: every field. */
export type MeasuredStats = { [K in keyof StatsSnapshot]: NonNullable<StatsSnapshot[K]> };

/**
 * What a server's GET /stats reports, kept as it runs: requests in flight (begin), and the event
 * loop, CPU and memory read when asked (snapshot). serve() makes one per process.
 */
export interface StatsRecorder {
  /** The model the server declared; apps may pick their waiting primitive by it. */
  readonly model: Model;
  /** Marks a request as entering its handler; call the returned function once when it has replied. */
  begin(): () => void;
  snapshot(options?: { reset?: boolean }): MeasuredStats;
}

/**
 * Node's default. A 1 ms sampler cost an idle server 2.7% of a core, and with --servers all the
 * idle servers waiting their turn took that from the one being measured and from the generator.
 */
const DELAY_RESOLUTION_MS = 10;

export function createStatsRecorder(model: Model): StatsRecorder {
  const delay: IntervalHistogram = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  delay.enable();
  const startedAt = performance.now();
  let windowStartedAt = startedAt;
  let inFlight = 0;
  let maxInFlight = 0;
  let requestsHandled = 0;

  // The histogram records whole intervals between its ticks; lateness is the part beyond the tick.
  const ms = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - DELAY_RESOLUTION_MS) : 0);

  return {
    model,
    begin() {
      inFlight += 1;
      if (inFlight > maxInFlight) maxInFlight = inFlight;
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        inFlight -= 1;
        requestsHandled += 1;
      };
    },
    snapshot({ reset = false } = {}) {
      const elu = performance.eventLoopUtilization();
      const cpu = process.cpuUsage();
      const empty = delay.count === 0;
      const snapshot: MeasuredStats = {
        model,
        pid: process.pid,
        uptimeMs: performance.now() - startedAt,
        requestsHandled,
        inFlight,
        maxInFlight,
        eventLoopUtilization: elu.utilization,
        eventLoopActiveMs: elu.active,
        eventLoopIdleMs: elu.idle,
        eventLoopDelayMs: {
          min: empty ? 0 : ms(delay.min),
          mean: empty ? 0 : ms(delay.mean),
          p50: empty ? 0 : ms(delay.percentile(50)),
          p90: empty ? 0 : ms(delay.percentile(90)),
          p99: empty ? 0 : ms(delay.percentile(99)),
          max: empty ? 0 : ms(delay.max),
        },
        cpuUserMs: cpu.user / 1000,
        cpuSystemMs: cpu.system / 1000,
        rssBytes: process.memoryUsage.rss(),
        windowStartedAtMs: windowStartedAt - startedAt,
      };
      if (reset) {
        delay.reset();
        maxInFlight = inFlight;
        windowStartedAt = performance.now();
      }
      return snapshot;
    },
  };
}
