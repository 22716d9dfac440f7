import type { ServerPackage } from '@loopbench/contract';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../results/results.js';
import { medianPrediction, serverResult } from './assemble.js';
import { type Evidence, exactly, type Predictions, spanning } from './theory.js';

const server = { name: 'blocking-one', model: 'blocking', analogue: '' } as ServerPackage;

/** A run of a CPU-bound closed loop of 10 connections: its CPU and served time per request, and its latency mean. */
const run = (repeat: number, cpuMs: number, servedMs = cpuMs, latencyMeanMs = 10 * cpuMs): RunRecord => ({
  repeat,
  valid: true,
  problems: [],
  values: { cpuPerRequestMs: cpuMs, serviceMsMean: servedMs, latencyMeanMs, machineCpuUtilization: 1.3, cpuUtilization: 1 },
});

/** W = C·S, S between the run's own CPU and served time per request. */
const littlesLaw = ({ metrics }: Evidence): Predictions => {
  const cpuMs = metrics.cpuPerRequestMs?.median ?? Number.NaN;
  const servedMs = metrics.serviceMsMean?.median ?? Number.NaN;
  return { latencyMeanMs: spanning(10 * cpuMs, 10 * servedMs) };
};

describe('serverResult', () => {
  it('predicts each run from its own inputs: a machine slower in one run than the other does not fail the median', () => {
    // As measured on the 2-core machine: each run inside its own [C·cpu, C·served]; pooled, the medians
    // of cpu (11.7) and served (11.9) would give 117–119 ms (+2% resolution) against a median W of 122.
    const runs = [run(1, 14.03, 13.43, 142), run(2, 9.45, 10.39, 102.7)];
    const result = serverResult({ server, runs, warmup: {}, pids: [] }, { cores: 2 }, littlesLaw);
    expect(result.theory).toMatchObject([{ metric: 'latencyMeanMs', agrees: true }]);
    const pooled = littlesLaw({ metrics: result.metrics } as Evidence).latencyMeanMs;
    expect(pooled?.high).toBeLessThan(120);
  });

  it('gives theory the cores others used in the run: the machine’s CPU less the server’s', () => {
    let seen: number | undefined;
    serverResult({ server, runs: [run(1, 10)], warmup: {}, pids: [] }, { cores: 2 }, (evidence) => {
      seen = evidence.otherCores;
      return {};
    });
    expect(seen).toBeCloseTo(0.3);
  });
});

describe('medianPrediction', () => {
  it('takes the median of each end, and leaves out what some run did not predict', () => {
    const a = { throughputRps: { expected: 10, low: 9, high: 11 }, queueShare: exactly(0.5) };
    const b = { throughputRps: { expected: 20, low: 18, high: 22 } };
    const c = { throughputRps: { expected: 30, low: 27, high: 33 } };
    expect(medianPrediction([a, b, c])).toEqual({ throughputRps: { expected: 20, low: 18, high: 22 } });
  });
});
