import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  checkReply,
  type ExitStatus,
  ROUTE_CHECKS,
  type RunningServer,
  request,
  type ServerPackage,
  ServerStartError,
  startServer,
} from '@loopbench/contract';
import type { Environment } from './environment.js';
import { runClosedLoop } from './measure/closedLoop.js';
import { type GeneratorHealth, generatorProblem } from './measure/generator.js';
import { measureHeadOfLine } from './measure/headOfLine.js';
import { readListenOverflows } from './measure/listenOverflows.js';
import { runOpenLoop, stallPlan } from './measure/openLoop.js';
import { collectStats, signalsBetween } from './measure/serverStats.js';
import {
  type MetricValues,
  RESULTS_SCHEMA,
  RESULTS_SCHEMA_VERSION,
  type Results,
  type RunRecord,
  type ScenarioResult,
  type ServerResult,
  writeFileAtomic,
} from './results.js';
import type { ClosedLoopScenario, HeadOfLineScenario, OpenLoopScenario, RunOptions, Scenario, ScenarioContext } from './scenarios.js';
import { median, summarize } from './stats.js';
import { checkTheory, type Expectation, expectHeadOfLine, type MetricName } from './theory.js';
import { verdictFor } from './verdict.js';

/** Per request, for closed-loop runs: far longer than any scenario's slowest request. */
export const REQUEST_TIMEOUT_S = 30;

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
  signal?: AbortSignal;
}

/** Problems with a server's answers to the contract's checks; empty when it conforms. */
export async function verifyServer(url: string): Promise<string[]> {
  const problems: string[] = [];
  for (const check of ROUTE_CHECKS) {
    const label = `${check.method ?? 'GET'} ${check.target}`;
    try {
      const problem = checkReply(check, await request(url + check.target, { method: check.method ?? 'GET', timeoutMs: 10_000 }));
      if (problem) problems.push(`${label}: ${problem}`);
    } catch (error) {
      problems.push(`${label}: ${(error as Error).message}`);
    }
  }
  return problems;
}

interface Contender {
  server: ServerPackage;
  running?: RunningServer;
  crashed: boolean;
  exit?: ExitStatus;
  failure?: string;
  /** Open-loop scenarios: the fast-request latency p50 of the warm-up, with nothing in the way. */
  baselineMs?: number;
  /** Every process id seen: the one started, and workers that answered /stats. */
  pids: Set<number>;
  runs: RunRecord[];
}

function pinWrap(options: RunOptions): string[] {
  // os.cpus(), not availableParallelism(): the harness has already pinned itself to core 0.
  return options.pin ? ['taskset', '-c', `1-${os.cpus().length - 1}`] : [];
}

async function start(contender: Contender, workers: number, options: RunOptions, reporter: Reporter): Promise<void> {
  const { server } = contender;
  reporter.step(`starting ${server.name}${workers > 1 ? ` with WORKERS=${workers}` : ''}`);
  try {
    const running = await startServer(server, {
      env: { WORKERS: String(workers), HOST: options.host },
      wrap: pinWrap(options),
      readyTimeoutMs: options.readyTimeoutS * 1000,
    });
    contender.running = running;
    contender.pids.add(running.pid);
    void running.exited.then((status) => {
      contender.crashed = true;
      contender.exit = status;
    });
    reporter.step(`verifying ${server.name}`);
    const problems = await verifyServer(running.url);
    if (problems.length > 0) contender.failure = `${server.name} does not follow the contract: ${problems.join('; ')}`;
  } catch (error) {
    if (error instanceof ServerStartError && error.pid !== undefined) contender.pids.add(error.pid);
    contender.failure = error instanceof ServerStartError ? error.message : `${server.name}: ${(error as Error).message}`;
  }
  if (contender.failure) reporter.warn(contender.failure);
}

/** The server died on its own: in a run's problems briefly, in the server's failure with its output. */
function crashProblem(contender: Contender, withOutput = false): string {
  const how = contender.exit ? ` (code ${contender.exit.code}, signal ${contender.exit.signal})` : '';
  const tail = withOutput ? (contender.running?.outputTail() ?? '') : '';
  return `${contender.server.name} exited during the run${how}${tail ? `; its last output:\n${tail}` : ''}`;
}

/** What one run of any kind yields. */
interface RunOutcome {
  values: MetricValues;
  problems: string[];
  latencyHistogram?: string;
  generator?: GeneratorHealth;
  /** Head-of-line: when /fast actually went out after /sleep. */
  offsetMs?: number;
}

