import { describe, expect, it } from 'vitest';
import type { MetricName } from '../catalogue/metrics.js';
import type { Results } from '../results/results.js';
import { serverResultOf } from '../results/results.testing.js';
import { type Change, changeTest, classifyChange, compareResults } from './compare.js';
import { seededRandom } from './random.js';
import { type Summary, summarize } from './stats.js';

const test5 = changeTest(5);

describe('classifyChange', () => {
  it('says there are not enough runs to tell below 3 runs a side, with no interval', () => {
    const five = summarize([100, 101, 102, 103, 104]);
    expect(classifyChange('throughputRps', summarize([100, 150]), five, test5)).toEqual({
      before: summarize([100, 150]),
      after: five,
      change: expect.closeTo(102 / 125 - 1),
      verdict: 'too-few-runs',
      reason: 'only 2 runs before; 3 needed',
    });
    expect(classifyChange('throughputRps', summarize([100]), summarize([200, 201]), test5).reason).toBe(
      'only 1 run before and 2 runs after; 3 needed',
    );
    expect(classifyChange('throughputRps', five, summarize([200, 201, 202]), test5).verdict).toBe('improved');
  });

  it('uses the direction that is better for the metric once the interval excludes 0', () => {
    const low = summarize([100, 101, 102]);
    const high = summarize([120, 121, 122]);
    expect(classifyChange('throughputRps', low, high, test5)).toMatchObject({
      verdict: 'improved',
      // With 3 runs a side the interval is the ratio of the ranges: 120/102 − 1 … 122/100 − 1.
      reason: '95% interval +17.6% … +22.0% excludes 0; higher is better',
      interval: { low: expect.closeTo(120 / 102 - 1), high: expect.closeTo(122 / 100 - 1) },
    });
    expect(classifyChange('throughputRps', high, low, test5).verdict).toBe('regressed');
    expect(classifyChange('latencyP99Ms', low, high, test5).verdict).toBe('regressed');
    expect(classifyChange('maxInFlight', low, high, test5)).toMatchObject({
      verdict: 'changed',
      reason: '95% interval +17.6% … +22.0% excludes 0; neither direction is better',
    });
  });

  it('calls a change under the threshold unchanged, even one beyond the noise', () => {
    expect(classifyChange('throughputRps', summarize([100, 100.5, 101]), summarize([103, 103.5, 104]), test5)).toMatchObject({
      verdict: 'unchanged',
      reason: '95% interval +2.0% … +4.0% excludes 0, but under the 5% threshold',
    });
  });

  it("says it can't tell when the medians moved past the threshold but the interval includes 0", () => {
    const result = classifyChange('throughputRps', summarize([60, 100, 140]), summarize([80, 130, 170]), test5);
    expect(result.change).toBeCloseTo(0.3);
    expect(result).toMatchObject({ verdict: 'unclear', reason: '95% interval −42.9% … +183.3% includes 0' });
  });

  it('gives the same interval for the same runs, whatever was compared before', () => {
    const before = summarize([100, 97, 104, 99, 102]);
    const after = summarize([93, 99, 95, 101, 96]);
    const first = classifyChange('throughputRps', before, after, test5);
    classifyChange('throughputRps', after, before, test5);
    expect(classifyChange('throughputRps', before, after, test5)).toEqual(first);
  });
});

/** `count` runs around `center`, each off by a normal error of `noise` (0.05 is 5%) of it. */
function noisyRuns(random: () => number, center: number, count: number, noise = 0.05): Summary {
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return summarize(Array.from({ length: count }, () => center * (1 + noise * normal())));
}

function results(metrics: Partial<Record<MetricName, Summary>>, node = 'v20.20.2'): Results {
  return {
    schema: 'loopbench-results',
    schemaVersion: 3,
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
        results: [serverResultOf('koa', metrics)],
      },
    ],
  };
}

/** Two files of the same server, 5 runs a side drawn from the same 5% noise; `after` scales the after side's centres. */
function pair(seed: number, after: { throughput: number; latency: number; inFlight: number } = { throughput: 1, latency: 1, inFlight: 1 }) {
  const random = seededRandom(seed);
  const before = results({
    throughputRps: noisyRuns(random, 200, 5),
    latencyP99Ms: noisyRuns(random, 50, 5),
    maxInFlight: noisyRuns(random, 10, 5),
  });
  const changed = results({
    throughputRps: noisyRuns(random, 200 * after.throughput, 5),
    latencyP99Ms: noisyRuns(random, 50 * after.latency, 5),
    maxInFlight: noisyRuns(random, 10 * after.inFlight, 5),
  });
  return compareResults(before, changed, 10);
}

const verdicts = (changes: { metric: MetricName; verdict: Change }[]) => Object.fromEntries(changes.map((c) => [c.metric, c.verdict]));

