import type { ServerPackage } from '@loopbench/contract';
import { isMetricName, type MetricName } from '../catalogue/metrics.js';
import type { MetricValues, RunRecord, ServerResult } from '../results/results.js';
import { summarize } from './stats.js';
import { checkTheory, type Evidence } from './theory.js';

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

/** One server's result: its runs summarised, theory for it, and each metric checked against it. */
export function serverResult(
  measured: Measured,
  context: Pick<Evidence, 'cores'>,
  expect: (evidence: Evidence) => ServerResult['expected'],
): ServerResult {
  const { server, runs, warmup, failure } = measured;
  const metrics = summarizeRuns(runs);
  const expected = expect({
    model: server.model,
    cpuOffload: server.cpuOffload === true,
    ...(server.poolSize === undefined ? {} : { poolSize: server.poolSize }),
    cores: context.cores,
    metrics,
    warmup,
  });
  const problems = [...(failure ? [failure] : []), ...runs.filter((r) => !r.valid).map((r) => `run ${r.repeat}: ${r.problems.join('; ')}`)];
  const theory = (Object.entries(expected) as [MetricName, number][])
    .filter(([name, value]) => metrics[name] !== undefined && Number.isFinite(value))
    .map(([name, value]) => checkTheory(name, (metrics[name] as { median: number }).median, value));
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
