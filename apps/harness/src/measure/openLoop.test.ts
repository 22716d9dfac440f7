import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import hdr from 'hdr-histogram-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../analysis/random.js';
import { stallQuantileMs } from '../analysis/theory.js';
import { sharePlan, stallPlan } from './arrivals.js';
import { mergeRecords } from './merge.js';
import { runOpenLoop } from './openLoop.js';
import { receivedOpenLoop } from './protocol.js';

describe('stallPlan', () => {
  it('spaces fast requests evenly at the rate and puts one slow request at the stall', () => {
    const plan = stallPlan({ ratePerS: 100, durationMs: 1000, stallAtMs: 250, stallMs: 500 });
    const fast = plan.filter((r) => r.route === 'fast');
    expect(fast).toHaveLength(100);
    expect(fast[1]?.atMs).toBe(10);
    expect(plan.filter((r) => r.route === 'slow')).toEqual([{ atMs: 250, target: '/sleep?ms=500', route: 'slow' }]);
    expect(plan.map((r) => r.atMs)).toEqual([...plan.map((r) => r.atMs)].sort((a, b) => a - b));
  });
});

describe('sharePlan', () => {
  it('draws Poisson arrivals at the rate with the given share of slow requests, the same for the same seed', () => {
    const input = { ratePerS: 1000, durationMs: 20_000, slowShare: 0.1, slowMs: 5, seed: 7 };
    const plan = sharePlan(input);
    expect(plan.length).toBeGreaterThan(19_000);
    expect(plan.length).toBeLessThan(21_000);
    const slow = plan.filter((r) => r.route === 'slow').length / plan.length;
    expect(slow).toBeGreaterThan(0.09);
    expect(slow).toBeLessThan(0.11);
    const gaps = plan.slice(1).map((r, i) => r.atMs - (plan[i]?.atMs ?? 0));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const variance = gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length;
    expect(Math.sqrt(variance) / mean).toBeGreaterThan(0.9); // exponential gaps: coefficient of variation 1
    expect(sharePlan(input)).toEqual(plan);
    expect(sharePlan({ ...input, seed: 8 })).not.toEqual(plan);
  });

  it('uses a PRNG that spreads over [0, 1)', () => {
    const random = seededRandom(1);
    const draws = Array.from({ length: 10_000 }, random);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(draws.reduce((a, b) => a + b, 0) / draws.length).toBeCloseTo(0.5, 1);
  });
});

describe('runOpenLoop against a stub with a fixed 20 ms delay', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((_req, res) =>
      setTimeout(() => {
        res.setHeader('server-timing', 'app;dur=20.000');
        res.end('ok');
      }, 20),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('measures the delay, sends on plan, and answers every request', async () => {
    const plan = stallPlan({ ratePerS: 200, durationMs: 1000, stallAtMs: 500, stallMs: 0 });
    const result = await runOpenLoop({ url, plan, timeoutMs: 5_000 });
    expect(result).toMatchObject({ planned: 201, sent: 201, answered: 201, errors: 0, timeouts: 0, non2xx: 0 });
    expect(result.fast.latencyMs.p50).toBeGreaterThanOrEqual(20);
    expect(result.fast.latencyMs.p50).toBeLessThan(25);
    // A generous bound: the stub shares this process, so one pause of it or of the machine lands in p99.
    expect(result.fast.latencyMs.p99).toBeLessThan(60);
    expect(result.fast.serviceMs.p50).toBeLessThanOrEqual(result.fast.latencyMs.p50);
    // Generous for the same reason: p99 of 201 sends is their second latest, and one pause of this
    // process (5.6 ms seen in CI) lands there; a generator off its plan lags by a period or more.
    expect(result.sendLagMs.p99).toBeLessThan(20);
    expect(result.sendLagMs.p50).toBeLessThan(5);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(1000);
  });

  it('records every request: planned, sent and answered on the plan clock, and its Server-Timing', async () => {
    const plan = stallPlan({ ratePerS: 100, durationMs: 200, stallAtMs: 100, stallMs: 0 });
    const { requests } = await runOpenLoop({ url, plan, timeoutMs: 5_000 });
    expect(requests.route).toEqual(plan.map((r) => r.route));
    expect(requests.plannedMs.map((ms) => Math.round(ms))).toEqual(plan.map((r) => r.atMs));
    requests.sentMs.forEach((sent, i) => {
      expect(sent).toBeGreaterThanOrEqual(requests.plannedMs[i] as number);
      // A timer may fire up to a ms early.
      expect(requests.answeredMs[i]).toBeGreaterThanOrEqual(sent + 19);
    });
    expect(new Set(requests.servedMs)).toEqual(new Set([20]));
  });

  it('counts requests that time out, and still finishes', async () => {
    const slowServer = http.createServer(() => {});
    await new Promise<void>((resolve) => slowServer.listen(0, '127.0.0.1', resolve));
    const slowUrl = `http://127.0.0.1:${(slowServer.address() as AddressInfo).port}`;
    try {
      const plan = stallPlan({ ratePerS: 50, durationMs: 100, stallAtMs: 0, stallMs: 0 });
      const result = await runOpenLoop({ url: slowUrl, plan, timeoutMs: 200 });
      expect(result).toMatchObject({ planned: 6, sent: 6, answered: 0, timeouts: 6 });
      // Recorded all the same, marked unanswered, and still so once through JSON (NaN travels as null).
      const received = receivedOpenLoop(JSON.parse(JSON.stringify(result)));
      expect(received.requests.sentMs).toEqual(result.requests.sentMs);
      for (const records of [result.requests, received.requests]) {
        expect(records.answeredMs).toHaveLength(6);
        expect(records.answeredMs.every(Number.isNaN)).toBe(true);
        expect(records.servedMs.every(Number.isNaN)).toBe(true);
      }
    } finally {
      slowServer.closeAllConnections();
      slowServer.close();
    }
  });
});

