import type { ServerPackage } from '@loopbench/contract';
import { isMetricName, type MetricName } from '../catalogue/metrics.js';
import type { MetricValues, Prediction, RunRecord, ServerResult } from '../results/results.js';
import { median, summarize } from './stats.js';
import { checkTheory, type Evidence, type Predictions } from './theory.js';

/** Median, min and max of every metric over the valid runs. */
export function summarizeRuns(runs: readonly RunRecord[]): ServerResult['metrics'] {
  const valid = runs.filter((r) => r.valid);
  const names = new Set(valid.flatMap((r) => Object.keys(r.values).filter(isMetricName)));
  const metrics: ServerResult['metrics'] = {};
  for (const name of names) {
    const values = valid.map((r) => r.values[name]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length > 0) metrics[name] = summarize(values);
  }
  return metrics;
}

export interface Measured {
  server: ServerPackage;
  runs: RunRecord[];
  warmup: MetricValues;
  /** Why the server failed (did not start, broke the contract, died), if it did. */
  failure?: string;
  pids: number[];
}

/**
 * Per-run predictions over the runs: the median of each end. A run inside its own interval every
 * time has its median measurement inside these, since the median is monotone; taking each run's
 * prediction from its own inputs keeps a run on a slower moment of the machine from judging another.
 * A metric some run did not predict is left out.
 */
export function medianPrediction(perRun: readonly Predictions[]): Predictions {
  const names = new Set(perRun.flatMap((p) => Object.keys(p).filter(isMetricName)));
  const out: Predictions = {};
  for (const name of names) {
    const each = perRun.map((p) => p[name]).filter((p): p is Prediction => p !== undefined);
    if (each.length === 0 || each.length < perRun.length) continue;
    out[name] = {
      expected: median(each.map((p) => p.expected)),
      low: median(each.map((p) => p.low)),
      high: median(each.map((p) => p.high)),
    };
  }
  return out;
}

/** What the machine was busy with besides the server in a run; without a reading of the machine's CPU, the generators' own. */
function otherCores(run: RunRecord): number {
  const { machineCpuUtilization: machine, cpuUtilization: server } = run.values;
  const other =
    machine !== undefined && server !== undefined && Number.isFinite(machine) && Number.isFinite(server)
      ? machine - server
      : (run.generators ?? []).reduce((sum, g) => sum + (Number.isFinite(g.cpuUtilization) ? g.cpuUtilization : 0), 0);
  return Number.isFinite(other) ? Math.max(0, other) : 0;
}

/** One server's result: its runs summarised, theory for it, and each metric checked against it. */
export function serverResult(
  measured: Measured,
  context: Pick<Evidence, 'cores'>,
  expect: (evidence: Evidence) => Predictions,
): ServerResult {
  const { server, runs, warmup, failure } = measured;
  const metrics = summarizeRuns(runs);
  const valid = runs.filter((r) => r.valid);
  // Each run judged by what its own inputs predict (a CPU time per request of its own, the cores others left it).
  const evidenceOf = (run: RunRecord): Evidence => ({
    model: server.model,
    cpuOffload: server.cpuOffload === true,
    ...(server.poolSize === undefined ? {} : { poolSize: server.poolSize }),
    ...(server.database?.pool === undefined ? {} : { databasePool: server.database.pool }),
    cores: context.cores,
    metrics: summarizeRuns([run]),
    warmup,
    otherCores: otherCores(run),
  });
  const predictions = medianPrediction(valid.map((run) => expect(evidenceOf(run))));
  const problems = [...(failure ? [failure] : []), ...runs.filter((r) => !r.valid).map((r) => `run ${r.repeat}: ${r.problems.join('; ')}`)];
  const measuredOf = (name: MetricName) => metrics[name]?.median;
  const model = (Object.entries(predictions) as [MetricName, Prediction][])
    .filter(([name, p]) => measuredOf(name) !== undefined && Number.isFinite(p.expected))
    .map(([name, p]) => checkTheory(name, measuredOf(name) as number, p));
  const realised = (Object.entries(medianPrediction(valid.map((r) => r.predicted ?? {}))) as [MetricName, Prediction][])
    .filter(([name, p]) => measuredOf(name) !== undefined && Number.isFinite(p.expected))
    .map(([name, p]) => checkTheory(name, measuredOf(name) as number, p, 'realised'));
  const theory = [...model, ...realised];
  const expected = Object.fromEntries(Object.entries(predictions).map(([name, p]) => [name, (p as Prediction).expected]));
  return {
    server: server.name,
    model: server.model,
    analogue: server.analogue,
    valid: problems.length === 0 && runs.length > 0,
    failed: failure !== undefined,
    problems,
    metrics,
    ...(Object.keys(warmup).length > 0 ? { warmup } : {}),
    expected,
    theory,
    runs,
    pids: measured.pids,
  };
}
