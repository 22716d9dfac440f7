import { setMaxListeners } from 'node:events';
import { request } from '@loopbench/contract';
import type { MetricName } from '../catalogue/metrics.js';
import { generateClosedLoop } from '../measure/generators.js';
import { waitUntilIdle } from '../measure/serverStats.js';
import type { Evidence, Predictions, ScenarioKind } from './kind.js';
import { MIN_CYCLES, MIN_LATENCY_SAMPLES, REQUEST_TIMEOUT_S } from './limits.js';
import { loadProblems, runProblem } from './problems.js';
import { signalValues, withServerSignals } from './serverSide.js';

export interface ClosedLoopSettings {
  /** The request target every connection sends, e.g. /sleep?ms=50. */
  target: string;
  connections: number;
  /** Processes per server, for theory. */
  workers: number;
  /** Load is sent from the start of each run, but nothing before this many seconds is measured. */
  warmupS: number;
  durationS: number;
  /** Whether the first run records its timeline (requests and /stats readings) for the report. */
  timeline?: boolean;
  /** What theory predicts for one server; none for scenarios that have no theory. */
  theory?: (evidence: Evidence, settings: ClosedLoopSettings) => Predictions;
  /**
   * Before a server's first run, this many rounds of `connections` requests at once on the target,
   * thrown away: a cold driver opens its pool's connections, a thread pool its threads and their
   * connections, on its first requests (worker-pool took seconds), and that is not its steady state.
   */
  primeRounds?: number;
  /**
   * After each run, wait until the server has answered every request it took: the load stops with
   * requests still waiting in its pool's queue (C − P of them), and a server frozen with them would
   * count them in flight in its next run (koa read 30 at 20 connections).
   */
  drain?: boolean;
}

/** `rounds` rounds of `connections` requests at once, each answered (or failed) before the next; nothing is kept. */
async function prime(url: string, connections: number, rounds: number, signal?: AbortSignal): Promise<void> {
  // Each request of a round listens for Ctrl-C on the run's signal.
  if (signal) setMaxListeners(connections + 10, signal);
  for (let round = 0; round < rounds && !signal?.aborted; round++) {
    const once = () => request(url, { timeoutMs: REQUEST_TIMEOUT_S * 1000, ...(signal ? { signal } : {}) }).catch(() => undefined);
    await Promise.all(Array.from({ length: connections }, once));
  }
}

/**
 * C connections, each sending its next request when the previous answer arrives (autocannon). Each
 * run discards its own first seconds, so a blocking server's queue has filled before measuring, then
 * measures the requests sent in its window, each however long its answer takes; a window shorter
 * than a cycle goes on until every connection has sent enough of them for MIN_LATENCY_SAMPLES.
 */
export const closedLoop: ScenarioKind<ClosedLoopSettings> = {
  name: 'closed-loop',
  parameters: ({ target, connections, warmupS, durationS }) => ({ target, connections, warmupS, durationS }),
  async run(settings, server, repeat, signal) {
    if (settings.primeRounds && repeat === 1) await prime(server.url + settings.target, settings.connections, settings.primeRounds, signal);
    const { load, signals, problems } = await withServerSignals(server, () =>
      generateClosedLoop(
        {
          url: server.url + settings.target,
          connections: settings.connections,
          warmupS: settings.warmupS,
          durationS: settings.durationS,
          minCycles: Math.max(MIN_CYCLES, Math.ceil(MIN_LATENCY_SAMPLES / settings.connections)),
          timeoutS: REQUEST_TIMEOUT_S,
          ...(signal ? { signal } : {}),
          ...(settings.timeline && repeat === 1 ? { timeline: { statsUrl: server.url } } : {}),
        },
        server.generators,
      ),
    );
    const drained =
      !settings.drain ||
      server.exited ||
      (await waitUntilIdle(server.name, server.url, server.workers, REQUEST_TIMEOUT_S * 1000).catch(() => false));
    const found = loadProblems(load);
    if (!drained) found.push(runProblem.notDrained(REQUEST_TIMEOUT_S));
    if (load.responses === 0) found.push(runProblem.noAnswer());
    // Every connection sends its share of the samples: fewer only when requests failed or connections went unanswered.
    const enough = load.latencyMs.count >= MIN_LATENCY_SAMPLES;
    return {
      values: {
        throughputRps: load.throughputRps,
        ...(enough ? { latencyMeanMs: load.latencyMs.mean, latencyP50Ms: load.latencyMs.p50, latencyP99Ms: load.latencyMs.p99 } : {}),
        ...(enough ? load.split : {}),
        ...signalValues(signals, true),
      },
      ...(enough
        ? {}
        : {
            tooFewSamples: ['latencyMeanMs', 'latencyP50Ms', 'latencyP99Ms', 'queueMsMean', 'serviceMsMean', 'queueShare'] as MetricName[],
          }),
      problems: [...found, ...problems],
      latencyHistogram: load.latencyHistogram,
      generators: load.generators,
      ...(load.timeline ? { timeline: load.timeline } : {}),
    };
  },
  expect: (settings, evidence) => settings.theory?.(evidence, settings) ?? {},
};
