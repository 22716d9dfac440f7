import { describe, expect, it } from 'vitest';
import {
  checkTheory,
  expectCpuBound,
  expectHeadOfLine,
  expectIoBound,
  expectShare,
  expectSplit,
  expectStall,
  stallMeanMs,
  stallQuantileMs,
} from './theory.js';

describe('expectHeadOfLine', () => {
  it('has a blocking server make /fast wait out the rest of the sleep', () => {
    expect(expectHeadOfLine('blocking', { sleepMs: 2000, offsetMs: 200, baselineLatencyMs: 1 })).toEqual({
      blockingIndex: 1,
      holDelayMs: 1800,
      fastLatencyMs: 1801,
      slowLatencyMs: 2000,
    });
  });

  it('has a thread pool answer /fast on another thread, like a non-blocking server', () => {
    const input = { sleepMs: 1000, offsetMs: 100, baselineLatencyMs: 2 };
    expect(expectHeadOfLine('thread-pool', input)).toEqual(expectHeadOfLine('non-blocking', input));
  });

  it('has a non-blocking server answer at its baseline', () => {
    expect(expectHeadOfLine('non-blocking', { sleepMs: 2000, offsetMs: 200, baselineLatencyMs: 1 })).toEqual({
      blockingIndex: 0,
      holDelayMs: 0,
      fastLatencyMs: 1,
      slowLatencyMs: 2000,
    });
  });
});

describe('expectIoBound', () => {
  const input = { connections: 10, workers: 1, cores: 2, sleepMs: 50 };

  it('gives a blocking process 1/S and a queue of C·S (Little’s law)', () => {
    expect(expectIoBound('blocking', input)).toEqual({
      throughputRps: 20,
      latencyMeanMs: 500,
      maxInFlight: 1,
      eventLoopUtilization: 1,
      // Each request waits for the other nine: (C − 1)·S of its C·S.
      queueMsMean: 450,
      serviceMsMean: 50,
      queueShare: 0.9,
    });
  });

  it('gives a non-blocking process C/S at latency S', () => {
    expect(expectIoBound('non-blocking', input)).toEqual({
      throughputRps: 200,
      latencyMeanMs: 50,
      maxInFlight: 10,
      eventLoopUtilization: 0,
      queueMsMean: 0,
      serviceMsMean: 50,
      queueShare: 0,
    });
  });

  it('multiplies blocking concurrency by workers, and splits connections between them', () => {
    expect(expectIoBound('blocking', { ...input, workers: 2 })).toMatchObject({
      throughputRps: 40,
      latencyMeanMs: 250,
      maxInFlight: 1,
      queueShare: 0.8,
    });
    expect(expectIoBound('non-blocking', { ...input, workers: 2 })).toMatchObject({ throughputRps: 200, maxInFlight: 5 });
    expect(expectIoBound('blocking', { ...input, workers: 20 })).toMatchObject({ throughputRps: 200, queueShare: 0 });
  });

  it('gives a thread pool min(C, N·P)/S: a wait blocks one pool thread', () => {
    expect(expectIoBound('thread-pool', { ...input, poolSize: 40 })).toEqual({
      throughputRps: 200,
      latencyMeanMs: 50,
      eventLoopUtilization: 0,
      queueMsMean: 0,
      serviceMsMean: 50,
      queueShare: 0,
    });
    expect(expectIoBound('thread-pool', { ...input, poolSize: 4 })).toMatchObject({
      throughputRps: 80,
      latencyMeanMs: 125,
      queueShare: 0.6,
    });
    expect(expectIoBound('thread-pool', { ...input, poolSize: 4, workers: 2 })).toMatchObject({ throughputRps: 160 });
  });
});