describe('compareResults', () => {
  it('calls every metric unchanged between two runs of the same server (A/A)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const comparison = pair(seed);
      expect(verdicts(comparison.changes), `seed ${seed}`).toEqual({
        throughputRps: 'unchanged',
        latencyP99Ms: 'unchanged',
        maxInFlight: 'unchanged',
      });
      expect(comparison.regressions).toEqual([]);
    }
  });

  it('rarely calls a change between A/A pairs, and then not often a regression', () => {
    const tally: Partial<Record<Change, number>> = {};
    const pairs = 150;
    for (let seed = 100; seed < 100 + pairs; seed++) {
      for (const c of pair(seed).changes) tally[c.verdict] = (tally[c.verdict] ?? 0) + 1;
    }
    const comparisons = pairs * 3;
    const changes = (tally.improved ?? 0) + (tally.regressed ?? 0) + (tally.changed ?? 0);
    expect(changes / comparisons).toBeLessThanOrEqual(0.01);
    expect((tally.unchanged ?? 0) / comparisons).toBeGreaterThanOrEqual(0.97);
    expect(tally['too-few-runs']).toBeUndefined();
  });

  it('calls a known 20% regression regressed, with the same noise', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const comparison = pair(seed, { throughput: 0.8, latency: 1.25, inFlight: 1.25 });
      expect(verdicts(comparison.changes), `seed ${seed}`).toEqual({
        throughputRps: 'regressed',
        latencyP99Ms: 'regressed',
        maxInFlight: 'changed',
      });
      expect(comparison.regressions.map((c) => c.metric)).toEqual(['throughputRps', 'latencyP99Ms']);
    }
  });

  it('calls the same 20% the other way improved', () => {
    const comparison = pair(1, { throughput: 1.25, latency: 0.8, inFlight: 1 });
    expect(verdicts(comparison.changes)).toEqual({ throughputRps: 'improved', latencyP99Ms: 'improved', maxInFlight: 'unchanged' });
  });

  it('lists a regression beyond noise and threshold, and environment differences', () => {
    const comparison = compareResults(
      results({ throughputRps: summarize([200, 201, 202]) }),
      results({ throughputRps: summarize([150, 151, 152]) }, 'v22.0.0'),
      10,
    );
    expect(comparison.regressions).toHaveLength(1);
    expect(comparison.regressions[0]).toMatchObject({ scenario: 'io-bound', server: 'koa', metric: 'throughputRps' });
    expect(comparison.environmentDifferences).toEqual(['node: v20.20.2 → v22.0.0']);
    expect(comparison.test).toEqual({ thresholdPct: 10, minRuns: 3, confidence: 0.95, resamples: 10_000 });
  });

  it('says not enough runs to tell rather than guess from one run a side', () => {
    const comparison = compareResults(results({ throughputRps: summarize([200]) }), results({ throughputRps: summarize([100]) }), 10);
    expect(comparison.changes.map((c) => [c.verdict, c.reason])).toEqual([['too-few-runs', 'only 1 run before and 1 run after; 3 needed']]);
    expect(comparison.regressions).toEqual([]);
  });

  it('names the load options that differ between the runs', () => {
    const quick = results({ throughputRps: summarize([200]) });
    quick.options = { ...quick.options, quick: true, durationS: 0.35 };
    const full = results({ throughputRps: summarize([200]) });
    full.options = { ...full.options, quick: false, durationS: 2 };
    expect(compareResults(quick, full, 10).optionDifferences).toEqual(['quick: true → false', 'durationS: 0.35 → 2']);
    expect(compareResults(full, full, 10).optionDifferences).toEqual([]);
  });

  it('names scenario and server pairs found in only one file', () => {
    const after = results({ throughputRps: summarize([200]) });
    after.scenarios[0]?.results.push({ ...(after.scenarios[0]?.results[0] as Results['scenarios'][0]['results'][0]), server: 'fastify' });
    expect(compareResults(results({ throughputRps: summarize([200]) }), after, 10).leftOut).toEqual([
      { scenario: 'io-bound', servers: ['fastify'], why: 'only in after' },
    ]);
  });
});

/** A file of these scenarios, each `{ server: throughput runs }`, with these parameters and options. */
function file(
  scenarios: { id: string; parameters?: Results['scenarios'][0]['parameters']; servers: Record<string, number[]>; interrupted?: true }[],
  options: Partial<Results['options']> = {},
  complete = true,
): Results {
  const base = results({});
  return {
    ...base,
    complete,
    options: { ...base.options, quick: false, generators: 1, pin: false, scenarios: scenarios.map((s) => s.id), ...options },
    scenarios: scenarios.map(({ id, parameters = { workers: 1 }, servers, interrupted }) => ({
      id,
      kind: 'closed-loop',
      valid: true,
      ...(interrupted ? { interrupted } : {}),
      parameters,
      results: Object.entries(servers).map(([server, runs]) => serverResultOf(server, { throughputRps: summarize(runs) })),
    })),
  };
}

const slower = [150, 151, 152];
const faster = [200, 201, 202];

