import { describe, expect, it } from 'vitest';
import { INSTRUMENT } from '../catalogue/metrics.js';
import { seededRandom } from './random.js';
import { median } from './stats.js';
import {
  checkTheory,
  exactly,
  expectCpuBound,
  expectDatabaseBound,
  expectHeadOfLine,
  expectIoBound,
  expectShare,
  expectSplit,
  expectStall,
  pollaczekKhinchineWaitMs,
  queriesPerProcess,
  shareWaitRangeMs,
  spanning,
  stallMeanMs,
  stallQuantileMs,
} from './theory.js';

const RT = INSTRUMENT.roundTripMs;

describe('expectHeadOfLine', () => {
  it('makes /fast wait the rest of the sleep on a blocking server, with no spread: one request each', () => {
    expect(expectHeadOfLine('blocking', { sleepMs: 2000, offsetMs: 200, baselineLatencyMs: 1 })).toEqual({
      blockingIndex: exactly(1),
      holDelayMs: exactly(1800),
      fastLatencyMs: exactly(1801),
      slowLatencyMs: exactly(2000),
    });
    expect(expectHeadOfLine('non-blocking', { sleepMs: 2000, offsetMs: 200, baselineLatencyMs: 1 }).blockingIndex).toEqual(exactly(0));
  });
});

describe('expectDatabaseBound', () => {
  // db-bound: 20 connections on /query?ms=50.
  const input = { connections: 20, workers: 1, queryMs: 50, servedMs: 50, cpuMs: 0.5 };
  const QRT = INSTRUMENT.queryRoundTripMs;

  it('has each model hold as many queries at once as its thread, threads or pool allow, and its processes add them', () => {
    expect(queriesPerProcess('blocking', { ...input, databasePool: 10 })).toBe(1);
    expect(queriesPerProcess('non-blocking', { ...input, databasePool: 10 })).toBe(10);
    expect(queriesPerProcess('non-blocking', { ...input, databasePool: 40 })).toBe(20);
    // A pooled driver declared without a pool holds one connection.
    expect(queriesPerProcess('non-blocking', input)).toBe(1);
    expect(queriesPerProcess('thread-pool', { ...input, poolSize: 40, databasePool: 5 })).toBe(5);
    expect(queriesPerProcess('thread-pool', { ...input, poolSize: 4, databasePool: 10 })).toBe(4);
    expect(expectDatabaseBound('blocking', { ...input, workers: 2 }).databaseQueriesMax?.expected).toBe(2);
  });

  it('gives one thread with one connection 1/S, with S its own Server-Timing, and the rest of C·S waiting in line', () => {
    const p = expectDatabaseBound('blocking', { ...input, servedMs: 52 });
    expect(p.throughputRps?.expected).toBeCloseTo(1000 / 52);
    expect(p.throughputRps?.high).toBeCloseTo(1000 / 52);
    expect(p.throughputRps?.low).toBeCloseTo(1000 / 52.5);
    expect(p.databaseQueriesMax).toEqual(exactly(1));
    expect(p.queueShare?.expected).toBeCloseTo(1 - 52 / (20 * 52));
    expect(p.maxInFlight).toEqual(exactly(1));
    expect(p.serviceMsMean).toEqual({ expected: 50, low: 50, high: 50 + QRT + 0.5 });
  });

  it('gives a pool of P min(C, P)/S, down to a query trip and the CPU of its P requests more, and counts the wait for it as served', () => {
    const p = expectDatabaseBound('non-blocking', { ...input, databasePool: 10, servedMs: 99 });
    expect(p.throughputRps?.expected).toBe(200);
    expect(p.throughputRps?.high).toBe(200);
    expect(p.throughputRps?.low).toBeCloseTo(10_000 / (50 + QRT + 10 * 0.5));
    expect(p.databaseQueriesMax).toEqual({ expected: 10, low: 9, high: 10 });
    // Served (Server-Timing) is the wait for a connection too: not the query's S, and not an input.
    expect(p.serviceMsMean?.expected).toBe(100);
    expect(p.queueShare?.low).toBe(0);
    expect(p.maxInFlight?.expected).toBe(20);
    expect(expectDatabaseBound('non-blocking', { ...input, databasePool: 5 }).throughputRps?.expected).toBe(100);
    // More connections in the pool than requests: every connection served at once, the round trip in the cycle.
    const free = expectDatabaseBound('non-blocking', { ...input, databasePool: 40 });
    expect(free.throughputRps?.expected).toBe(400);
    expect(free.throughputRps?.low).toBeCloseTo(20_000 / (50 + QRT + 20 * 0.5 + RT));
  });

  it('gives a thread pool min(threads, P)/S and leaves its requests in flight to the pool', () => {
    const p = expectDatabaseBound('thread-pool', { ...input, poolSize: 40, databasePool: 10 });
    expect(p.throughputRps?.expected).toBe(200);
    expect(p.maxInFlight).toBeUndefined();
    expect(expectDatabaseBound('thread-pool', { ...input, poolSize: 4, databasePool: 10 }).throughputRps?.expected).toBe(80);
  });
});

