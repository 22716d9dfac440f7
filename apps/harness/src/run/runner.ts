import path from 'node:path';
import type { ServerPackage } from '@loopbench/contract';
import { serverResult } from '../analysis/assemble.js';
import { derivedSeed, seededRandom, shuffled } from '../analysis/random.js';
import type { Scenario } from '../catalogue/scenarios.js';
import { usesDatabase } from '../catalogue/suites.js';
import type { BoundScenario } from '../kinds/kind.js';
import { REQUEST_TIMEOUT_S } from '../kinds/limits.js';
import { runProblem, sharedMachineProblem } from '../kinds/problems.js';
import { isGeneratorBound } from '../measure/generator.js';
import { RESULTS_SCHEMA, RESULTS_SCHEMA_VERSION, type Results, type ScenarioResult, writeFileAtomic } from '../results/results.js';
import { Contender } from './contender.js';
import type { RunDatabase } from './database.js';
import type { Environment } from './environment.js';
import type { RunOptions } from './options.js';
import { serverCores, serverWrap } from './pinning.js';
import { planScenario, processesFor } from './plans.js';

/** Why a server sits out a scenario on /query. */
const NO_DRIVER =
  'it declares no database driver ("database" in its package.json\'s "loopbench" field), so its /query has nothing to wait in';

export interface Reporter {
  scenarioStart(scenario: Scenario, index: number, total: number): void;
  step(text: string): void;
  warn(text: string): void;
  scenarioDone(result: ScenarioResult): void;
}

export interface RunPlan {
  scenarios: readonly Scenario[];
  servers: readonly ServerPackage[];
  options: RunOptions;
  outDir: string;
  command: string[];
  environment: Environment;
  /** Other loopbench runs that have measured on this machine during this one so far (pids); asked before each write. */
  otherRuns?: () => readonly number[];
  signal?: AbortSignal;
  /** Where the scenarios on /query wait: started or checked before the run (cli/commands/run.ts); absent when none runs. */
  database?: RunDatabase;
}

/** The database as one scenario sees it: whether it still answers, checked after every run, once lost known lost. */
class DatabaseWatch {
  #lost = false;
  constructor(readonly database: RunDatabase) {}

  get lost(): boolean {
    return this.#lost;
  }

