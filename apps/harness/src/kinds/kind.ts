import type { Model } from '@loopbench/contract';
import type { Evidence, Predictions } from '../analysis/theory.js';
import type { MetricName, MetricValues } from '../catalogue/metrics.js';
import type { GeneratorHealth } from '../measure/generator.js';
import type { Timeline } from '../measure/timeline.js';
import type { KindName, Prediction } from '../results/results.js';

/** The server a run measures, as a scenario kind sees it. */
export interface ServerUnderTest {
  readonly name: string;
  readonly url: string;
  /** How it waits, as its package declares: what theory predicts of it. */
  readonly model: Model;
  /** Processes it runs (WORKERS). */
  readonly workers: number;
  /** Load generator processes that send its load (--generators). */
  readonly generators: number;
  /** True once its process has exited on its own. */
  readonly exited: boolean;
  /** The database its /query waits in, in a scenario that queries one: its activity is read during each run. */
  readonly databaseUrl?: string;
  /** Records process ids seen during a run (workers that answered /stats). */
  seen(pids: Iterable<number>): void;
}

/** What one run yields, of any kind. */
export interface RunOutcome {
  values: MetricValues;
  /** Why the run cannot be trusted; empty when it can. */
  problems: string[];
  /** Latencies in µs, compressed HDR histogram. */
  latencyHistogram?: string;
  /** What theory predicts for this very run from its own arrivals and service times (open loop: Lindley's recursion). */
  predicted?: Partial<Record<MetricName, Prediction>>;
  /** Metrics left out of `values` because the run had too few samples to quote them. */
  tooFewSamples?: MetricName[];
  /** Every load generator's own health, one per process. */
  generators?: GeneratorHealth[];
  /** Request by request and /stats reading by reading, where the scenario asks for it (first repeat only). */
  timeline?: Timeline;
}

// Theory's input and output, defined with theory (analysis/theory.ts) so that analysis needs nothing of kinds/.
export type { Evidence, Predictions };

/**
 * A kind of scenario (closed loop, open loop, head-of-line …): one module, one interface, its own
 * settings type. A scenario is data that names its kind and gives it settings.
 */
export interface ScenarioKind<S> {
  readonly name: KindName;
  /** What the results record of the settings. */
  parameters(settings: S): Record<string, number | string>;
  /**
   * A run before the measured ones, thrown away; the values it returns are kept for theory. Kinds
   * without it discard the start of every run instead.
   */
  warmup?(settings: S, server: ServerUnderTest, signal?: AbortSignal): Promise<{ values: MetricValues; problems: string[] }>;
  /** One measured run; `repeat` (from 1) seeds anything random, the same for every server. */
  run(settings: S, server: ServerUnderTest, repeat: number, signal?: AbortSignal): Promise<RunOutcome>;
  /** What theory predicts for a server, each figure with the interval for the windows this kind measures. */
  expect(settings: S, evidence: Evidence): Predictions;
}

/** A kind with its settings bound: what the runner drives, whatever the kind. */
export interface BoundScenario {
  readonly kind: KindName;
  readonly parameters: Record<string, number | string>;
  warmup?(server: ServerUnderTest, signal?: AbortSignal): Promise<{ values: MetricValues; problems: string[] }>;
  run(server: ServerUnderTest, repeat: number, signal?: AbortSignal): Promise<RunOutcome>;
  expect(evidence: Evidence): Predictions;
}

export function bind<S>(kind: ScenarioKind<S>, settings: S): BoundScenario {
  const { warmup } = kind;
  return {
    kind: kind.name,
    parameters: kind.parameters(settings),
    ...(warmup ? { warmup: (server, signal) => warmup.call(kind, settings, server, signal) } : {}),
    run: (server, repeat, signal) => kind.run(settings, server, repeat, signal),
    expect: (evidence) => kind.expect(settings, evidence),
  };
}
