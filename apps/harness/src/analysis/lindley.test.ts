import { describe, expect, it } from 'vitest';
import { fastLatencyBounds, fifoWaits, predictFastLatency, type RunRequests } from './lindley.js';
import { seededRandom } from './random.js';

/** A FIFO server simulated the plain way: each request starts when it has arrived and the one before has left. */
function simulateFifo(arrivals: readonly number[], service: readonly number[]): number[] {
  let free = 0;
  return arrivals.map((at, n) => {
    const start = Math.max(at, free);
    free = start + (service[n] as number);
    return start - at;
  });
}

describe('fifoWaits (Lindley)', () => {
  it('starts at 0, queues a burst, and an idle gap resets the wait', () => {
    expect([...fifoWaits([0, 0, 0], [2, 3, 4])]).toEqual([0, 2, 5]);
    // 5 ms of work, then 10 idle: nothing waits; two 2 ms apart: the second waits 3; then a long gap.
    expect([...fifoWaits([0, 10, 12, 30], [5, 5, 5, 5])]).toEqual([0, 0, 3, 0]);
    expect([...fifoWaits([], [])]).toEqual([]);
  });

  it('equals a FIFO simulation on 200 random requests', () => {
    const random = seededRandom(42);
    let at = 0;
    const arrivals = Array.from({ length: 200 }, () => (at += -Math.log(1 - random()) * 2));
    const service = arrivals.map(() => random() * 3.5);
    const waits = fifoWaits(arrivals, service);
    const simulated = simulateFifo(arrivals, service);
    expect(simulated.some((w) => w > 5)).toBe(true);
    for (const [n, w] of simulated.entries()) expect(waits[n]).toBeCloseTo(w, 9);
  });

  it('after a stall of S among evenly spaced arrivals, waits fall linearly from S at slope 1 − ρ', () => {
    const stallMs = 100;
    const gapMs = 2;
    const serviceMs = 0.5;
    const rho = serviceMs / gapMs;
    const arrivals = Array.from({ length: 200 }, (_, k) => k * gapMs);
    const waits = fifoWaits(
      arrivals,
      arrivals.map((_, k) => (k === 0 ? stallMs : serviceMs)),
    );
    for (let k = 1; k < arrivals.length; k++) {
      const model = Math.max(0, stallMs - serviceMs - (arrivals[k] as number) * (1 - rho));
      expect(waits[k]).toBeCloseTo(model, 9);
    }
    // It drains at (S − s) / (1 − ρ): 133 ms here, inside the run.
    expect(waits[60]).toBeGreaterThan(0);
    expect(waits[70]).toBe(0);
  });
});

/** Records of fast requests every 2 ms, each sent `lag` late and served in 0.5 ms, with one slow one of `slowMs` first. */
function records(options: { lagMs: (k: number) => number; slowMs: number; count: number }): RunRequests & { servedMs: number[] } {
  const route: ('fast' | 'slow')[] = ['slow'];
  const plannedMs = [0];
  const sentMs = [0];
  const servedMs = [options.slowMs];
  for (let k = 1; k <= options.count; k++) {
    route.push('fast');
    plannedMs.push(k * 2);
    sentMs.push(k * 2 + options.lagMs(k));
    servedMs.push(0.5);
  }
  // Answers come whenever: the prediction needs only that they came.
  return { route, plannedMs, sentMs, answeredMs: sentMs.map((s) => s + 1), servedMs };
}

describe('predictFastLatency', () => {
  const lagMs = (k: number) => (k % 10) / 10;

  it("for a non-blocking server, is each request's own lag and service, plus the round trip at most", () => {
    const requests = records({ lagMs, slowMs: 100, count: 500 });
    for (const model of ['non-blocking', 'thread-pool'] as const) {
      const bounds = fastLatencyBounds(requests, { model, workers: 2, overheadMs: 0.3, roundTripMs: 2 });
      const own = Array.from({ length: 500 }, (_, i) => lagMs(i + 1) + 0.5);
      expect([...(bounds?.low ?? [])].map((v) => v.toFixed(9))).toEqual(own.map((v) => v.toFixed(9)));
      expect([...(bounds?.high ?? [])].map((v) => v.toFixed(9))).toEqual(own.map((v) => (v + 2).toFixed(9)));
    }
    const predicted = predictFastLatency(requests, { model: 'non-blocking', workers: 1, overheadMs: 0, roundTripMs: 2 });
    // Read back through a histogram of 3 significant digits, as the run's own mean is.
    expect(predicted.fastLatencyMeanMs?.low).toBeCloseTo(0.45 + 0.5, 2);
    expect(predicted.fastLatencyMeanMs?.high).toBeCloseTo(0.45 + 0.5 + 2, 2);
    expect(predicted.fastLatencyMeanMs?.expected).toBeCloseTo(0.45 + 0.5 + 1, 2);
    // Only the mean: the quantiles depend on the order of service, which is not FIFO's (lindley.ts).
    expect(Object.keys(predicted)).toEqual(['fastLatencyMeanMs']);
  });

  it('for a blocking server, adds the FIFO wait behind the stall, and the overhead widens only the high end', () => {
    const requests = records({ lagMs: () => 0, slowMs: 100, count: 500 });
    const input = { model: 'blocking', workers: 1, overheadMs: 0.2, roundTripMs: 2 } as const;
    const bounds = fastLatencyBounds(requests, input);
    const max = (values: Float64Array | undefined) => Math.max(...(values ?? []));
    // The first fast request arrives 2 ms into the 100 ms stall: 98 ms in line, then its own 0.5.
    expect(max(bounds?.low)).toBeCloseTo(98.5, 6);
    // With 0.2 ms more per request it also waits the stall's extra 0.2, and gets the whole round trip.
    expect(max(bounds?.high)).toBeCloseTo(98.7 + 2, 6);
    // The waits fall by 2 − 0.5 ms a request: 66 of the 500 wait, the rest get the bare service.
    expect([...(bounds?.low ?? [])].filter((l) => l > 0.5 + 1e-9)).toHaveLength(66);
    const predicted = predictFastLatency(requests, input);
    const waited = [...(bounds?.low ?? [])].reduce((a, b) => a + b, 0) / 500;
    expect(predicted.fastLatencyMeanMs?.low).toBeCloseTo(waited, 1);
    for (const prediction of Object.values(predicted)) {
      expect(prediction.low).toBeLessThanOrEqual(prediction.expected);
      expect(prediction.expected).toBeLessThanOrEqual(prediction.high);
    }
  });

  it("counts a request without Server-Timing at its route's median, and predicts nothing it cannot", () => {
    const requests = records({ lagMs: () => 0, slowMs: 100, count: 50 });
    const failed = { ...requests, servedMs: [...requests.servedMs], answeredMs: [...Array.from(requests.answeredMs)] };
    // A second slow request that failed: its service is taken as the first's 100 ms.
    failed.route = ['slow', 'slow', ...Array.from(requests.route).slice(2)];
    failed.servedMs[1] = Number.NaN;
    failed.answeredMs[1] = Number.NaN;
    const input = { model: 'blocking', workers: 1, overheadMs: 0, roundTripMs: 0 } as const;
    expect(Math.max(...(fastLatencyBounds(failed, input)?.low ?? []))).toBeCloseTo(100 + 100 - 4 + 0.5, 6);
    expect(predictFastLatency(requests, { ...input, workers: 2 })).toEqual({});
    expect(predictFastLatency({ ...requests, servedMs: requests.servedMs.map(() => Number.NaN) }, input)).toEqual({});
  });
});
