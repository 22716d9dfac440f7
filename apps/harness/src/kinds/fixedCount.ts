import { runFixedCount } from '../measure/fixedCount.js';
import { generatorProblem } from '../measure/generator.js';
import { signalValues, withServerSignals } from '../measure/serverSide.js';
import type { Expectation } from '../metrics.js';
import type { Evidence, ScenarioKind } from './kind.js';
import { REQUEST_TIMEOUT_S } from './limits.js';

export interface FixedCountSettings {
  target: string;
  /** ab's -n and -c. */
  requests: number;
  connections: number;
  /** Processes per server, for theory. */
  workers: number;
  /** Requests of the discarded warm-up run. */
  warmupRequests: number;
  theory?: (evidence: Evidence, settings: FixedCountSettings) => Expectation;
}

/**
 * `ab -n N -c C`, the articles' own measurement: a fixed number of requests, throughput over the
 * whole run. A discarded warm-up run first, so no server is measured cold.
 */
export const fixedCount: ScenarioKind<FixedCountSettings> = {
  name: 'fixed-count',
  parameters: ({ target, requests, connections }) => ({ target, requests, connections }),
  async warmup(settings, server, signal) {
    const load = await runFixedCount({
      url: server.url + settings.target,
      requests: settings.warmupRequests,
      connections: settings.connections,
      timeoutS: REQUEST_TIMEOUT_S,
      ...(signal ? { signal } : {}),
    });
    return {
      values: {},
      problems: load.non2xx + load.errors > 0 ? [`warm-up: ${load.non2xx} non-2xx answers, ${load.errors} errors`] : [],
    };
  },
  async run(settings, server, _repeat, signal) {
    const { load, signals, problems } = await withServerSignals(server, () =>
      runFixedCount({
        url: server.url + settings.target,
        requests: settings.requests,
        connections: settings.connections,
        timeoutS: REQUEST_TIMEOUT_S,
        ...(signal ? { signal } : {}),
      }),
    );
    const found: string[] = [];
    if (load.errors > 0) found.push(`${load.errors} connection errors`);
    if (load.timeouts > 0) found.push(`${load.timeouts} requests timed out after ${REQUEST_TIMEOUT_S} s`);
    if (load.non2xx > 0) found.push(`${load.non2xx} non-2xx answers`);
    if (load.responses < settings.requests && !signal?.aborted) found.push(`${load.responses} of ${settings.requests} requests answered`);
    const generator = generatorProblem(load.generator);
    if (generator) found.push(generator);
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
      generator: load.generator,
    };
  },
  expect: (settings, evidence) => settings.theory?.(evidence, settings) ?? {},
};
