import { expectCpuBound, expectDatabaseBound, expectIoBound, expectShare, expectStall } from '../analysis/theory.js';
import { ARTICLE } from '../catalogue/articles.js';
import { QUERY, queryWait } from '../catalogue/database.js';
import { CPU_BOUND_TARGET, ioBoundWait, type Scenario, SHARE } from '../catalogue/scenarios.js';
import { type ClosedLoopSettings, closedLoop } from '../kinds/closedLoop.js';
import { type FixedCountSettings, fixedCount } from '../kinds/fixedCount.js';
import { headOfLine } from '../kinds/headOfLine.js';
import { type BoundScenario, bind, type Evidence, type Predictions } from '../kinds/kind.js';
import { openLoop } from '../kinds/openLoop.js';
import { sharePlan, stallPlan } from '../measure/arrivals.js';
import type { RunOptions } from './options.js';

/** Processes per server (WORKERS) in a scenario. */
export function processesFor(scenario: Pick<Scenario, 'processes'>, options: RunOptions): number {
  return scenario.processes === 'workers' ? options.workers : 1;
}

/** A scenario's plan: most need only the options and the processes; a database scenario reads its DB_POOL. */
type Plan = (options: RunOptions, workers: number, scenario: Scenario) => BoundScenario;
type Load = (options: Pick<RunOptions, 'connections' | 'warmupS' | 'durationS'>, workers: number) => BoundScenario;

/** What the runs measured that the models take as input: the served time and the CPU time per request. */
const measuredInputs = ({ metrics }: Evidence) => ({
  servedMs: metrics.serviceMsMean?.median ?? Number.NaN,
  cpuMs: metrics.cpuPerRequestMs?.median || Number.NaN,
});

/**
 * Processes that got connections to serve: node:cluster or the kernel deals them out, and now and
 * then one process gets them all. The models are of the processes that serve.
 */
const servingOf = ({ metrics }: Evidence, workers: number) => {
  const serving = metrics.workersServing?.median;
  return serving !== undefined && serving >= 1 ? Math.min(workers, serving) : workers;
};

const ioTheory =
  (sleepMs: number) =>
  (evidence: Evidence, { connections, workers }: Pick<ClosedLoopSettings, 'connections' | 'workers'>): Predictions =>
    expectIoBound(evidence.model, {
      connections,
      workers: servingOf(evidence, workers),
      sleepMs,
      ...measuredInputs(evidence),
      ...(evidence.poolSize ? { poolSize: evidence.poolSize } : {}),
    });

const cpuTheory = (evidence: Evidence, { connections, workers }: Pick<ClosedLoopSettings, 'connections' | 'workers'>): Predictions =>
  expectCpuBound(evidence.model, {
    connections,
    workers: servingOf(evidence, workers),
    cores: evidence.cores,
    ...measuredInputs(evidence),
    cpuOffload: evidence.cpuOffload,
    otherCores: evidence.otherCores,
  });

/** C closed-loop connections on one target, for the run's duration. */
const closedLoopPlan =
  (target: string, theory?: ClosedLoopSettings['theory'], timeline = false, pooled?: { primeRounds: number }): Load =>
  ({ connections, warmupS, durationS }, workers) =>
    bind(closedLoop, {
      target,
      connections,
      workers,
      warmupS,
      durationS,
      ...(theory ? { theory } : {}),
      ...(timeline ? { timeline } : {}),
      // A server with a pool is primed before its first run and drained after each.
      ...(pooled ? { primeRounds: pooled.primeRounds, drain: true } : {}),
    });

/** C closed-loop connections waiting S ms each (--quick: shorter), checked by Little's law. */
const ioBoundPlan =
  (timeline = false): Plan =>
  (options, workers) => {
    const { sleepMs, target } = ioBoundWait(options.quick);
    return closedLoopPlan(target, ioTheory(sleepMs), timeline)(options, workers);
  };

/**
 * The pool each server has in a database scenario: the scenario's DB_POOL where it sets one, for a
 * server whose driver pools (it declares database.pool); else what it declares, or one connection.
 */
export function databasePoolOf(evidence: Pick<Evidence, 'databasePool'>, scenarioPool: number | undefined): number | undefined {
  if (evidence.databasePool === undefined) return undefined;
  return scenarioPool ?? evidence.databasePool;
}

/**
 * QUERY.connections closed-loop connections on /query (--quick: a shorter query), checked by Little's
 * law with the pool as a limit; the scenario's DB_POOL, where it sets one, is every pooled server's.
 */
const databasePlan: Plan = (options, workers, scenario) => {
  const { queryMs, target } = queryWait(options.quick);
  const theory: ClosedLoopSettings['theory'] = (evidence, { connections, workers }) => {
    const p = databasePoolOf(evidence, scenario.database?.pool);
    return expectDatabaseBound(evidence.model, {
      connections,
      workers: servingOf(evidence, workers),
      queryMs,
      ...measuredInputs(evidence),
      ...(evidence.poolSize ? { poolSize: evidence.poolSize } : {}),
      ...(p === undefined ? {} : { databasePool: p }),
    });
  };
  // The timeline shows where each request waited: in line (a thread's), or served (a pool's, inside the handler).
  return closedLoopPlan(target, theory, true, { primeRounds: QUERY.primeRounds })({ ...options, connections: QUERY.connections }, workers);
};

