import { describe, expect, it } from 'vitest';
import type { PlannedRequest } from './arrivals.js';
import type { GeneratorHealth } from './generator.js';
import { ClosedLoopAccount, FAILED, fixedCountResult, type LocustRecord, openLoopResult } from './locustRecords.js';

const generator: GeneratorHealth = { eventLoopUtilization: 0.2, eventLoopDelayP99Ms: 1.5, cpuUtilization: 0.3, pid: 4242 };

/** A request on `key` sent at `sentMs` and ended at `endedMs` (planned when sent, as the closed loop and fixed count record it). */
const sent = (key: number, sentMs: number, endedMs: number, status = 200, serverTiming: string | null = null): LocustRecord => [
  key,
  sentMs,
  sentMs,
  endedMs,
  status,
  serverTiming,
];

// The worker started at 10 s on its clock: the warm-up's time ends at 11 000, its latest at 16 000.
const STARTED_AT = 10_000;
const WINDOW = { connections: 2, warmupS: 1, durationS: 1, timeoutS: 5, minCycles: 1 };

describe('ClosedLoopAccount.steadyFrom', () => {
  it('is undefined while the warm-up lasts and not every connection has answered', () => {
    const account = new ClosedLoopAccount(WINDOW, STARTED_AT);
    expect(account.steadyFrom()).toBeUndefined();
    account.add([sent(0, 10_000, 10_100)], 10_200);
    expect(account.steadyFrom()).toBeUndefined();
    account.add([], 15_999);
    expect(account.steadyFrom()).toBeUndefined();
  });

  it('is the warm-up’s time when every connection answered before it', () => {
    const account = new ClosedLoopAccount(WINDOW, STARTED_AT);
    account.add([sent(0, 10_000, 10_100), sent(1, 10_000, 10_400)], 10_500);
    expect(account.steadyFrom()).toBe(11_000);
  });

  it('is the start when there is no warm-up', () => {
    const account = new ClosedLoopAccount({ ...WINDOW, warmupS: 0 }, STARTED_AT);
    expect(account.steadyFrom()).toBe(STARTED_AT);
  });

  it('waits for the connection whose first answer comes last (any status, as runClosedLoop counts them; a failure is none)', () => {
    const account = new ClosedLoopAccount(WINDOW, STARTED_AT);
    account.add([sent(0, 10_000, 10_100), sent(1, 10_000, 10_500, FAILED.error)], 11_200);
    expect(account.steadyFrom()).toBeUndefined();
    account.add([sent(1, 10_500, 11_500)], 11_600);
    expect(account.steadyFrom()).toBe(11_500);
  });

  it('is capped at timeoutS past the warm-up’s time, once known or once the clock has passed it', () => {
    const late = new ClosedLoopAccount(WINDOW, STARTED_AT);
    late.add([sent(0, 10_000, 10_100), sent(1, 10_000, 17_000)], 17_000);
    expect(late.steadyFrom()).toBe(16_000);

    const never = new ClosedLoopAccount(WINDOW, STARTED_AT);
    never.add([sent(0, 10_000, 10_100), sent(1, 10_000, 15_000, FAILED.timeout)], 15_500);
    expect(never.steadyFrom()).toBeUndefined();
    never.add([], 16_000);
    expect(never.steadyFrom()).toBe(16_000);
  });

  it('reads the clock from the records’ ends too, not only from the report’s now', () => {
    const account = new ClosedLoopAccount(WINDOW, STARTED_AT);
    account.add([sent(0, 10_000, 10_100), sent(1, 10_000, 16_100, FAILED.timeout)], Number.NEGATIVE_INFINITY);
    expect(account.steadyFrom()).toBe(16_000);
  });
});

describe('ClosedLoopAccount.closedAt', () => {
  // Both connections answered during the warm-up: steady from 11 000, time up at 12 000, latest 17 000.
  const warmedUp = (options = WINDOW) => {
    const account = new ClosedLoopAccount(options, STARTED_AT);
    account.add([sent(0, 10_000, 10_100), sent(1, 10_000, 10_400)], 10_500);
    return account;
  };

  it('is undefined while the warm-up lasts', () => {
    const account = new ClosedLoopAccount(WINDOW, STARTED_AT);
    account.add([sent(0, 10_000, 10_100)], 13_000);
    expect(account.closedAt()).toBeUndefined();
  });

  it('is durationS after the warm-up’s end when every connection has sent a measured request by then', () => {
    const account = warmedUp();
    account.add([sent(0, 11_100, 11_200), sent(1, 11_050, 11_300)], 11_300);
    expect(account.closedAt()).toBe(12_000);
  });

  it('is undefined while a connection has not sent its minCycles measured requests', () => {
    const account = warmedUp({ ...WINDOW, minCycles: 2 });
    // Connection 1's request sent before the warm-up's end is not measured.
    account.add([sent(0, 11_100, 11_200), sent(0, 11_200, 11_300), sent(1, 10_400, 11_800), sent(1, 11_800, 12_500)], 12_500);
    expect(account.closedAt()).toBeUndefined();
  });

  it('is the send of the last connection’s minCycles-th measured request when that comes after the time', () => {
    const account = warmedUp({ ...WINDOW, minCycles: 2 });
    account.add([sent(0, 11_100, 11_200), sent(0, 11_200, 11_300), sent(1, 10_400, 11_800), sent(1, 11_800, 12_500)], 12_500);
    account.add([sent(1, 12_500, 12_900)], 12_900);
    expect(account.closedAt()).toBe(12_500);
  });

  it('is capped at timeoutS past its time when a connection never sends enough', () => {
    const account = warmedUp();
    account.add([sent(0, 11_100, 11_200), sent(1, 10_400, 16_900, FAILED.timeout)], 16_999);
    expect(account.closedAt()).toBeUndefined();
    account.add([], 17_000);
    expect(account.closedAt()).toBe(17_000);
  });
});