describe('mergeRecords', () => {
  it("joins generators' records in the order sent, each request whole", () => {
    const one = {
      route: ['fast', 'slow'] as const,
      plannedMs: [0, 20],
      sentMs: [0.5, 20.1],
      answeredMs: [2, Number.NaN],
      servedMs: [1, Number.NaN],
    };
    const two = { route: ['fast'] as const, plannedMs: [10], sentMs: [10.2], answeredMs: [12], servedMs: [1.5] };
    expect(
      mergeRecords([
        { ...one, route: [...one.route] },
        { ...two, route: [...two.route] },
      ]),
    ).toEqual({
      route: ['fast', 'fast', 'slow'],
      plannedMs: [0, 10, 20],
      sentMs: [0.5, 10.2, 20.1],
      answeredMs: [2, 12, Number.NaN],
      servedMs: [1, 1.5, Number.NaN],
    });
  });
});

/** The q-th percentile of the fast latencies, in ms, from the run's histogram. */
function summarizeAt(result: Awaited<ReturnType<typeof runOpenLoop>>, percentile: number): number {
  return hdr.decodeFromCompressedBase64(result.fast.latencyHistogram).getValueAtPercentile(percentile) / 1000;
}

/** A stub that really blocks its thread on /sleep (Atomics.wait), in its own process. */
const BLOCKING_STUB = `
const http = require('node:http');
const parked = new Int32Array(new SharedArrayBuffer(4));
const server = http.createServer((req, res) => {
  const ms = Number(new URL(req.url, 'http://x').searchParams.get('ms') ?? 0);
  if (ms > 0) Atomics.wait(parked, 0, 0, ms);
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

describe('runOpenLoop against a stub that stalls for a known time', () => {
  let stub: ChildProcess;
  let url: string;
  beforeAll(async () => {
    stub = spawn(process.execPath, ['-e', BLOCKING_STUB], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((resolve) => stub.stdout?.once('data', (d) => resolve(String(d).trim())));
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(() => {
    stub.kill();
  });

  it('finds the quantiles of the stall model: latency from the planned time, not the send', async () => {
    // Quantiles deep in the stall: p50 would magnify how fast the stub works off its queue afterwards.
    const shape = { ratePerS: 100, durationMs: 1000, stallAtMs: 100, stallMs: 800 };
    const result = await runOpenLoop({ url, plan: stallPlan(shape), timeoutMs: 5_000 });
    expect(result.answered).toBe(result.planned);
    const model = { stallMs: shape.stallMs, durationMs: shape.durationMs, utilization: 0, baselineMs: 1 };
    for (const [q, measured] of [
      [0.75, summarizeAt(result, 75)],
      [0.9, result.fast.latencyMs.p90],
      [0.99, result.fast.latencyMs.p99],
    ] as const) {
      const expected = stallQuantileMs(q, model);
      expect(Math.abs(measured - expected), `q=${q}: measured ${measured}, model ${expected}`).toBeLessThan(expected * 0.1 + 5);
    }
    // Service time from the actual send hides nothing here (open loop), but it is not the user's wait either.
    expect(result.fast.latencyMs.max).toBeGreaterThan(shape.stallMs * 0.95);
  });
});
