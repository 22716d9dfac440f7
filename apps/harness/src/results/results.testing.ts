import type { Model } from '@loopbench/contract';
import { DEFAULT_OPTIONS } from '../run/options.js';
import { encodeHistogram, latencyHistogram } from './histogram.js';
import { RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION, type Results, type RunRecord, type ScenarioResult, type ServerResult } from './results.js';

/** A valid server result with these metrics and nothing else, for tests that build results by hand. */
export function serverResultOf(server: string, metrics: ServerResult['metrics'], model: Model = 'non-blocking'): ServerResult {
  return {
    server,
    model,
    analogue: '',
    valid: true,
    failed: false,
    problems: [],
    metrics,
    expected: {},
    theory: [],
    runs: [],
    pids: [],
  };
}

/** A version-2 file as the runner writes it, with every optional field there, for tests of the format. */
export function sampleResults(): Results {
  const histogram = latencyHistogram();
  for (const us of [900, 1_100, 1_300, 52_000]) histogram.recordValue(us);
  const run: RunRecord = {
    repeat: 1,
    valid: true,
    problems: [],
    values: { throughputRps: 194, latencyMeanMs: 51.9, eventLoopUtilization: 0.1 },
    latencyHistogram: encodeHistogram(histogram),
    generators: [{ eventLoopUtilization: 0.2, eventLoopDelayP99Ms: 1.5, cpuUtilization: 0.3, pid: 4242 }],
    generatorBound: false,
    tooFewSamples: ['latencyP99Ms'],
    timeline: {
      requests: [[0, 10, 10, 61.5, 50.2]],
      samples: [[0, 100, null, 0.12, 3, 0.8]],
    },
  };
  return {
    schema: RESULTS_SCHEMA,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    createdAt: '2026-12-06T12:00:00.000Z',
    complete: true,
    command: ['run', '--quick'],
    environment: {
      node: 'v20.20.2',
      os: 'Linux 6.18.44',
      arch: 'x64',
      cpuModel: 'AMD EPYC',
      cpuCount: 2,
      memoryBytes: 25_276_502_016,
      gitCommit: null,
      gitDirty: null,
      frameworks: { koa: '3.3.0' },
      pinned: false,
      loadGenerator: 'autocannon 9.0.0',
    },
    options: {
      repeats: 2,
      durationS: 0.25,
      warmupS: 0.1,
      connections: 10,
      workers: 2,
      quick: true,
      pin: false,
      ratePerS: 200,
      generators: 1,
      generator: 'built-in',
      seed: 7,
      host: '127.0.0.1',
      readyTimeoutS: 15,
      servers: ['koa'],
      scenarios: ['io-bound'],
      timeoutS: 30,
    },
    scenarios: [
      {
        id: 'io-bound',
        kind: 'closed-loop',
        valid: true,
        interrupted: false,
        parameters: { workers: 1, target: '/sleep?ms=50' },
        results: [
          {
            ...serverResultOf('koa', { throughputRps: { median: 194, min: 194, max: 194, runs: [194] } }),
            warmup: { baselineLatencyMs: 1.4 },
            expected: { throughputRps: 200 },
            theory: [{ metric: 'throughputRps', measured: 194, expected: 200, low: 190, high: 204, difference: -0.03, agrees: true }],
            runs: [run],
            pids: [1234],
          },
        ],
        leftOut: { flask: 'not installed' },
        order: [['koa'], ['koa']],
      },
    ],
  };
}

/** A file around these scenarios as a default run of the pair writes it, for tests of what is made from one. */
export function resultsOf(scenarios: ScenarioResult[], complete = true): Results {
  return {
    schema: RESULTS_SCHEMA,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    createdAt: '2026-11-21T00:00:00.000Z',
    complete,
    command: ['loopbench', 'run'],
    environment: {
      node: 'v20.20.2',
      os: 'Linux 6.1',
      arch: 'x64',
      cpuModel: 'Test CPU',
      cpuCount: 2,
      memoryBytes: 2 ** 34,
      gitCommit: '0123456789abcdef',
      gitDirty: false,
      frameworks: { express: '5.3.0', koa: '3.3.0' },
      pinned: false,
      loadGenerator: 'autocannon',
    },
    options: { ...DEFAULT_OPTIONS, servers: ['express-blocking', 'koa'], scenarios: [], timeoutS: 30 },
    scenarios,
  };
}
