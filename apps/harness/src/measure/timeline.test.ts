import { describe, expect, it } from 'vitest';
import { withWorkspaceServers } from '../run/loopbench.testing.js';
import { stallPlan } from './arrivals.js';
import { runClosedLoop } from './closedLoop.js';
import { runOpenLoop } from './openLoop.js';
import { TIMELINE_LIMITS, TimelineRecorder } from './timeline.js';

describe('TimelineRecorder', () => {
  it(`keeps at most ${TIMELINE_LIMITS.requests} requests, in ms from its origin`, async () => {
    const recorder = new TimelineRecorder(1_000, 'http://127.0.0.1:1');
    for (let i = 0; i < TIMELINE_LIMITS.requests + 10; i++) recorder.add(i % 3, 1_000 + i, 1_001 + i, 1_010.123 + i, 4.5678);
    const timeline = await recorder.finish(0);
    expect(timeline.requests).toHaveLength(TIMELINE_LIMITS.requests);
    expect(timeline.requests[2]).toEqual([2, 2, 3, 12.12, 4.57]);
    // Nothing answers at port 1: no readings, and no error.
    expect(timeline.samples).toEqual([]);
  });
});

describe('the queue split and the timeline against the workspace servers', { timeout: 60_000 }, () => {
  const server = withWorkspaceServers(['express-blocking', 'koa']);
  const url = (name: string) => server(name).url;

  // Four connections on a 50 ms wait: a blocking server's request waits for the other three (3/4 of
  // its latency), a non-blocking one's hardly at all. Generous bounds: these machines are noisy.
  it.each([
    ['express-blocking', 0.6, 0.9],
    ['koa', 0, 0.2],
  ])('closed loop: %s waits in line for a share of its latency in [%d, %d]', async (name, low, high) => {
    const result = await runClosedLoop({
      url: `${url(name)}/sleep?ms=50`,
      connections: 4,
      warmupS: 0.3,
      durationS: 1.2,
      timeoutS: 10,
      timeline: { statsUrl: url(name) },
    });
    expect(result.split?.queueShare).toBeGreaterThanOrEqual(low);
    expect(result.split?.queueShare).toBeLessThanOrEqual(high);
    expect(result.split?.serviceMsMean).toBeGreaterThanOrEqual(49);
    const timeline = result.timeline;
    expect(timeline?.requests.length).toBeGreaterThan(3);
    for (const [row, planned, sent, answered, served] of timeline?.requests ?? []) {
      expect(row).toBeLessThan(4);
      expect(planned).toBe(sent);
      expect(sent).toBeGreaterThanOrEqual(0);
      expect(served).toBeGreaterThanOrEqual(49);
      expect(served).toBeLessThanOrEqual(answered - sent + 0.01);
    }
    expect(new Set(timeline?.requests.map((r) => r[0])).size).toBe(4);
    expect(timeline?.samples.length).toBeGreaterThan(0);
    for (const [from, to, occupied, cpu, inFlight] of timeline?.samples ?? []) {
      expect(to).toBeGreaterThan(from);
      expect(occupied).toBeGreaterThanOrEqual(0);
      expect(occupied).toBeLessThanOrEqual(1);
      expect(cpu).toBeGreaterThanOrEqual(0);
      expect(inFlight).toBeGreaterThanOrEqual(0);
    }
  });

  it('open loop: /fast waits out a blocking stall in line, and the timeline samples the plan evenly', async () => {
    // 900 /fast over 2 s and a 400 ms stall, 901 requests: the timeline keeps every other one, 451.
    const plan = stallPlan({ ratePerS: 450, durationMs: 2_000, stallAtMs: 200, stallMs: 400 });
    const result = await runOpenLoop({
      url: url('express-blocking'),
      plan,
      timeoutMs: 10_000,
      timeline: { statsUrl: url('express-blocking'), fromMs: 0, toMs: 2_000 },
    });
    expect(result.answered).toBe(plan.length);
    // Requests arriving in the stall wait up to 400 ms; the others hardly: a mean wait of tens of ms, served in well under 1 ms.
    expect(result.fast.split?.queueMsMean).toBeGreaterThan(20);
    expect(result.fast.split?.serviceMsMean).toBeLessThan(5);
    expect(result.slow.split?.serviceMsMean).toBeGreaterThanOrEqual(399);
    const requests = result.timeline?.requests ?? [];
    expect(requests).toHaveLength(451);
    const planned = requests.map((r) => r[1]).sort((a, b) => a - b);
    expect(planned[1] as number).toBeCloseTo((2 * 1000) / 450, 1);
    expect(requests.map((r) => r[0]).sort((a, b) => a - b)).toEqual(requests.map((_, i) => i));
  });
});
