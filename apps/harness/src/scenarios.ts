import type { Model } from '@loopbench/contract';
import { type Expectation, expectCpuBound, expectIoBound } from './theory.js';

/** The knobs a run takes; scenarios read what they need. */
export interface RunOptions {
  repeats: number;
  durationS: number;
  warmupS: number;
  connections: number;
  workers: number;
  quick: boolean;
  pin: boolean;
  /** Where servers listen: loopback unless --allow-non-loopback. */
  host: string;
  readyTimeoutS: number;
}

export interface ScenarioContext {
  options: RunOptions;
  /** Cores the servers may use (1 with --pin). */
  cores: number;
  /** CPU time per request, measured by the server over the runs, for CPU-bound theory. */
  serviceMs?: number;
}

interface ScenarioBase {
  id: string;
  title: string;
  /** The claim from the articles that this scenario tests, in plain words. */
  claim: string;
  /** Processes per server (WORKERS). */
  workers(options: RunOptions): number;
}

export interface HeadOfLineScenario extends ScenarioBase {
  kind: 'head-of-line';
  sleepMs(options: RunOptions): number;
  offsetMs(options: RunOptions): number;
}

export interface ClosedLoopScenario extends ScenarioBase {
  kind: 'closed-loop';
  /** The request target every connection sends, e.g. /sleep?ms=50. */
  target(options: RunOptions): string;
  expect(model: Model, context: ScenarioContext): Expectation;
}

export type Scenario = HeadOfLineScenario | ClosedLoopScenario;

export const IO_SLEEP_MS = 50;
/** Ten times the article's loop, so the loop (~10 ms) dominates per-request HTTP overhead. */
export const CPU_ITERATIONS = 10_000_000;

const single = () => 1;
const many = (options: RunOptions) => options.workers;

function ioBound(id: string, title: string, workers: (o: RunOptions) => number, claim: string): ClosedLoopScenario {
  return {
    kind: 'closed-loop',
    id,
    title,
    claim,
    workers,
    target: () => `/sleep?ms=${IO_SLEEP_MS}`,
    expect: (model, { options }) =>
      expectIoBound(model, { connections: options.connections, workers: workers(options), cores: Number.NaN, sleepMs: IO_SLEEP_MS }),
  };
}

function cpuBound(id: string, title: string, workers: (o: RunOptions) => number, claim: string): ClosedLoopScenario {
  return {
    kind: 'closed-loop',
    id,
    title,
    claim,
    workers,
    target: () => `/cpu?iterations=${CPU_ITERATIONS}`,
    expect: (model, { options, cores, serviceMs }) =>
      expectCpuBound(model, { connections: options.connections, workers: workers(options), cores, serviceMs: serviceMs ?? Number.NaN }),
  };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    kind: 'head-of-line',
    id: 'head-of-line',
    title: 'Head-of-line blocking: /fast sent while a slow request is in flight',
    claim: 'a blocking server makes /fast wait for the slow request (β ≈ 1); a non-blocking one answers at once (β ≈ 0)',
    workers: single,
    sleepMs: (o) => (o.quick ? 500 : 2000),
    offsetMs: (o) => (o.quick ? 50 : 200),
  },
  ioBound(
    'io-bound',
    `I/O-bound: C connections on /sleep?ms=${IO_SLEEP_MS}`,
    single,
    'waiting: blocking serves 1/S requests per second, non-blocking C/S (Little’s law); the blocked thread is occupied, not working',
  ),
  {
    kind: 'closed-loop',
    id: 'hello',
    title: 'Hello: C connections on /hello',
    claim: 'with no waiting and no work, both models are limited by per-request framework overhead alone',
    workers: single,
    target: () => '/hello',
    expect: () => ({}),
  },
  cpuBound(
    'cpu-bound',
    `CPU-bound: C connections on /cpu?iterations=${CPU_ITERATIONS.toLocaleString('en')}`,
    single,
    'computing: both models run the loop on one thread, so non-blocking does not help',
  ),
  ioBound(
    'workers-io-bound',
    `Workers, I/O-bound: N processes, C connections on /sleep?ms=${IO_SLEEP_MS}`,
    many,
    'processes multiply a blocking server’s concurrency (N/S); non-blocking already had C/S',
  ),
  cpuBound(
    'workers-cpu-bound',
    `Workers, CPU-bound: N processes, C connections on /cpu?iterations=${CPU_ITERATIONS.toLocaleString('en')}`,
    many,
    'processes add CPU throughput up to the number of cores, in both models',
  ),
];

/** Names users may give to --scenario: every id, and "workers" for both worker scenarios. */
export const SCENARIO_ALIASES: Readonly<Record<string, readonly string[]>> = {
  workers: ['workers-io-bound', 'workers-cpu-bound'],
};