describe('ClosedLoopAccount.settled', () => {
  const closed = () => {
    const account = new ClosedLoopAccount(WINDOW, STARTED_AT);
    account.add([sent(0, 10_000, 10_100), sent(1, 10_000, 10_400)], 10_500);
    account.add([sent(0, 11_100, 11_900), sent(1, 11_050, 11_300)], 11_900);
    return account;
  };

  it('is false while the window is open', () => {
    const account = new ClosedLoopAccount(WINDOW, STARTED_AT);
    expect(account.settled()).toBe(false);
    account.add([sent(0, 10_000, 10_100), sent(1, 10_000, 10_400)], 11_500);
    expect(account.settled()).toBe(false);
  });

  it('is true once each connection has a record ended at or after the close', () => {
    const account = closed();
    account.add([sent(0, 11_900, 12_000)], 12_000);
    expect(account.closedAt()).toBe(12_000);
    expect(account.settled()).toBe(false);
    account.add([sent(1, 11_300, 12_400, FAILED.reset)], 12_400);
    expect(account.settled()).toBe(true);
  });

  it('is true timeoutS past the close even when a connection still waits', () => {
    const account = closed();
    account.add([sent(0, 11_900, 12_100)], 16_999);
    expect(account.settled()).toBe(false);
    account.add([], 17_000);
    expect(account.settled()).toBe(true);
  });
});