async function closedLoopRun(
  scenario: ClosedLoopScenario,
  contender: Contender,
  workers: number,
  options: RunOptions,
  signal?: AbortSignal,
): Promise<RunOutcome> {
  const url = (contender.running as RunningServer).url;
  const before = await collectStats(url, workers, true);
  const load = await runClosedLoop({
    url: url + scenario.target(options),
    connections: options.connections,
    warmupS: options.warmupS,
    durationS: options.durationS,
    timeoutS: REQUEST_TIMEOUT_S,
    ...(signal ? { signal } : {}),
  });
  const after = contender.crashed ? new Map() : await collectStats(url, workers);
  for (const pid of [...before.keys(), ...after.keys()]) contender.pids.add(pid);
  const signals = signalsBetween(before, after);
  const problems: string[] = [];
  if (load.errors > 0) problems.push(`${load.errors} connection errors`);
  if (load.timeouts > 0) problems.push(`${load.timeouts} requests timed out after ${REQUEST_TIMEOUT_S} s`);
  if (load.non2xx > 0) problems.push(`${load.non2xx} non-2xx answers`);
  if (load.responses === 0) problems.push('no request was answered');
  const generator = generatorProblem(load.generator);
  if (generator) problems.push(generator);
  if (!signals && !contender.crashed) problems.push('server-side /stats did not answer from every worker');
  const values: MetricValues = {
    throughputRps: load.throughputRps,
    latencyMeanMs: load.latencyMs.mean,
    latencyP50Ms: load.latencyMs.p50,
    latencyP99Ms: load.latencyMs.p99,
    ...(signals
      ? {
          eventLoopUtilization: signals.eventLoopUtilization,
          cpuUtilization: signals.cpuUtilization,
          maxInFlight: signals.maxInFlight,
          eventLoopDelayP99Ms: signals.eventLoopDelayP99Ms,
          cpuPerRequestMs: signals.cpuPerRequestMs,
        }
      : {}),
  };
  return { values, problems, latencyHistogram: load.latencyHistogram, generator: load.generator };
}

async function headOfLineRun(scenario: HeadOfLineScenario, contender: Contender, options: RunOptions): Promise<RunOutcome> {
  const result = await measureHeadOfLine({
    url: (contender.running as RunningServer).url,
    sleepMs: scenario.sleepMs(options),
    offsetMs: scenario.offsetMs(options),
  });
  const values: MetricValues = {
    baselineLatencyMs: result.baselineLatencyMs,
    fastLatencyMs: result.fastLatencyMs,
    slowLatencyMs: result.slowLatencyMs,
    holDelayMs: result.holDelayMs,
    blockingIndex: result.blockingIndex,
  };
  return { values, problems: result.problems, offsetMs: result.actualOffsetMs };
}

function summarizeRuns(runs: readonly RunRecord[]): ServerResult['metrics'] {
  const valid = runs.filter((r) => r.valid);
  const names = new Set(valid.flatMap((r) => Object.keys(r.values) as MetricName[]));
  const metrics: ServerResult['metrics'] = {};
  for (const name of names) {
    const values = valid.map((r) => r.values[name]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length > 0) metrics[name] = summarize(values);
  }
  return metrics;
}

function serverResult(contender: Contender, expected: Expectation): ServerResult {
  const metrics = summarizeRuns(contender.runs);
  const problems = [
    ...(contender.failure ? [contender.failure] : []),
    ...contender.runs.filter((r) => !r.valid).map((r) => `run ${r.repeat}: ${r.problems.join('; ')}`),
  ];
  const theory = (Object.entries(expected) as [MetricName, number][])
    .filter(([name, value]) => metrics[name] !== undefined && Number.isFinite(value))
    .map(([name, value]) => checkTheory(name, (metrics[name] as { median: number }).median, value));
  const { server } = contender;
  return {
    server: server.name,
    model: server.model,
    analogue: server.analogue,
    valid: problems.length === 0 && contender.runs.length > 0,
    failed: contender.failure !== undefined,
    problems,
    metrics,
    expected,
    theory,
    runs: contender.runs,
    pids: [...contender.pids],
  };
}

/** Send lag past this makes an open-loop run untrustworthy: requests left later than planned. */
export const SEND_LAG_LIMIT_MS = 5;

/** The open-loop warm-up: fast requests only, at the scenario's rate; its p50 is the baseline. */
async function openLoopBaseline(
  contender: Contender,
  options: RunOptions,
  parameters: Record<string, string | number>,
  signal?: AbortSignal,
): Promise<RunOutcome> {
  const durationMs = options.quick ? 150 : 500;
  const plan = stallPlan({ ratePerS: options.ratePerS, durationMs, stallAtMs: 0, stallMs: 0 }).filter((r) => r.kind === 'fast');
  const load = await runOpenLoop({ url: (contender.running as RunningServer).url, plan, timeoutMs: 10_000, ...(signal ? { signal } : {}) });
  contender.baselineMs = load.fast.latencyMs.p50;
  parameters[`baselineMs.${contender.server.name}`] = load.fast.latencyMs.p50;
  return { values: {}, problems: [] };
}