describe('expectIoBound', () => {
  const input = { connections: 10, workers: 1, sleepMs: 50, servedMs: 50, cpuMs: 0.5 };

  it('gives a blocking server 1/S, down to 1/(S + its CPU per request), and the rest of C·S waiting', () => {
    const p = expectIoBound('blocking', input);
    expect(p.throughputRps).toEqual({ expected: 20, low: 1000 / 50.5, high: 20 });
    expect(p.latencyMeanMs?.expected).toBe(500);
    expect(p.latencyMeanMs?.high).toBeCloseTo(505);
    expect(p.queueShare?.expected).toBeCloseTo(0.9);
    expect(p.maxInFlight).toEqual(exactly(1));
    expect(p.eventLoopUtilization).toEqual(exactly(1));
  });

  it('gives a non-blocking server C/S, down to C over S plus every connection’s CPU and the round trip', () => {
    const p = expectIoBound('non-blocking', input);
    expect(p.throughputRps?.expected).toBe(200);
    expect(p.throughputRps?.low).toBeCloseTo(10_000 / (50 + 10 * 0.5 + RT));
    expect(p.queueMsMean?.low).toBe(0);
    expect(p.maxInFlight).toEqual(exactly(10));
  });

  it('takes the served time measured, not the nominal sleep', () => {
    expect(expectIoBound('non-blocking', { ...input, servedMs: 52 }).throughputRps?.expected).toBeCloseTo(10_000 / 52);
    expect(expectIoBound('non-blocking', { ...input, servedMs: Number.NaN }).throughputRps?.expected).toBe(200);
  });

  it('multiplies by workers; a non-blocking process holds between an even share and all the connections', () => {
    expect(expectIoBound('blocking', { ...input, workers: 2 }).throughputRps?.expected).toBe(40);
    expect(expectIoBound('non-blocking', { ...input, workers: 2 }).maxInFlight).toEqual(spanning(5, 10));
    expect(expectIoBound('blocking', { ...input, workers: 20 }).queueShare?.expected).toBe(0);
  });

  it('caps a thread pool at its threads, and leaves its requests in flight unpredicted', () => {
    expect(expectIoBound('thread-pool', { ...input, poolSize: 40 }).throughputRps?.expected).toBe(200);
    expect(expectIoBound('thread-pool', { ...input, poolSize: 4 }).throughputRps?.expected).toBe(80);
    expect(expectIoBound('thread-pool', { ...input, poolSize: 4, workers: 2 }).throughputRps?.expected).toBe(160);
    expect(expectIoBound('thread-pool', { ...input, poolSize: 40 }).maxInFlight).toBeUndefined();
  });
});

describe('expectCpuBound', () => {
  const input = { connections: 10, workers: 1, cores: 2, servedMs: 9.5, cpuMs: 10, otherCores: 0.3 };

  it('gives both models one request per CPU time per process, whichever of served and CPU time is shorter bounding it', () => {
    const p = expectCpuBound('blocking', input);
    expect(p).toEqual(expectCpuBound('non-blocking', input));
    // Served 9.5 ms and CPU 10 ms are 0.5 apart: the service may be as far again either side, 9 to 10.5 ms.
    expect(p.throughputRps?.expected).toBe(100);
    expect(p.throughputRps?.low).toBeCloseTo(1000 / 10.5);
    expect(p.throughputRps?.high).toBeCloseTo(1000 / 9);
    expect(p.latencyMeanMs?.expected).toBe(100);
    expect(p.cpuUtilization).toEqual(exactly(1));
    expect(p.queueShare?.expected).toBeCloseTo(0.905);
  });

  it('reaches down to the cores the generators left when more processes want them all', () => {
    const p = expectCpuBound('blocking', { ...input, workers: 2 });
    expect(p.cpuUtilization).toEqual(spanning(2, 1.7));
    expect(p.throughputRps?.expected).toBe(200);
    expect(p.throughputRps?.low).toBeCloseTo(1700 / 10.5);
  });

  it('lets a server with cpuOffload use every core, and predicts no split for a pool', () => {
    expect(expectCpuBound('non-blocking', { ...input, cpuOffload: true }).throughputRps?.expected).toBe(200);
    expect(expectCpuBound('non-blocking', { ...input, cpuOffload: true }).queueShare).toBeUndefined();
    expect(expectCpuBound('thread-pool', input).queueShare).toBeUndefined();
    expect(expectCpuBound('thread-pool', input).throughputRps?.expected).toBe(100);
  });
});