/** The mixed scenario's stall: fast traffic for T, one slow request of S inside it. */
export function stallShape(options: Pick<RunOptions, 'quick'>) {
  // The stall covers most of the run, so every quantile from p50 up falls inside it.
  return options.quick ? { durationMs: 400, stallAtMs: 40, stallMs: 320 } : { durationMs: 2000, stallAtMs: 200, stallMs: 1600 };
}

/** How long the open-loop warm-up sends fast requests only, at the scenario's rate. */
const openLoopWarmupMs = (options: RunOptions) => (options.quick ? 100 : 500);

const headOfLinePlan =
  (full: { sleepMs: number; offsetMs: number }, quick: { sleepMs: number; offsetMs: number }): Plan =>
  (options) =>
    bind(headOfLine, options.quick ? quick : full);

/** `ab -n N -c C` as article 002 ran it. */
const abPlan =
  (target: string, theory?: FixedCountSettings['theory']): Plan =>
  (options, workers) => {
    const requests = options.quick ? ARTICLE.quick.requests : ARTICLE.requests;
    return bind(fixedCount, {
      target,
      requests,
      connections: ARTICLE.connections,
      workers,
      warmupRequests: Math.min(200, requests),
      ...(theory ? { theory } : {}),
    });
  };

const ARTICLE_CPU_TARGET = `/cpu?iterations=${ARTICLE.cpuIterations}`;

/** How each scenario of the catalogue loads a server, and what theory expects of it, by id. */
const PLANS: Readonly<Record<string, Plan>> = {
  'head-of-line': headOfLinePlan({ sleepMs: 1000, offsetMs: 100 }, { sleepMs: 200, offsetMs: 20 }),
  'io-bound': ioBoundPlan(true),
  hello: closedLoopPlan('/hello'),
  'cpu-bound': closedLoopPlan(CPU_BOUND_TARGET, cpuTheory),
  'workers-io-bound': ioBoundPlan(),
  'workers-cpu-bound': closedLoopPlan(CPU_BOUND_TARGET, cpuTheory),
  mixed: (options) => {
    const shape = stallShape(options);
    return bind(openLoop, {
      ratePerS: options.ratePerS,
      shape,
      plan: () => stallPlan({ ratePerS: options.ratePerS, ...shape }),
      warmupMs: openLoopWarmupMs(options),
      closedLoopView: { ...shape, connections: options.connections },
      timeline: { fromMs: 0, toMs: shape.durationMs },
      theory: ({ model, baselineMs, fastServiceMs, servedMs, sendLagMs }) =>
        expectStall(model, {
          stallMs: shape.stallMs,
          durationMs: shape.durationMs,
          ratePerS: options.ratePerS,
          servedMs,
          cpuMs: fastServiceMs,
          sendLagMs,
          baselineMs,
        }),
    });
  },
  'mixed-share': (options) => {
    const shape = {
      durationMs: options.quick ? SHARE.quickDurationMs : SHARE.durationMs,
      slowShare: SHARE.slowShare,
      slowMs: SHARE.slowMs,
    };
    return bind(openLoop, {
      ratePerS: options.ratePerS,
      shape,
      plan: (repeat) => sharePlan({ ratePerS: options.ratePerS, ...shape, seed: repeat }),
      warmupMs: openLoopWarmupMs(options),
      theory: ({ model, baselineMs, fastServiceMs }) =>
        expectShare(model, {
          ratePerS: options.ratePerS,
          slowShare: SHARE.slowShare,
          slowMs: SHARE.slowMs,
          fastServiceMs,
          baselineMs,
          durationMs: shape.durationMs,
          // Each run is predicted on its own: the spread of one window.
          repeats: 1,
          seed: options.seed,
        }),
    });
  },
  'article-dummy': headOfLinePlan(ARTICLE, ARTICLE.quick),
  'article-utilisation': ioBoundPlan(true),
  'article-hello': abPlan('/hello'),
  'article-cpu': abPlan(ARTICLE_CPU_TARGET, cpuTheory),
  'article-workers-cpu': abPlan(ARTICLE_CPU_TARGET, cpuTheory),
  'article-database': databasePlan,
  'db-bound': databasePlan,
  'pool-limited': databasePlan,
};

export function hasPlan(id: string): boolean {
  return Object.hasOwn(PLANS, id);
}

/** The scenario's kind with its settings for a run with these options. */
export function planScenario(scenario: Scenario, options: RunOptions): BoundScenario {
  const plan = PLANS[scenario.id];
  if (!plan) throw new Error(`scenario ${scenario.id} has no plan in run/plans.ts`);
  const bound = plan(options, processesFor(scenario, options), scenario);
  if (bound.kind !== scenario.kind)
    throw new Error(`scenario ${scenario.id} is ${scenario.kind} in the catalogue but its plan is ${bound.kind}`);
  return bound;
}