describe('expectCpuBound', () => {
  const input = { connections: 10, workers: 1, cores: 2, serviceMs: 10 };

  it('is the same for both models: one request per service time per process', () => {
    expect(expectCpuBound('blocking', input)).toEqual(expectCpuBound('non-blocking', input));
    expect(expectCpuBound('blocking', input)).toEqual({
      throughputRps: 100,
      latencyMeanMs: 100,
      maxInFlight: 1,
      eventLoopUtilization: 1,
      cpuUtilization: 1,
      // Both models compute one request at a time: the other nine wait in line.
      queueShare: 0.9,
    });
  });

  it('uses every core when the server hands CPU work to a thread pool, and predicts nothing of its event loop', () => {
    expect(expectCpuBound('non-blocking', { ...input, cpuOffload: true })).toEqual({
      throughputRps: 200,
      latencyMeanMs: 50,
      cpuUtilization: 2,
      // Its handler awaits a pool thread, so Server-Timing counts that wait as being served.
      queueShare: 0,
    });
  });

  it('gives a Python thread pool one core per process (the GIL), its waits for the GIL counted as served', () => {
    expect(expectCpuBound('thread-pool', input)).toEqual({ throughputRps: 100, latencyMeanMs: 100, cpuUtilization: 1, queueShare: 0 });
  });

  it('adds processes only up to the cores', () => {
    expect(expectCpuBound('blocking', { ...input, workers: 2 }).throughputRps).toBe(200);
    expect(expectCpuBound('blocking', { ...input, workers: 8 }).throughputRps).toBe(200);
  });
});

describe('checkTheory', () => {
  it('allows 5% on throughput', () => {
    expect(checkTheory('throughputRps', 96, 100).agrees).toBe(true);
    expect(checkTheory('throughputRps', 94, 100)).toMatchObject({ agrees: false, difference: expect.closeTo(-0.06) });
  });

  it('allows ±0.1 on the blocking index, also around 0', () => {
    expect(checkTheory('blockingIndex', 0.95, 1).agrees).toBe(true);
    expect(checkTheory('blockingIndex', 0.85, 1).agrees).toBe(false);
    expect(checkTheory('blockingIndex', 0.002, 0).agrees).toBe(true);
  });

  it('never agrees with a missing measurement', () => {
    expect(checkTheory('throughputRps', Number.NaN, 100).agrees).toBe(false);
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
  it('is the Pollaczek–Khinchine mean wait for a blocking server', () => {
    // λ = 0.2/ms, p = 0.05 of 50 ms: ρ = 0.5, E[S²] = 125 ms², W = 0.2 · 125 / (2 · 0.5) = 25 ms.
    const input = { ratePerS: 200, slowShare: 0.05, slowMs: 50, fastServiceMs: 0, baselineMs: 1 };
    expect(expectShare('blocking', input).fastLatencyMeanMs).toBeCloseTo(26);
    expect(expectShare('non-blocking', input).fastLatencyMeanMs).toBe(1);
    expect(expectShare('blocking', { ...input, slowShare: 0.2 }).fastLatencyMeanMs).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('expectStall', () => {
  it.each(['non-blocking', 'thread-pool'] as const)('gives a %s server its baseline everywhere', (model) => {
    expect(expectStall(model, { stallMs: 1000, durationMs: 1500, utilization: 0, baselineMs: 2 })).toEqual({
      fastLatencyMeanMs: 2,
      fastLatencyP50Ms: 2,
      fastLatencyP90Ms: 2,
      fastLatencyP99Ms: 2,
      fastLatencyP999Ms: 2,
    });
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
  it('waits whatever of the predicted latency is not served', () => {
    expect(expectSplit(640, 0.2)).toEqual({ queueMsMean: 639.8, queueShare: 639.8 / 640 });
    const fast = expectSplit(1.5, 0.3);
    expect(fast.queueMsMean).toBeCloseTo(1.2, 9);
    expect(fast.queueShare).toBeCloseTo(0.8, 9);
  });

  it('predicts nothing without a latency or a measured service time', () => {
    expect(expectSplit(undefined, 1)).toEqual({});
    expect(expectSplit(10, undefined)).toEqual({});
    expect(expectSplit(Number.NaN, 1)).toEqual({});
  });
});
