import type { KindName } from '../results/results.js';
import type { MetricName } from './metrics.js';

/** The finding a scenario's results get (analysis/findings.ts writes each from the numbers). */
export type FindingName = 'headOfLine' | 'ioBound' | 'hello' | 'cpuBound' | 'mixed' | 'mixedShare' | 'database';

/**
 * One scenario as data: its kind, title, claim, headline metric and finding. How it loads a server
 * (settings and theory) is its plan (run/plans.ts); reports need only this.
 */
export interface Scenario {
  readonly id: string;
  readonly kind: KindName;
  readonly title: string;
  /** The claim from the articles that this scenario tests, in plain words. */
  readonly claim: string;
  /** The one metric that sums the scenario up, for the headline table. */
  readonly headline: MetricName;
  /** What the articles' pair showed, in plain words, made from the numbers when rendering. */
  readonly finding: FindingName;
  /** One process per server, or --workers of them. */
  readonly processes: 'one' | 'workers';
  /** The servers it is about, when not every selected one (the articles' scenarios compare their own pairs). */
  readonly servers?: readonly string[];
  /**
   * An article's experiment: the pair it compared and their Node analogues, each the setup it found
   * slower first; summary.md's headline row compares these instead of the default suite's pair.
   */
  readonly headlinePairs?: { readonly article: readonly [string, string]; readonly analogues: readonly [string, string] };
  /**
   * It waits in PostgreSQL (/query): the run needs a database (one it starts, or --database-url), and
   * a server that declares no driver sits it out. `pool`, where set, is every server's DB_POOL.
   */
  readonly database?: { readonly pool?: number };
}

/** The servers the default bench compares: the articles' pair. */
export const HEADLINE_SERVERS = ['express-blocking', 'koa'] as const;

export const IO_SLEEP_MS = 50;
/**
 * --quick's wait: a blocking server's cycle is C·S, and a window must hold a few of each
 * connection's cycles for its figures to be honest; at 15 ms three of them take 0.45 s, not 1.5. Shorter, the window's edges (connections starting
 * and finishing) weigh on what /stats reads over it: at 10 ms express-blocking's loop read 75–84%
 * occupied in 12 of 20 quick runs.
 */
export const QUICK_IO_SLEEP_MS = 15;
/** Ten times the article's loop, so the loop (~10 ms) dominates per-request HTTP overhead. */
export const CPU_ITERATIONS = 10_000_000;
/** The mixed-share scenario: Poisson arrivals, a share of them slow. */
export const SHARE = { slowShare: 0.05, slowMs: 50, durationMs: 4000, quickDurationMs: 400 } as const;

export const IO_BOUND_TARGET = `/sleep?ms=${IO_SLEEP_MS}`;

/** The I/O-bound wait and its target for a run: --quick waits less. */
export const ioBoundWait = (quick: boolean) => {
  const sleepMs = quick ? QUICK_IO_SLEEP_MS : IO_SLEEP_MS;
  return { sleepMs, target: `/sleep?ms=${sleepMs}` };
};
export const CPU_BOUND_TARGET = `/cpu?iterations=${CPU_ITERATIONS}`;

/** A closed-loop scenario judged by throughput: io-bound and cpu-bound, each with one process or workers. */
const throughputEntry =
  (finding: FindingName) =>
  (id: string, title: string, processes: Scenario['processes'], claim: string): Scenario => ({
    id,
    kind: 'closed-loop',
    title,
    claim,
    processes,
    headline: 'throughputRps',
    finding,
  });
const ioBound = throughputEntry('ioBound');
const cpuBound = throughputEntry('cpuBound');

/** The io-bound scenario under another id, about the given servers only. */
export const ioBoundEntry = (id: string, title: string, claim: string, servers: readonly string[]): Scenario => ({
  ...ioBound(id, title, 'one', claim),
  servers,
});

/** The default suite, in the order it runs. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'head-of-line',
    kind: 'head-of-line',
    title: 'Head-of-line blocking: /fast sent while a slow request is in flight',
    claim: 'a blocking server makes /fast wait for the slow request (β ≈ 1); a non-blocking one answers at once (β ≈ 0)',
    processes: 'one',
    headline: 'fastLatencyMs',
    finding: 'headOfLine',
  },
  ioBound(
    'io-bound',
    `I/O-bound: C connections on ${IO_BOUND_TARGET}`,
    'one',
    'waiting: blocking serves 1/S requests per second, non-blocking C/S (Little’s law); the blocked thread is occupied, not working, and each request waits (C − 1)·S of its C·S in line',
  ),
  {
    id: 'hello',
    kind: 'closed-loop',
    title: 'Hello: C connections on /hello',
    claim: 'with no waiting and no work, both models are limited by per-request framework overhead alone',
    processes: 'one',
    headline: 'throughputRps',
    finding: 'hello',
  },
  cpuBound(
    'cpu-bound',
    `CPU-bound: C connections on /cpu?iterations=${CPU_ITERATIONS.toLocaleString('en')}`,
    'one',
    'computing: both models run the loop on one thread, so non-blocking does not help',
  ),
  ioBound(
    'workers-io-bound',
    `Workers, I/O-bound: N processes, C connections on ${IO_BOUND_TARGET}`,
    'workers',
    'processes multiply a blocking server’s concurrency (N/S); non-blocking already had C/S',
  ),
  cpuBound(
    'workers-cpu-bound',
    `Workers, CPU-bound: N processes, C connections on /cpu?iterations=${CPU_ITERATIONS.toLocaleString('en')}`,
    'workers',
    'processes add CPU throughput up to the number of cores, in both models',
  ),
  {
    id: 'mixed',
    kind: 'open-loop',
    title: 'Mixed, open loop: /fast at a constant rate, one slow /sleep inside the run',
    claim:
      'a stall in a blocking server delays every user who arrives during it (P(wait > x) = f·(1 − x/S)); a non-blocking server keeps its baseline; a closed-loop tool hides the stall',
    processes: 'one',
    headline: 'fastLatencyP99Ms',
    finding: 'mixed',
  },
  {
    id: 'mixed-share',
    kind: 'open-loop',
    title: `Mixed, open loop: Poisson arrivals, ${SHARE.slowShare * 100}% of them /sleep?ms=${SHARE.slowMs}`,
    claim:
      'on a blocking server every fast request queues behind the slow ones (M/G/1, Pollaczek–Khinchine); on a non-blocking one it does not',
    processes: 'one',
    headline: 'fastLatencyMeanMs',
    finding: 'mixedShare',
  },
];

/** Names users may give to --scenario besides the ids, each for several scenarios. */
export const SCENARIO_ALIASES: Readonly<Record<string, readonly string[]>> = {
  workers: ['workers-io-bound', 'workers-cpu-bound'],
  'open-loop': ['mixed', 'mixed-share'],
};