describe('ClosedLoopAccount.result', () => {
  // Steady from 11 000 (both answered during the warm-up), closed at 12 000.
  const records: LocustRecord[] = [
    // Connection 0: two warm-up requests, one sent before the warm-up's end, four measured, two after the close.
    sent(0, 10_000, 10_100),
    sent(0, 10_100, 10_600),
    sent(0, 10_600, 11_200, 200, 'app;dur=500'),
    sent(0, 11_200, 11_300, 200, 'app;dur=40'),
    sent(0, 11_300, 11_500, 503, 'app;dur=2'),
    sent(0, 11_500, 11_800, 200, 'app;dur=250'),
    sent(0, 11_800, 12_100, 200, 'app;dur=100'),
    sent(0, 12_100, 12_200, 404),
    sent(0, 12_200, 12_250),
    // Connection 1: a warm-up answer and a timeout, four measured (one reset), two after the close (one an error).
    sent(1, 10_000, 10_400),
    sent(1, 10_400, 11_050, FAILED.timeout),
    sent(1, 11_050, 11_250, 200, 'app;dur=150'),
    sent(1, 11_250, 11_400, FAILED.reset),
    sent(1, 11_400, 11_900, 200, 'app;dur=400'),
    sent(1, 11_900, 12_300, 200, null),
    sent(1, 12_300, 12_400),
    sent(1, 12_400, 12_450, FAILED.error),
  ];
  const account = new ClosedLoopAccount(WINDOW, STARTED_AT);
  account.add(records, 12_500);
  const result = account.result(generator);

  it('measures the 2xx answers to requests sent from the warm-up’s end to the close', () => {
    expect(account.steadyFrom()).toBe(11_000);
    expect(account.closedAt()).toBe(12_000);
    expect(account.settled()).toBe(true);
    // Connection 0: 11 200, 11 500, 11 800; connection 1: 11 050, 11 400, 11 900.
    expect(result.measured).toBe(6);
    expect(result.windowMs).toBe(12_300 - 11_050);
  });

  it('takes throughput as every measured answer over the connections’ mean span', () => {
    // Spans: connection 0 from 11 200 to 12 100 (900 ms), connection 1 from 11 050 to 12 300 (1 250 ms).
    expect(result.throughputRps).toBeCloseTo(((2 * 6) / (900 + 1_250)) * 1000, 9);
    expect(result.throughputRps).toBeCloseTo(5.5814, 4);
  });

  it('keeps the measured 2xx latencies only, from each request’s send', () => {
    // 100, 300, 300 and 200, 500, 400 ms (to HDR's three digits).
    expect(result.latencyMs.count).toBe(6);
    expect(result.latencyMs.mean).toBeCloseTo(300, 1);
    expect(result.latencyMs.max).toBeCloseTo(500, 0);
  });

  it('splits latency by Server-Timing over the measured answers that carried it', () => {
    expect(result.splitSums).toEqual({ count: 5, latencySum: 1_400, serviceSum: 940, untimed: 1 });
    expect(result.split?.serviceMsMean).toBeCloseTo(940 / 5, 9);
    expect(result.split?.queueMsMean).toBeCloseTo((1_400 - 940) / 5, 9);
    expect(result.split?.queueShare).toBeCloseTo(460 / 1_400, 9);
  });

  it('counts every answer and failure of the run, warm-up and after the close included', () => {
    expect(result).toMatchObject({ responses: 14, non2xx: 2, unavailable: 1, timeouts: 1, resets: 1, errors: 2, answeredConnections: 2 });
    expect(result.generator).toBe(generator);
  });

  it('counts as answered only the connections that had a 2xx answer', () => {
    const starved = new ClosedLoopAccount({ ...WINDOW, connections: 3 }, STARTED_AT);
    starved.add([sent(0, 10_000, 10_100), sent(1, 10_000, 10_200), sent(2, 10_000, 10_300, 503)], 10_300);
    starved.add([sent(0, 16_000, 16_100), sent(1, 16_000, 16_300), sent(2, 10_300, 16_400, FAILED.timeout)], 22_000);
    const capped = starved.result(generator);
    // The 503 is an answer: the warm-up ends on time, and the window waits its 5 s for connection 2's share.
    expect(starved.steadyFrom()).toBe(11_000);
    expect(starved.closedAt()).toBe(17_000);
    expect(capped.answeredConnections).toBe(2);
    expect(capped.measured).toBe(2);
    expect(capped.throughputRps).toBeCloseTo(((2 * 2) / (100 + 300)) * 1000, 9);
  });

  it('measures the request that closes the window late, so each connection has its minCycles', () => {
    const account = new ClosedLoopAccount({ ...WINDOW, minCycles: 2 }, STARTED_AT);
    account.add(
      [
        sent(0, 10_000, 10_100),
        sent(0, 11_000, 11_600),
        sent(0, 11_600, 12_200),
        sent(0, 12_200, 12_900),
        sent(1, 10_000, 10_400),
        sent(1, 10_400, 11_800),
        sent(1, 11_800, 12_500),
        sent(1, 12_500, 13_000),
        sent(1, 13_000, 13_100),
      ],
      13_100,
    );
    expect(account.closedAt()).toBe(12_500);
    expect(account.settled()).toBe(true);
    const result = account.result(generator);
    // Connection 0: 11 000, 11 600 and 12 200; connection 1: 11 800 and 12 500, the send the close waited for.
    expect(result.measured).toBe(5);
    expect(result.throughputRps).toBeCloseTo(((2 * 5) / (12_900 - 11_000 + (13_000 - 11_800))) * 1000, 9);
  });

  it('measures nothing while the warm-up never ended', () => {
    const account = new ClosedLoopAccount(WINDOW, STARTED_AT);
    account.add([sent(0, 10_000, 10_100)], 10_200);
    const result = account.result(generator);
    expect(result.measured).toBe(0);
    expect(result.throughputRps).toBeNaN();
    expect(result.windowMs).toBeNaN();
    expect(result.latencyMs.count).toBe(0);
    expect(result.split).toBeUndefined();
    expect(result.answeredConnections).toBe(1);
  });
});

describe('fixedCountResult', () => {
  const records: LocustRecord[] = [
    sent(0, 1_000, 1_010, 200, 'app;dur=4'),
    sent(0, 1_010, 1_030, 200, 'app;dur=15'),
    sent(0, 1_030, 1_040, 500, 'app;dur=1'),
    sent(0, 1_040, 1_045, FAILED.error),
    sent(1, 1_000, 1_020, 200, null),
    sent(1, 1_020, 1_050, 200, 'app;dur=25'),
    sent(1, 1_050, 1_100, FAILED.timeout),
  ];
  const result = fixedCountResult(records, 1_000, generator);

  it('takes the wall from the start to the last answer, a failure’s end not included', () => {
    expect(result.startedAt).toBe(1_000);
    expect(result.lastAnswerAt).toBe(1_050);
    expect(result.wallMs).toBe(50);
  });

  it('takes throughput as the 2xx answers over the wall', () => {
    expect(result.throughputRps).toBeCloseTo((4 / 50) * 1000, 9);
  });

  it('counts answers and failures, and keeps only the 2xx latencies', () => {
    expect(result).toMatchObject({ responses: 5, non2xx: 1, errors: 1, timeouts: 1 });
    // 10, 20, 20 and 30 ms.
    expect(result.latencyMs.count).toBe(4);
    expect(result.latencyMs.mean).toBeCloseTo(20, 1);
    expect(result.splitSums).toEqual({ count: 3, latencySum: 60, serviceSum: 44, untimed: 1 });
    expect(result.split?.queueMsMean).toBeCloseTo(16 / 3, 9);
    expect(result.generator).toBe(generator);
  });

  it('has no wall when nothing was answered', () => {
    const none = fixedCountResult([sent(0, 1_000, 1_100, FAILED.timeout)], 1_000, generator);
    expect(none.lastAnswerAt).toBeNaN();
    expect(none.wallMs).toBeNaN();
    expect(none.latencyMs.count).toBe(0);
  });
});

