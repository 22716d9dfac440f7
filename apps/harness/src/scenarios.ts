import type { Model } from '@loopbench/contract';
import { type PlannedRequest, sharePlan, stallPlan } from './measure/openLoop.js';
import { type Expectation, expectCpuBound, expectIoBound, expectShare, expectStall } from './theory.js';

/** The knobs a run takes; scenarios read what they need. */
export interface RunOptions {
  repeats: number;
  durationS: number;
  warmupS: number;
  connections: number;
  workers: number;
  quick: boolean;
  pin: boolean;
  /** Requests per second of the open-loop scenarios. */
  ratePerS: number;
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
  /** The server runs CPU work on a thread pool (its package declares cpuOffload). */
  cpuOffload?: boolean;
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

export interface OpenLoopContext {
  options: RunOptions;
  /** The server's fast-request latency in the warm-up, with nothing in the way. */
  baselineMs: number;
  /** CPU time per request the server reported over the runs. */
  fastServiceMs: number;
}

export interface OpenLoopScenario extends ScenarioBase {
  kind: 'open-loop';
  /** The requests of one run; `repeat` seeds anything random, the same for every server. */
  plan(options: RunOptions, repeat: number): PlannedRequest[];
  /** What the parameters of the plan were, for the results. */
  parameters(options: RunOptions): Record<string, number | string>;
  /** When set, each run is followed by the same stall under closed-loop load, for comparison. */
  closedLoopView?(options: RunOptions): { stallAtMs: number; stallMs: number; durationMs: number };
  expect(model: Model, context: OpenLoopContext): Expectation;
}

export type Scenario = HeadOfLineScenario | ClosedLoopScenario | OpenLoopScenario;

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
    expect: (model, { options, cores, serviceMs, cpuOffload }) =>
      expectCpuBound(model, {
        connections: options.connections,
        workers: workers(options),
        cores,
        serviceMs: serviceMs ?? Number.NaN,
        cpuOffload: cpuOffload === true,
      }),
  };
}

/** The mixed scenario's stall: fast traffic for T, one slow request of S inside it. */
export function stallShape(options: RunOptions) {
  // The stall covers most of the run, so every quantile from p50 up falls inside it.
  return options.quick ? { durationMs: 600, stallAtMs: 60, stallMs: 480 } : { durationMs: 2000, stallAtMs: 200, stallMs: 1600 };
}

/** The mixed-share scenario: Poisson arrivals, a share of them slow. */
export const SHARE = { slowShare: 0.05, slowMs: 50, durationMs: 4000, quickDurationMs: 600 } as const;

const mixed: OpenLoopScenario = {
  kind: 'open-loop',
  id: 'mixed',
  title: 'Mixed, open loop: /fast at a constant rate, one slow /sleep inside the run',
  claim:
    'a stall in a blocking server delays every user who arrives during it (P(wait > x) = f·(1 − x/S)); a non-blocking server keeps its baseline; a closed-loop tool hides the stall',
  workers: single,
  plan: (options) => stallPlan({ ratePerS: options.ratePerS, ...stallShape(options) }),
  parameters: (options) => ({ ratePerS: options.ratePerS, ...stallShape(options) }),
  closedLoopView: (options) => stallShape(options),
  expect: (model, { options, baselineMs, fastServiceMs }) =>
    expectStall(model, {
      stallMs: stallShape(options).stallMs,
      durationMs: stallShape(options).durationMs,
      utilization: (options.ratePerS * fastServiceMs) / 1000,
      baselineMs,
    }),
};

const mixedShare: OpenLoopScenario = {
  kind: 'open-loop',
  id: 'mixed-share',
  title: `Mixed, open loop: Poisson arrivals, ${SHARE.slowShare * 100}% of them /sleep?ms=${SHARE.slowMs}`,
  claim:
    'on a blocking server every fast request queues behind the slow ones (M/G/1, Pollaczek–Khinchine); on a non-blocking one it does not',
  workers: single,
  plan: (options, repeat) =>
    sharePlan({
      ratePerS: options.ratePerS,
      durationMs: options.quick ? SHARE.quickDurationMs : SHARE.durationMs,
      slowShare: SHARE.slowShare,
      slowMs: SHARE.slowMs,
      seed: repeat,
    }),
  parameters: (options) => ({
    ratePerS: options.ratePerS,
    durationMs: options.quick ? SHARE.quickDurationMs : SHARE.durationMs,
    slowShare: SHARE.slowShare,
    slowMs: SHARE.slowMs,
  }),
  expect: (model, { options, baselineMs, fastServiceMs }) =>
    expectShare(model, { ratePerS: options.ratePerS, slowShare: SHARE.slowShare, slowMs: SHARE.slowMs, fastServiceMs, baselineMs }),
};

export const SCENARIOS: readonly Scenario[] = [
  {
    kind: 'head-of-line',
    id: 'head-of-line',
    title: 'Head-of-line blocking: /fast sent while a slow request is in flight',
    claim: 'a blocking server makes /fast wait for the slow request (β ≈ 1); a non-blocking one answers at once (β ≈ 0)',
    workers: single,
    sleepMs: (o) => (o.quick ? 300 : 1000),
    offsetMs: (o) => (o.quick ? 30 : 100),
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
  mixed,
  mixedShare,
];

/** Names users may give to --scenario: every id, and "workers" for both worker scenarios. */
export const SCENARIO_ALIASES: Readonly<Record<string, readonly string[]>> = {
  workers: ['workers-io-bound', 'workers-cpu-bound'],
  'open-loop': ['mixed', 'mixed-share'],
};