describe('checkTheory', () => {
  it('judges by the interval widened by the metric’s resolution, and keeps both ends', () => {
    // Throughput's resolution is 2%: [95, 100] becomes [93.1, 102].
    const p = { expected: 100, low: 95, high: 100 };
    expect(checkTheory('throughputRps', 94, p)).toMatchObject({ agrees: true, low: 93.1, high: 102, expected: 100 });
    expect(checkTheory('throughputRps', 92, p).agrees).toBe(false);
    expect(checkTheory('throughputRps', 103, p)).toMatchObject({ agrees: false, difference: expect.closeTo(0.03) });
  });

  it('keeps a fixed resolution where the metric has no sampling noise (β)', () => {
    expect(checkTheory('blockingIndex', 0.95, exactly(1)).agrees).toBe(true);
    expect(checkTheory('blockingIndex', 0.85, exactly(1)).agrees).toBe(false);
  });

  it('names a check against the run’s own arrivals, and never agrees with NaN', () => {
    expect(checkTheory('fastLatencyP99Ms', 10, exactly(10), 'realised').basis).toBe('realised');
    expect(checkTheory('fastLatencyP99Ms', 10, exactly(10)).basis).toBeUndefined();
    expect(checkTheory('throughputRps', Number.NaN, exactly(100)).agrees).toBe(false);
  });
});

describe('stallQuantileMs', () => {
  const stall = { stallMs: 1000, durationMs: 1500, utilization: 0, baselineMs: 1 };

  it('puts quantiles inside the stall when the tail is smaller than the stalled share', () => {
    // f = 2/3: P(wait > x) = f(1 − x/S), so p50 = S(1 − 0.5/f) = 250 and p99 = S(1 − 0.015) = 985.
    expect(stallQuantileMs(0.5, stall)).toBeCloseTo(251);
    expect(stallQuantileMs(0.99, stall)).toBeCloseTo(986);
  });

  it('leaves quantiles below the stalled share at the baseline', () => {
    expect(stallQuantileMs(0.2, stall)).toBe(1);
  });

  it('widens the stalled share by the queue worked off afterwards', () => {
    expect(stallQuantileMs(0.5, { ...stall, utilization: 0.1 })).toBeGreaterThan(stallQuantileMs(0.5, stall));
  });
});

describe('expectShare', () => {
  // λ = 0.2/ms, p = 0.05 of 50 ms: ρ = 0.5, E[S²] = 125 ms², W = 0.2 · 125 / (2 · 0.5) = 25 ms.
  const input = { ratePerS: 200, slowShare: 0.05, slowMs: 50, fastServiceMs: 0, baselineMs: 1 };

  it('is the Pollaczek–Khinchine mean wait for a blocking server', () => {
    expect(pollaczekKhinchineWaitMs(input)).toBeCloseTo(25);
    expect(expectShare('blocking', { ...input, durationMs: 4000, repeats: 3 }).fastLatencyMeanMs?.expected).toBeCloseTo(26);
    expect(expectShare('non-blocking', { ...input, durationMs: 4000, repeats: 3 }).fastLatencyMeanMs?.expected).toBe(1);
    expect(pollaczekKhinchineWaitMs({ ...input, slowShare: 0.2 })).toBe(Number.POSITIVE_INFINITY);
  });

  it('gives a window the spread of such windows: wider when short, and the same for the same seed', () => {
    const long = shareWaitRangeMs({ ...input, durationMs: 4000, repeats: 3 });
    const short = shareWaitRangeMs({ ...input, durationMs: 400, repeats: 2 });
    expect(long[0]).toBeLessThan(25);
    expect(long[1]).toBeGreaterThan(25);
    expect(short[1] - short[0]).toBeGreaterThan(2 * (long[1] - long[0]));
    expect(shareWaitRangeMs({ ...input, durationMs: 4000, repeats: 3 })).toEqual(long);
  });

  it('holds the median of three 4 s windows drawn apart from it in all but about 0.2% of them', () => {
    const [low, high] = shareWaitRangeMs({ ...input, durationMs: 4000, repeats: 3, seed: 7 });
    const random = seededRandom(99);
    const windowMean = () => {
      let t = 0;
      let free = 0;
      let sum = 0;
      let count = 0;
      for (;;) {
        t += -Math.log(1 - random()) / 0.2;
        if (t >= 4000) break;
        const slow = random() < 0.05;
        const start = Math.max(t, free);
        free = start + (slow ? 50 : 0);
        if (!slow) {
          sum += start - t;
          count += 1;
        }
      }
      return sum / count;
    };
    let outside = 0;
    for (let i = 0; i < 1000; i++) {
      const m = median([windowMean(), windowMean(), windowMean()]);
      if (m < low || m > high) outside += 1;
    }
    expect(outside).toBeLessThanOrEqual(10);
  });
});