describe('openLoopResult', () => {
  const T0 = 5_000;
  const plan: PlannedRequest[] = [
    { atMs: 0, target: '/hello', route: 'fast' },
    { atMs: 10, target: '/hello', route: 'fast' },
    { atMs: 20, target: '/sleep?ms=100', route: 'slow' },
    { atMs: 30, target: '/hello', route: 'fast' },
    { atMs: 40, target: '/hello', route: 'fast' },
  ];
  // Key 0 is the fast route, 1 the slow one; out of sending order, as several greenlets append them.
  const records: LocustRecord[] = [
    [0, 5_010, 5_012, 5_020, 200, 'app;dur=6'],
    [1, 5_020, 5_020, 5_120, 200, 'app;dur=95'],
    [0, 5_000, 5_001, 5_005, 200, 'app;dur=3'],
    [0, 5_030, 5_035, 5_040, 503, 'app;dur=1'],
    [0, 5_040, 5_050, 5_150, FAILED.timeout, null],
  ];
  const result = openLoopResult({ plan, startAt: T0 }, records, generator);

  it('counts planned, sent, answered and failed requests', () => {
    expect(result).toMatchObject({ planned: 5, sent: 5, answered: 3, errors: 0, timeouts: 1, non2xx: 1 });
    expect(result.fast.planned).toBe(4);
    expect(result.fast.answered).toBe(2);
    expect(result.slow.planned).toBe(1);
    expect(result.slow.answered).toBe(1);
  });

  it('times latency from the planned send and service from the actual one, per route', () => {
    // Fast: 5 and 10 ms from the plan, 4 and 8 ms from the send.
    expect(result.fast.latencyMs.count).toBe(2);
    expect(result.fast.latencyMs.mean).toBeCloseTo(7.5, 2);
    expect(result.fast.serviceMs.mean).toBeCloseTo(6, 2);
    expect(result.fast.splitSums).toEqual({ count: 2, latencySum: 15, serviceSum: 9, untimed: 0 });
    expect(result.fast.split?.queueMsMean).toBeCloseTo(3, 9);
    // Slow: sent on time, 100 ms either way.
    expect(result.slow.latencyMs.mean).toBeCloseTo(100, 1);
    expect(result.slow.serviceMs.mean).toBeCloseTo(100, 1);
    expect(result.slow.split?.queueMsMean).toBeCloseTo(5, 9);
  });

  it('records every request’s send lag, at least 1 µs', () => {
    // 1, 2, 0 (kept as 0.001), 5 and 10 ms.
    expect(result.sendLagMs.count).toBe(5);
    expect(result.sendLagMs.mean).toBeCloseTo((1 + 2 + 0.001 + 5 + 10) / 5, 2);
    expect(result.sendLagMs.p50).toBe(2);
    expect(result.sendLagMs.max).toBeCloseTo(10, 1);
  });

  it('lists the requests in sending order, ms from the plan’s start, with NaN where no 2xx answer came', () => {
    expect(result.requests).toEqual({
      route: ['fast', 'fast', 'slow', 'fast', 'fast'],
      plannedMs: [0, 10, 20, 30, 40],
      sentMs: [1, 12, 20, 35, 50],
      answeredMs: [5, 20, 120, Number.NaN, Number.NaN],
      servedMs: [3, 6, 95, 1, Number.NaN],
    });
  });

  it('runs until the last record ended, a failure included', () => {
    expect(result.elapsedMs).toBe(150);
    expect(result.generator).toBe(generator);
  });

  it('rounds the request times to the µs', () => {
    const one = openLoopResult({ plan: plan.slice(0, 1), startAt: T0 }, [[0, 5_000, 5_000.1234567, 5_003.9876543, 200, null]], generator);
    expect(one.requests.sentMs).toEqual([0.123]);
    expect(one.requests.answeredMs).toEqual([3.988]);
  });
});
