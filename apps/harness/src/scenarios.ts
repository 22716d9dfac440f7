import { type ClosedLoopSettings, closedLoop } from './kinds/closedLoop.js';
import { headOfLine } from './kinds/headOfLine.js';
import { type BoundScenario, bind, type Evidence, type KindName, type ScenarioKind } from './kinds/kind.js';
import { openLoop } from './kinds/openLoop.js';
import { sharePlan, stallPlan } from './measure/openLoop.js';
import type { Expectation, MetricName } from './metrics.js';
import type { RunOptions } from './options.js';
import { expectCpuBound, expectIoBound, expectShare, expectStall } from './theory.js';
import { type Verdict, verdicts } from './verdicts.js';

/** One scenario: data that names its kind, its settings, its headline metric, its claim and its verdict. */
export interface Scenario {
  readonly id: string;
  readonly kind: KindName;
  readonly title: string;
  /** The claim from the articles that this scenario tests, in plain words. */
  readonly claim: string;
  /** The one metric that sums the scenario up, for the headline table. */
  readonly headline: MetricName;
  /** What the articles' pair showed, in plain words, made from the numbers when rendering. */
  readonly verdict: Verdict;
  /** One process per server, or --workers of them. */
  readonly processes: 'one' | 'workers';
  /** The kind with this scenario's settings for a run with these options. */
  plan(options: RunOptions): BoundScenario;
  /** The servers it is about, when not every selected one (the articles' scenarios compare their own pairs). */
  readonly servers?: readonly string[];
}

type Entry<S> = Omit<Scenario, 'kind' | 'plan'> & { settings(options: RunOptions, workers: number): S };

export function scenario<S>(kind: ScenarioKind<S>, entry: Entry<S>): Scenario {
  const { settings, ...rest } = entry;
  return {
    ...rest,
    kind: kind.name,
    plan: (options) => bind(kind, settings(options, processesFor(rest, options))),
  };
}

/** Processes per server (WORKERS) in a scenario. */
export function processesFor(scenario: Pick<Scenario, 'processes'>, options: RunOptions): number {
  return scenario.processes === 'workers' ? options.workers : 1;
}

export const IO_SLEEP_MS = 50;
/** Ten times the article's loop, so the loop (~10 ms) dominates per-request HTTP overhead. */
export const CPU_ITERATIONS = 10_000_000;

export function load(
  options: RunOptions,
  workers: number,
  target: string,
  theory?: ClosedLoopSettings['theory'],
  timeline = false,
): ClosedLoopSettings {
  const { connections, warmupS, durationS } = options;
  return { target, connections, workers, warmupS, durationS, ...(theory ? { theory } : {}), ...(timeline ? { timeline } : {}) };
}

export const ioTheory = (
  { model, poolSize }: Evidence,
  { connections, workers }: Pick<ClosedLoopSettings, 'connections' | 'workers'>,
): Expectation =>
  expectIoBound(model, { connections, workers, cores: Number.NaN, sleepMs: IO_SLEEP_MS, ...(poolSize ? { poolSize } : {}) });

export const cpuTheory = (
  { model, cores, metrics, cpuOffload }: Evidence,
  { connections, workers }: Pick<ClosedLoopSettings, 'connections' | 'workers'>,
): Expectation =>
  expectCpuBound(model, { connections, workers, cores, serviceMs: metrics.cpuPerRequestMs?.median || Number.NaN, cpuOffload });

/** The mixed scenario's stall: fast traffic for T, one slow request of S inside it. */
export function stallShape(options: RunOptions) {
  // The stall covers most of the run, so every quantile from p50 up falls inside it.
  return options.quick ? { durationMs: 500, stallAtMs: 50, stallMs: 400 } : { durationMs: 2000, stallAtMs: 200, stallMs: 1600 };
}

/** The mixed-share scenario: Poisson arrivals, a share of them slow. */
export const SHARE = { slowShare: 0.05, slowMs: 50, durationMs: 4000, quickDurationMs: 400 } as const;

/** The open-loop warm-up: fast requests only, at the scenario's rate. */
const openLoopWarmupMs = (options: RunOptions) => (options.quick ? 100 : 500);

/** A closed-loop scenario on one target, with its theory and verdict; io-bound and cpu-bound come in two sizes. */
const loadScenario =
  (target: string, theory: ClosedLoopSettings['theory'], verdict: Verdict) =>
  (id: string, title: string, processes: Scenario['processes'], claim: string, timeline = false): Scenario =>
    scenario(closedLoop, {
      id,
      title,
      claim,
      processes,
      headline: 'throughputRps',
      verdict,
      settings: (options, workers) => load(options, workers, target, theory, timeline),
    });

const ioBound = loadScenario(`/sleep?ms=${IO_SLEEP_MS}`, ioTheory, verdicts.ioBound);

