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
 * What each valid run's own arrivals predicted, over the runs: the median of each end. A run inside
 * its own interval every time has its median measurement inside these, since the median is monotone.
 */
export function realisedPredictions(runs: readonly RunRecord[]): Predictions {
  const names = new Set(runs.flatMap((r) => Object.keys(r.predicted ?? {}).filter(isMetricName)));
  const out: Predictions = {};
  for (const name of names) {
    const each = runs.map((r) => r.predicted?.[name]).filter((p): p is Prediction => p !== undefined);
    if (each.length < runs.length) continue;
    out[name] = {
      expected: median(each.map((p) => p.expected)),
      low: median(each.map((p) => p.low)),
      high: median(each.map((p) => p.high)),
    };
  }
  return out;
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
  const generatorCores = median(
    valid.map((r) => (r.generators ?? []).reduce((sum, g) => sum + (Number.isFinite(g.cpuUtilization) ? g.cpuUtilization : 0), 0)),
  );
  const predictions = expect({
    model: server.model,
    cpuOffload: server.cpuOffload === true,
    ...(server.poolSize === undefined ? {} : { poolSize: server.poolSize }),
    cores: context.cores,
    metrics,
    warmup,
    repeats: valid.length,
    generatorCores: Number.isFinite(generatorCores) ? generatorCores : 0,
  });
  const problems = [...(failure ? [failure] : []), ...runs.filter((r) => !r.valid).map((r) => `run ${r.repeat}: ${r.problems.join('; ')}`)];
  const measuredOf = (name: MetricName) => metrics[name]?.median;
  const model = (Object.entries(predictions) as [MetricName, Prediction][])
    .filter(([name, p]) => measuredOf(name) !== undefined && Number.isFinite(p.expected))
    .map(([name, p]) => checkTheory(name, measuredOf(name) as number, p));
  const realised = (Object.entries(realisedPredictions(valid)) as [MetricName, Prediction][])
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