async function openLoopRun(
  scenario: OpenLoopScenario,
  contender: Contender,
  options: RunOptions,
  repeat: number,
  signal?: AbortSignal,
): Promise<RunOutcome> {
  const url = (contender.running as RunningServer).url;
  const before = await collectStats(url, 1, true);
  const overflowsBefore = readListenOverflows();
  const plan = scenario.plan(options, repeat);
  const load = await runOpenLoop({ url, plan, timeoutMs: REQUEST_TIMEOUT_S * 1000, ...(signal ? { signal } : {}) });
  const overflowsAfter = readListenOverflows();
  const after = contender.crashed ? new Map() : await collectStats(url, 1);
  for (const pid of [...before.keys(), ...after.keys()]) contender.pids.add(pid);
  const signals = signalsBetween(before, after);

  const problems: string[] = [];
  if (load.sent < load.planned) problems.push(`${load.planned - load.sent} of ${load.planned} planned requests were never sent`);
  if (load.errors > 0) problems.push(`${load.errors} requests failed`);
  if (load.timeouts > 0) problems.push(`${load.timeouts} requests timed out after ${REQUEST_TIMEOUT_S} s`);
  if (load.non2xx > 0) problems.push(`${load.non2xx} non-2xx answers`);
  if (load.sendLagMs.p99 > SEND_LAG_LIMIT_MS) {
    problems.push(`the generator fell behind its plan (send lag p99 ${load.sendLagMs.p99.toFixed(1)} ms > ${SEND_LAG_LIMIT_MS} ms)`);
  }
  if (overflowsBefore !== undefined && overflowsAfter !== undefined && overflowsAfter > overflowsBefore) {
    problems.push(`${overflowsAfter - overflowsBefore} connections overflowed a listen backlog (TcpExt ListenOverflows)`);
  }
  const fast = load.fast.latencyMs;
  const values: MetricValues = {
    fastLatencyMeanMs: fast.mean,
    fastLatencyP50Ms: fast.p50,
    fastLatencyP90Ms: fast.p90,
    fastLatencyP99Ms: fast.p99,
    fastLatencyP999Ms: fast.p999,
    fastLatencyMaxMs: fast.max,
    sendLagP99Ms: load.sendLagMs.p99,
    ...(signals
      ? {
          eventLoopUtilization: signals.eventLoopUtilization,
          cpuUtilization: signals.cpuUtilization,
          maxInFlight: signals.maxInFlight,
          cpuPerRequestMs: signals.cpuPerRequestMs,
        }
      : {}),
  };

  const view = scenario.closedLoopView?.(options);
  if (view && !contender.crashed && !signal?.aborted) {
    // The same stall under closed-loop load: what ab, wrk or autocannon would have reported.
    const stall = delay(view.stallAtMs).then(() => request(`${url}/sleep?ms=${view.stallMs}`, { timeoutMs: REQUEST_TIMEOUT_S * 1000 }));
    const closed = await runClosedLoop({
      url: `${url}/fast`,
      connections: options.connections,
      warmupS: 0,
      durationS: view.durationMs / 1000,
      timeoutS: REQUEST_TIMEOUT_S,
      ...(signal ? { signal } : {}),
    });
    const stallReply = await stall;
    if (stallReply.status !== 200) problems.push(`the closed-loop view's stall answered ${stallReply.status}`);
    if (closed.errors + closed.timeouts + closed.non2xx > 0) problems.push('the closed-loop view had errors, timeouts or non-2xx answers');
    Object.assign(values, {
      closedLoopP50Ms: closed.latencyMs.p50,
      closedLoopP99Ms: closed.latencyMs.p99,
      closedLoopMaxMs: closed.latencyMs.max,
    });
  }
  return { values, problems, latencyHistogram: load.fast.latencyHistogram, generator: load.generator };
}