  /** After a run: whether the database stopped answering during it. */
  async lostDuring(): Promise<boolean> {
    if (this.#lost) return false;
    this.#lost = !(await this.database.answering());
    return this.#lost;
  }
}

/** One watch per database for the whole run: once lost, the later scenarios' runs are not made either. */
const watches = new WeakMap<RunDatabase, DatabaseWatch>();
function watchOf(database: RunDatabase): DatabaseWatch {
  let watch = watches.get(database);
  if (!watch) {
    watch = new DatabaseWatch(database);
    watches.set(database, watch);
  }
  return watch;
}

/**
 * One warm-up (repeat 0) or measured run of one contender; a crash or an error becomes a problem of the
 * run, and so does a database that stopped answering during it (a run after that is not made).
 */
async function runOnce(
  bound: BoundScenario,
  contender: Contender,
  repeat: number,
  signal?: AbortSignal,
  database?: DatabaseWatch,
): Promise<void> {
  if (database?.lost) {
    contender.recordRun({ repeat, valid: false, problems: [runProblem.databaseGone(database.database.describe)], values: {} });
    return;
  }
  // A server that dies mid-run ends the run's load at once: its unanswered requests would wait out their timeout (30 s).
  const runSignal = signal ? AbortSignal.any([signal, contender.gone]) : contender.gone;
  try {
    if (repeat === 0 && bound.warmup) {
      const warmup = await bound.warmup(contender, runSignal);
      if (!contender.exited) {
        contender.recordWarmup(warmup.values);
        // Its values feed theory (the open-loop baseline): a warm-up with errors is not to be trusted either.
        if (warmup.problems.length > 0) contender.recordRun({ repeat, valid: false, problems: warmup.problems, values: {} });
        return;
      }
      const problems = [...warmup.problems, ...(contender.crashed ? [contender.crashProblem()] : [])];
      contender.recordRun({ repeat, valid: false, problems, values: warmup.values });
      return;
    }
    const run = await bound.run(contender, repeat, runSignal);
    // Of any kind whose load came from generators: were they on the server's machine, taking its CPU?
    const sharedMachine = sharedMachineProblem(run.values, run.generators ?? []);
    if (sharedMachine) run.problems.push(sharedMachine);
    if (contender.crashed) run.problems.push(contender.crashProblem());
    if (await database?.lostDuring()) run.problems.push(runProblem.databaseLost(database?.database.describe ?? ''));
    contender.recordRun({
      repeat,
      valid: run.problems.length === 0,
      problems: run.problems,
      values: run.values,
      ...(run.latencyHistogram !== undefined ? { latencyHistogram: run.latencyHistogram } : {}),
      ...(run.generators !== undefined && run.generators.length > 0
        ? {
            generators: run.generators,
            ...(isGeneratorBound(run.generators) || sharedMachine ? { generatorBound: true } : {}),
          }
        : {}),
      ...(run.predicted ? { predicted: run.predicted } : {}),
      ...(run.tooFewSamples ? { tooFewSamples: run.tooFewSamples } : {}),
      ...(run.timeline ? { timeline: run.timeline } : {}),
    });
  } catch (error) {
    const problem = contender.crashed ? contender.crashProblem() : runProblem.failed(contender.name, error as Error);
    contender.recordRun({ repeat, valid: false, problems: [problem], values: {} });
  }
}

/**
 * One scenario against every server: fresh processes, verified against the contract, a discarded
 * warm-up where the kind has one, then the repeats, the servers in a seeded random order each round. Only the server being
 * measured runs; the others wait frozen, taking no CPU from it or the generator.
 */
async function runScenario(scenario: Scenario, plan: RunPlan, reporter: Reporter): Promise<ScenarioResult> {
  const { options, signal } = plan;
  const workers = processesFor(scenario, options);
  const bound = planScenario(scenario, options);
  const about = plan.servers.filter((s) => scenario.servers === undefined || scenario.servers.includes(s.name));
  if (usesDatabase(scenario) && !plan.database) throw new Error(`${scenario.id} waits in a database, and the run has none`);
  const database = usesDatabase(scenario) && plan.database ? plan.database : undefined;
  // A server that declares it cannot run WORKERS processes sits out the workers scenarios, saying why;
  // one that declares no database driver, the scenarios on /query.
  const leftOut = Object.fromEntries([
    ...(workers > 1 ? about.flatMap((s) => (s.exceptions?.workers ? [[s.name, s.exceptions.workers]] : [])) : []),
    ...(database ? about.flatMap((s) => (s.database ? [] : [[s.name, NO_DRIVER]])) : []),
  ]);
  for (const [name, reason] of Object.entries(leftOut)) reporter.warn(`${name} sits out ${scenario.id}: ${reason}`);
  const contenders = about.filter((s) => leftOut[s.name] === undefined).map((server) => new Contender(server, workers, options.generators));
  const order: string[][] = [];
  const random = seededRandom(derivedSeed(options.seed, scenario.id));
  try {
    const pool = scenario.database?.pool;
    const start = {
      workers,
      host: options.host,
      readyTimeoutS: options.readyTimeoutS,
      wrap: serverWrap(options.pin),
      signal,
      ...(database ? { database: { url: database.url, ...(pool === undefined ? {} : { pool }) } } : {}),
    };
    const watch = database ? watchOf(database) : undefined;
    await Promise.all(contenders.map((contender) => contender.start(start, reporter)));
    for (let repeat = bound.warmup ? 0 : 1; repeat <= options.repeats; repeat++) {
      const round = shuffled(contenders, random);
      order.push(round.map((c) => c.name));
      for (const contender of round) {
        if (contender.failure || signal?.aborted) continue;
        for (const other of contenders) if (other !== contender) other.running?.pause();
        contender.running?.resume();
        // After the database was lost a run is recorded as not made, and not announced as one.
        if (!watch?.lost)
          reporter.step(repeat === 0 ? `warming up ${contender.name}` : `${contender.name}: run ${repeat} of ${options.repeats}`);
        const lostBefore = watch?.lost === true;
        await runOnce(bound, contender, repeat, signal, watch);
        if (watch?.lost && !lostBefore)
          reporter.warn(
            `the database (${watch.database.describe}) stopped answering during ${contender.name}'s run ${repeat} of ${scenario.id}: that run is invalid, and no later run on /query is made`,
          );
        // Stopped by Ctrl-C or SIGTERM: the harness's own stop, not the server's failure.
        if (signal?.aborted) {
          contender.dropRun(repeat);
          break;
        }
        if (contender.crashed) {
          const crash = contender.crashProblem(true);
          contender.fail(crash);
          reporter.warn(crash);
        }
      }
    }
  } finally {
    reporter.step('stopping servers');
    await Promise.all(contenders.map((c) => c.stop()));
  }
  const cores = serverCores(options.pin);
  const results = contenders.map((c) =>
    serverResult(
      { server: c.server, runs: [...c.runs], warmup: { ...c.warmup }, pids: [...c.pids], ...(c.failure ? { failure: c.failure } : {}) },
      { cores },
      bound.expect,
    ),
  );
  return {
    id: scenario.id,
    kind: scenario.kind,
    valid: results.every((r) => r.valid) && !signal?.aborted,
    ...(signal?.aborted ? { interrupted: true } : {}),
    parameters: {
      workers,
      ...bound.parameters,
      ...(scenario.database?.pool === undefined ? {} : { databasePool: scenario.database.pool }),
    },
    results,
    ...(Object.keys(leftOut).length > 0 ? { leftOut } : {}),
    order,
  };
}

/** Every load option of a plan, as results.json records it. */
export function resultsOptions(plan: Pick<RunPlan, 'options' | 'servers' | 'scenarios'>): Results['options'] {
  return {
    ...plan.options,
    servers: plan.servers.map((s) => s.name),
    scenarios: plan.scenarios.map((s) => s.id),
    timeoutS: REQUEST_TIMEOUT_S,
  };
}

/** Runs each scenario against every server; results.json is rewritten after every scenario. */
export async function runBenchmarks(plan: RunPlan, reporter: Reporter): Promise<Results> {
  const results: Results = {
    schema: RESULTS_SCHEMA,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    complete: false,
    command: plan.command,
    environment: plan.environment,
    options: resultsOptions(plan),
    scenarios: [],
  };
  const file = path.join(plan.outDir, 'results.json');
  const save = () => {
    const otherRuns = plan.otherRuns?.() ?? [];
    if (otherRuns.length > 0) results.environment = { ...results.environment, otherRuns: [...otherRuns] };
    writeFileAtomic(file, `${JSON.stringify(results, null, 2)}\n`);
  };
  save();
  for (const [index, scenario] of plan.scenarios.entries()) {
    if (plan.signal?.aborted) break;
    reporter.scenarioStart(scenario, index, plan.scenarios.length);
    const result = await runScenario(scenario, plan, reporter);
    results.scenarios.push(result);
    save();
    reporter.scenarioDone(result);
  }
  results.complete = !plan.signal?.aborted;
  save();
  return results;
}