describe('expectStall', () => {
  const stall = { stallMs: 1000, durationMs: 1500, baselineMs: 2, ratePerS: 200, servedMs: 0.1, cpuMs: 0.2, sendLagMs: 1 };

  it.each(['non-blocking', 'thread-pool'] as const)('gives a %s server its baseline, give or take the round trip and send lag', (model) => {
    const p = expectStall(model, stall);
    expect(p.fastLatencyP99Ms).toEqual(spanning(2, 0, 2 + RT + 1));
    expect(p.fastLatencyMaxMs).toBeUndefined();
  });

  it('gives a blocking server the stall model, each quantile known to ±2 requests of the N sent', () => {
    const p = expectStall('blocking', stall);
    const nominal = { stallMs: 1000, durationMs: 1500, utilization: 0.02, baselineMs: 2 };
    expect(p.fastLatencyP50Ms?.expected).toBeCloseTo(stallQuantileMs(0.5, nominal));
    const low = p.fastLatencyP50Ms?.low ?? 0;
    const high = p.fastLatencyP50Ms?.high ?? 0;
    // 300 requests: ±2/300 in q moves p50 by about S·(2/300)/f ≈ 10 ms either way.
    expect(high - low).toBeGreaterThan(15);
    expect(high - low).toBeLessThan(40);
  });
});

describe('stallMeanMs', () => {
  it('is the baseline plus f·S/2 when a share f of requests waits uniformly up to S', () => {
    // f = 1000 / 2000 = 0.5: half the requests wait, 500 ms on average.
    expect(stallMeanMs({ stallMs: 1000, durationMs: 2000, utilization: 0, baselineMs: 2 })).toBe(252);
  });

  it('agrees with the mean of the stall quantiles', () => {
    const input = { stallMs: 1600, durationMs: 2000, utilization: 0.05, baselineMs: 1 };
    const quantiles = Array.from({ length: 10_000 }, (_, i) => stallQuantileMs((i + 0.5) / 10_000, input));
    expect(stallMeanMs(input)).toBeCloseTo(quantiles.reduce((a, b) => a + b, 0) / quantiles.length, 0);
  });

  it('caps the waiting share at every request when the stall outlasts the run', () => {
    const input = { stallMs: 1000, durationMs: 500, utilization: 0, baselineMs: 0 };
    const quantiles = Array.from({ length: 10_000 }, (_, i) => stallQuantileMs((i + 0.5) / 10_000, input));
    expect(stallMeanMs(input)).toBeCloseTo(quantiles.reduce((a, b) => a + b, 0) / quantiles.length, 0);
  });
});

describe('expectSplit', () => {
  it('waits whatever of the predicted latency is not served, at both ends', () => {
    const p = expectSplit({ expected: 640, low: 600, high: 700 }, 0.2);
    expect(p.queueMsMean).toEqual({ expected: 639.8, low: 599.8, high: 699.8 });
    expect(p.queueShare?.expected).toBeCloseTo(639.8 / 640, 9);
  });

  it('predicts nothing without a latency or a measured service time', () => {
    expect(expectSplit(undefined, 1)).toEqual({});
    expect(expectSplit(exactly(10), undefined)).toEqual({});
    expect(expectSplit(exactly(Number.NaN), 1)).toEqual({});
  });
});
