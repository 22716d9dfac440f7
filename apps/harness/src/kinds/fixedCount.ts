import { generateFixedCount } from '../measure/generators.js';
import type { Evidence, Predictions, ScenarioKind } from './kind.js';
import { REQUEST_TIMEOUT_S } from './limits.js';
import { loadProblems, runProblem } from './problems.js';
import { signalValues, withServerSignals } from './serverSide.js';

export interface FixedCountSettings {
  target: string;
  /** ab's -n and -c. */
  requests: number;
  connections: number;
  /** Processes per server, for theory. */
  workers: number;
  /** Requests of the discarded warm-up run. */
  warmupRequests: number;
  theory?: (evidence: Evidence, settings: FixedCountSettings) => Predictions;
}

/**
 * `ab -n N -c C`, the articles' own measurement: a fixed number of requests, throughput over the
 * whole run. A discarded warm-up run first, so no server is measured cold.
 */
export const fixedCount: ScenarioKind<FixedCountSettings> = {
  name: 'fixed-count',
  parameters: ({ target, requests, connections }) => ({ target, requests, connections }),
  async warmup(settings, server, signal) {
    const load = await generateFixedCount(
      {
        url: server.url + settings.target,
        requests: settings.warmupRequests,
        connections: settings.connections,
        timeoutS: REQUEST_TIMEOUT_S,
        ...(signal ? { signal } : {}),
      },
      server.generators,
    );
    return { values: {}, problems: loadProblems(load).map((problem) => runProblem.during('warm-up', problem)) };
  },
  async run(settings, server, _repeat, signal) {
    const { load, signals, problems } = await withServerSignals(server, () =>
      generateFixedCount(
        {
          url: server.url + settings.target,
          requests: settings.requests,
          connections: settings.connections,
          timeoutS: REQUEST_TIMEOUT_S,
          ...(signal ? { signal } : {}),
        },
        server.generators,
      ),
    );
    const found = loadProblems(load);
    if (load.responses < settings.requests && !signal?.aborted) found.push(runProblem.someAnswered(load.responses, settings.requests));
    return {
      values: {
        throughputRps: load.throughputRps,
        latencyMeanMs: load.latencyMs.mean,
        latencyP50Ms: load.latencyMs.p50,
        latencyP99Ms: load.latencyMs.p99,
        ...load.split,
        ...signalValues(signals, true),
      },
      problems: [...found, ...problems],
      latencyHistogram: load.latencyHistogram,
      generators: load.generators,
    };
  },
  expect: (settings, evidence) => settings.theory?.(evidence, settings) ?? {},
};