/** The io-bound scenario under another id, about the given servers only, with its timeline. */
export const ioBoundEntry = (id: string, title: string, claim: string, servers: readonly string[]): Scenario => ({
  ...ioBound(id, title, 'one', claim, true),
  servers,
});
const cpuBound = loadScenario(`/cpu?iterations=${CPU_ITERATIONS}`, cpuTheory, verdicts.cpuBound);

/** The default suite, in the order it runs. */
export const SCENARIOS: readonly Scenario[] = [
  scenario(headOfLine, {
    id: 'head-of-line',
    title: 'Head-of-line blocking: /fast sent while a slow request is in flight',
    claim: 'a blocking server makes /fast wait for the slow request (β ≈ 1); a non-blocking one answers at once (β ≈ 0)',
    processes: 'one',
    headline: 'fastLatencyMs',
    verdict: verdicts.headOfLine,
    settings: (o) => (o.quick ? { sleepMs: 200, offsetMs: 20 } : { sleepMs: 1000, offsetMs: 100 }),
  }),
  ioBound(
    'io-bound',
    `I/O-bound: C connections on /sleep?ms=${IO_SLEEP_MS}`,
    'one',
    'waiting: blocking serves 1/S requests per second, non-blocking C/S (Little’s law); the blocked thread is occupied, not working, and each request waits (C − 1)·S of its C·S in line',
    true,
  ),
  scenario(closedLoop, {
    id: 'hello',
    title: 'Hello: C connections on /hello',
    claim: 'with no waiting and no work, both models are limited by per-request framework overhead alone',
    processes: 'one',
    headline: 'throughputRps',
    verdict: verdicts.hello,
    settings: (options, workers) => load(options, workers, '/hello'),
  }),
  cpuBound(
    'cpu-bound',
    `CPU-bound: C connections on /cpu?iterations=${CPU_ITERATIONS.toLocaleString('en')}`,
    'one',
    'computing: both models run the loop on one thread, so non-blocking does not help',
  ),
  ioBound(
    'workers-io-bound',
    `Workers, I/O-bound: N processes, C connections on /sleep?ms=${IO_SLEEP_MS}`,
    'workers',
    'processes multiply a blocking server’s concurrency (N/S); non-blocking already had C/S',
  ),
  cpuBound(
    'workers-cpu-bound',
    `Workers, CPU-bound: N processes, C connections on /cpu?iterations=${CPU_ITERATIONS.toLocaleString('en')}`,
    'workers',
    'processes add CPU throughput up to the number of cores, in both models',
  ),
  scenario(openLoop, {
    id: 'mixed',
    title: 'Mixed, open loop: /fast at a constant rate, one slow /sleep inside the run',
    claim:
      'a stall in a blocking server delays every user who arrives during it (P(wait > x) = f·(1 − x/S)); a non-blocking server keeps its baseline; a closed-loop tool hides the stall',
    processes: 'one',
    headline: 'fastLatencyP99Ms',
    verdict: verdicts.mixed,
    settings: (options) => {
      const shape = stallShape(options);
      return {
        ratePerS: options.ratePerS,
        shape,
        plan: () => stallPlan({ ratePerS: options.ratePerS, ...shape }),
        warmupMs: openLoopWarmupMs(options),
        closedLoopView: { ...shape, connections: options.connections },
        timeline: { fromMs: 0, toMs: shape.durationMs },
        theory: ({ model, baselineMs, fastServiceMs }) =>
          expectStall(model, {
            stallMs: shape.stallMs,
            durationMs: shape.durationMs,
            utilization: (options.ratePerS * fastServiceMs) / 1000,
            baselineMs,
          }),
      };
    },
  }),
  scenario(openLoop, {
    id: 'mixed-share',
    title: `Mixed, open loop: Poisson arrivals, ${SHARE.slowShare * 100}% of them /sleep?ms=${SHARE.slowMs}`,
    claim:
      'on a blocking server every fast request queues behind the slow ones (M/G/1, Pollaczek–Khinchine); on a non-blocking one it does not',
    processes: 'one',
    headline: 'fastLatencyMeanMs',
    verdict: verdicts.mixedShare,
    settings: (options) => {
      const shape = {
        durationMs: options.quick ? SHARE.quickDurationMs : SHARE.durationMs,
        slowShare: SHARE.slowShare,
        slowMs: SHARE.slowMs,
      };
      return {
        ratePerS: options.ratePerS,
        shape,
        plan: (repeat) => sharePlan({ ratePerS: options.ratePerS, ...shape, seed: repeat }),
        warmupMs: openLoopWarmupMs(options),
        theory: ({ model, baselineMs, fastServiceMs }) =>
          expectShare(model, { ratePerS: options.ratePerS, slowShare: SHARE.slowShare, slowMs: SHARE.slowMs, fastServiceMs, baselineMs }),
      };
    },
  }),
];

/** Names users may give to --scenario besides the ids, each for several scenarios. */
export const SCENARIO_ALIASES: Readonly<Record<string, readonly string[]>> = {
  workers: ['workers-io-bound', 'workers-cpu-bound'],
  'open-loop': ['mixed', 'mixed-share'],
};
