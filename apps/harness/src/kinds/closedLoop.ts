import type { MetricName } from '../catalogue/metrics.js';
import { generateClosedLoop } from '../measure/generators.js';
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
    const found = loadProblems(load);
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
