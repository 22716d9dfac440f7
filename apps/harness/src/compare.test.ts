import { describe, expect, it } from 'vitest';
import { classifyChange, compareResults } from './compare.js';
import type { Results } from './results.js';
import { summarize } from './stats.js';

describe('classifyChange', () => {
  it('calls overlapping ranges unchanged, however far apart the medians', () => {
    expect(classifyChange('throughputRps', summarize([90, 100, 130]), summarize([125, 140, 150]), 5)).toMatchObject({
      verdict: 'unchanged',
      reason: 'within noise (ranges overlap)',
    });
  });

  it('calls a small change beyond the noise unchanged when under the threshold', () => {
    expect(classifyChange('throughputRps', summarize([100, 100.5]), summarize([103, 103.5]), 5).verdict).toBe('unchanged');
  });

  it('uses the direction that is better for the metric', () => {
    const low = summarize([100, 101, 102]);
    const high = summarize([120, 121, 122]);
    expect(classifyChange('throughputRps', low, high, 5).verdict).toBe('improved');
    expect(classifyChange('throughputRps', high, low, 5).verdict).toBe('regressed');
    expect(classifyChange('latencyP99Ms', low, high, 5).verdict).toBe('regressed');
    expect(classifyChange('maxInFlight', low, high, 5).verdict).toBe('changed');
  });
});

function results(throughput: number[], node = 'v20.20.2'): Results {
  return {
    schema: 'loopbench-results',
    schemaVersion: 2,
    createdAt: '2026-11-21T00:00:00Z',
    complete: true,
    command: [],
    environment: { node, os: 'Linux', arch: 'x64', cpuModel: 'cpu', cpuCount: 2 } as Results['environment'],
    options: {} as Results['options'],
    scenarios: [
      {
        id: 'io-bound',
        kind: 'closed-loop',
        valid: true,
        parameters: {},
        results: [
          {
            server: 'koa',
            model: 'non-blocking',
            analogue: '',
            valid: true,
            failed: false,
            problems: [],
            metrics: { throughputRps: summarize(throughput) },
            expected: {},
            theory: [],
            runs: [],
            pids: [],
          },
        ],
      },
    ],
  };
}

describe('compareResults', () => {
  it('lists a regression beyond noise and threshold, and environment differences', () => {
    const comparison = compareResults(results([200, 201, 202]), results([150, 151, 152], 'v22.0.0'), 10);
    expect(comparison.regressions).toHaveLength(1);
    expect(comparison.regressions[0]).toMatchObject({ scenario: 'io-bound', server: 'koa', metric: 'throughputRps' });
    expect(comparison.environmentDifferences).toEqual(['node: v20.20.2 → v22.0.0']);
  });

  it('finds nothing to report between two runs within noise', () => {
    const comparison = compareResults(results([195, 200, 205]), results([198, 203, 207]), 10);
    expect(comparison.regressions).toEqual([]);
    expect(comparison.changes.map((c) => c.verdict)).toEqual(['unchanged']);
    expect(comparison.unmatched).toEqual([]);
  });

  it('names the load options that differ between the runs', () => {
    const quick = results([200]);
    quick.options = { ...quick.options, quick: true, durationS: 0.35 };
    const full = results([200]);
    full.options = { ...full.options, quick: false, durationS: 2 };
    expect(compareResults(quick, full, 10).optionDifferences).toEqual(['quick: true → false', 'durationS: 0.35 → 2']);
    expect(compareResults(full, full, 10).optionDifferences).toEqual([]);
  });

  it('names scenario and server pairs found in only one file', () => {
    const after = results([200]);
    after.scenarios[0]?.results.push({ ...(after.scenarios[0]?.results[0] as Results['scenarios'][0]['results'][0]), server: 'fastify' });
    expect(compareResults(results([200]), after, 10).unmatched).toEqual(['io-bound/fastify']);
  });
});