async function runScenario(scenario: Scenario, plan: RunPlan, reporter: Reporter): Promise<ScenarioResult> {
  const { options, signal } = plan;
  const workers = scenario.workers(options);
  const contenders: Contender[] = plan.servers.map((server) => ({ server, crashed: false, runs: [], pids: new Set<number>() }));
  const offsets: number[] = [];
  const context: ScenarioContext = { options, cores: options.pin ? Math.max(1, os.cpus().length - 1) : os.availableParallelism() };
  const parameters: Record<string, string | number> = { workers };
  try {
    await Promise.all(contenders.map((contender) => start(contender, workers, options, reporter)));
    if (scenario.kind === 'closed-loop') {
      Object.assign(parameters, {
        target: scenario.target(options),
        connections: options.connections,
        warmupS: options.warmupS,
        durationS: options.durationS,
      });
    } else if (scenario.kind === 'open-loop') {
      Object.assign(parameters, scenario.parameters(options));
      if (scenario.closedLoopView) parameters.closedLoopConnections = options.connections;
    } else {
      Object.assign(parameters, { sleepMs: scenario.sleepMs(options), offsetMs: scenario.offsetMs(options) });
    }

    const measure = (contender: Contender, repeat: number) => {
      if (scenario.kind === 'closed-loop') return closedLoopRun(scenario, contender, workers, options, signal);
      if (scenario.kind === 'open-loop') {
        return repeat === 0
          ? openLoopBaseline(contender, options, parameters, signal)
          : openLoopRun(scenario, contender, options, repeat, signal);
      }
      return headOfLineRun(scenario, contender, options);
    };

    // Closed-loop runs discard their own first warmupS seconds; the others get one discarded run.
    const firstRepeat = scenario.kind === 'closed-loop' ? 1 : 0;
    for (let repeat = firstRepeat; repeat <= options.repeats; repeat++) {
      const warmup = repeat === 0;
      for (const contender of contenders) {
        if (contender.failure || signal?.aborted) continue;
        // Only the server being measured runs; the others wait frozen, taking no CPU from it or the generator.
        for (const other of contenders) if (other !== contender) other.running?.pause();
        contender.running?.resume();
        reporter.step(warmup ? `warming up ${contender.server.name}` : `${contender.server.name}: run ${repeat} of ${options.repeats}`);
        try {
          const run = await measure(contender, repeat);
          if (contender.crashed) run.problems.push(crashProblem(contender));
          if (warmup && !contender.crashed) continue;
          if (run.offsetMs !== undefined) offsets.push(run.offsetMs);
          contender.runs.push({
            repeat,
            valid: run.problems.length === 0,
            problems: run.problems,
            values: run.values,
            ...(run.latencyHistogram !== undefined ? { latencyHistogram: run.latencyHistogram } : {}),
            ...(run.generator !== undefined ? { generator: run.generator } : {}),
          });
        } catch (error) {
          const problem = contender.crashed ? crashProblem(contender) : `${contender.server.name}: ${(error as Error).message}`;
          contender.runs.push({ repeat, valid: false, problems: [problem], values: {} });
        }
        if (contender.crashed) {
          contender.failure = crashProblem(contender, true);
          reporter.warn(contender.failure);
        }
      }
    }
  } finally {
    reporter.step('stopping servers');
    await Promise.all(contenders.map((c) => c.running?.stop()));
  }

  const results = contenders.map((contender) => {
    let expected: Expectation;
    if (scenario.kind === 'closed-loop') {
      const serviceMs = summarizeRuns(contender.runs).cpuPerRequestMs?.median;
      expected = scenario.expect(contender.server.model, {
        ...context,
        ...(serviceMs ? { serviceMs } : {}),
        cpuOffload: contender.server.cpuOffload === true,
      });
    } else if (scenario.kind === 'open-loop') {
      expected = scenario.expect(contender.server.model, {
        options,
        baselineMs: contender.baselineMs ?? Number.NaN,
        fastServiceMs: summarizeRuns(contender.runs).cpuPerRequestMs?.median ?? 0,
      });
    } else {
      const baseline = summarizeRuns(contender.runs).baselineLatencyMs?.median ?? Number.NaN;
      expected = expectHeadOfLine(contender.server.model, {
        sleepMs: scenario.sleepMs(options),
        offsetMs: offsets.length > 0 ? median(offsets) : scenario.offsetMs(options),
        baselineLatencyMs: baseline,
      });
    }
    return serverResult(contender, expected);
  });
  const partial: Omit<ScenarioResult, 'verdict'> = {
    id: scenario.id,
    title: scenario.title,
    claim: scenario.claim,
    kind: scenario.kind,
    valid: results.every((r) => r.valid) && !signal?.aborted,
    parameters,
    results,
  };
  return { ...partial, verdict: verdictFor(partial) };
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

/**
 * Runs each scenario against every server: fresh server processes per scenario, verify, a discarded
 * warm-up, then repeats alternating the servers. results.json is rewritten after every scenario.
 */
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
  const save = () => writeFileAtomic(file, `${JSON.stringify(results, null, 2)}\n`);
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