describe('compareResults compares only what was measured the same way (#27)', () => {
  it('compares nothing, and says so, when the files share no server', () => {
    const comparison = compareResults(
      file([{ id: 'io-bound', servers: { 'express-blocking': faster, koa: faster } }]),
      file([{ id: 'io-bound', servers: { flask: slower, fastapi: slower } }]),
      10,
    );
    expect(comparison.changes).toEqual([]);
    expect(comparison.leftOut).toEqual([
      { scenario: 'io-bound', servers: ['flask', 'fastapi'], why: 'only in after' },
      { scenario: 'io-bound', servers: ['express-blocking', 'koa'], why: 'only in before' },
    ]);
  });

  it('compares nothing when the files share no scenario', () => {
    const comparison = compareResults(
      file([{ id: 'hello', servers: { koa: faster } }]),
      file([{ id: 'io-bound', servers: { koa: slower } }]),
      10,
    );
    expect(comparison.changes).toEqual([]);
    expect(comparison.leftOut.map((l) => `${l.scenario}: ${l.why}`)).toEqual(['io-bound: only in after', 'hello: only in before']);
  });

  it('leaves out a scenario run with other parameters (a quick head-of-line at 200 ms against a full one at 1,000 ms)', () => {
    const comparison = compareResults(
      file([
        { id: 'head-of-line', parameters: { workers: 1, sleepMs: 1000, offsetMs: 100 }, servers: { koa: faster } },
        { id: 'hello', parameters: { workers: 1, target: '/hello' }, servers: { koa: faster } },
      ]),
      file([
        { id: 'head-of-line', parameters: { workers: 1, sleepMs: 200, offsetMs: 20 }, servers: { koa: slower } },
        { id: 'hello', parameters: { workers: 1, target: '/hello' }, servers: { koa: faster } },
      ]),
      10,
    );
    expect(comparison.changes.map((c) => `${c.scenario} ${c.verdict}`)).toEqual(['hello unchanged']);
    expect(comparison.regressions).toEqual([]);
    expect(comparison.leftOut).toEqual([
      { scenario: 'head-of-line', servers: ['koa'], why: 'run with other settings: sleepMs 1000 → 200, offsetMs 100 → 20' },
    ]);
  });

  it('leaves out every scenario when a run-wide option that changes the measurement differs', () => {
    const scenarios = [{ id: 'hello', servers: { koa: faster } }];
    for (const [option, before, after] of [
      ['quick', false, true],
      ['generators', 1, 2],
      ['pin', false, true],
    ] as const) {
      const comparison = compareResults(file(scenarios, { [option]: before }), file(scenarios, { [option]: after }), 10);
      expect(comparison.changes, option).toEqual([]);
      expect(comparison.leftOut, option).toEqual([
        { scenario: 'hello', servers: ['koa'], why: `run with other settings: ${option} ${before} → ${after}` },
      ]);
    }
    // Options a scenario's parameters do not use (the open-loop rate, for a closed-loop one) leave it in.
    const comparison = compareResults(file(scenarios, { ratePerS: 200, repeats: 3 }), file(scenarios, { ratePerS: 400, repeats: 5 }), 10);
    expect(comparison.changes).toHaveLength(1);
    expect(comparison.leftOut).toEqual([]);
  });

  it("ignores the warm-up baselines that version-1 files kept among a scenario's parameters", () => {
    const mixed = (baseline: number) => ({
      id: 'mixed',
      parameters: { workers: 1, ratePerS: 200, 'baselineMs.koa': baseline },
      servers: { koa: faster },
    });
    const comparison = compareResults(file([mixed(1.4)]), file([mixed(2.2)]), 10);
    expect(comparison.changes).toHaveLength(1);
    expect(comparison.leftOut).toEqual([]);
  });

  it('says when a file is incomplete, which scenarios it never ran and which it stopped in', () => {
    const before = file([
      { id: 'hello', servers: { koa: faster } },
      { id: 'io-bound', servers: { koa: faster } },
      { id: 'mixed', servers: { koa: faster } },
    ]);
    const after = file(
      [
        { id: 'hello', servers: { koa: faster } },
        { id: 'io-bound', servers: { koa: faster }, interrupted: true },
      ],
      { scenarios: ['hello', 'io-bound', 'mixed'] },
      false,
    );
    const comparison = compareResults(before, after, 10);
    expect(comparison.incomplete).toEqual([{ side: 'after', missing: ['mixed'], interrupted: ['io-bound'] }]);
    expect(comparison.leftOut).toEqual([{ scenario: 'mixed', servers: ['koa'], why: 'not run in after: that run stopped before it' }]);
    expect(compareResults(before, before, 10).incomplete).toEqual([]);
  });

  it('says why a server that failed was compared on nothing', () => {
    const after = file([{ id: 'hello', servers: { koa: faster } }]);
    const failed = after.scenarios[0]?.results[0] as Results['scenarios'][0]['results'][0];
    Object.assign(failed, { metrics: {}, failed: true, valid: false, problems: ['koa did not start'] });
    const comparison = compareResults(file([{ id: 'hello', servers: { koa: faster } }]), after, 10);
    expect(comparison.changes).toEqual([]);
    expect(comparison.leftOut).toEqual([
      { scenario: 'hello', servers: ['koa'], why: 'no metric measured in both: failed in after (koa did not start)' },
    ]);
  });
});
