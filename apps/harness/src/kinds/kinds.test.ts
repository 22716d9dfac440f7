import { setTimeout as delay } from 'node:timers/promises';
import { waitForExit } from '@loopbench/contract';
import { afterAll, expect, it } from 'vitest';
import { stallPlan } from '../measure/arrivals.js';
import { stopGenerators } from '../measure/pool.js';
import { type ClosedLoopSettings, closedLoop } from './closedLoop.js';
import { type FixedCountSettings, fixedCount } from './fixedCount.js';
import { type HeadOfLineSettings, headOfLine } from './headOfLine.js';
import {
  closeStubs,
  countAtLeast,
  describeKind,
  generatorPids,
  type KindContext,
  measured,
  QUIET_MS,
  since,
  until,
} from './kinds.testing.js';
import { type OpenLoopSettings, openLoop } from './openLoop.js';

// Generators are child processes kept from run to run: stop them, and check each has gone.
afterAll(async () => {
  await Promise.all([stopGenerators(), closeStubs()]);
  expect(await Promise.all([...generatorPids].map((pid) => waitForExit(pid)))).not.toContain(false);
});

const SLEEP_MS = 20;
const CONNECTIONS = 4;

/** Closed loop and fixed count alike: in flight as the model allows, and throughput near what C / S allows. */
function inFlightAndThroughput({ model, firstRun, settings }: KindContext<{ connections: number }>): void {
  it('sees as many requests in flight as the model allows, and the throughput C / S allows', async () => {
    const { values } = (await firstRun()).outcome;
    const inFlight = model === 'blocking' ? 1 : settings.connections;
    expect(values.maxInFlight).toBe(inFlight);
    const theory = (inFlight * 1000) / SLEEP_MS;
    expect(values.throughputRps).toBeGreaterThan(0.4 * theory);
    expect(values.throughputRps).toBeLessThan(1.1 * theory);
  });
}

describeKind<ClosedLoopSettings>({
  kind: closedLoop,
  settings: { target: `/sleep?ms=${SLEEP_MS}`, connections: CONNECTIONS, workers: 1, warmupS: 0, durationS: 0.4 },
  long: { target: `/sleep?ms=${SLEEP_MS}`, connections: CONNECTIONS, workers: 1, warmupS: 0, durationS: 30 },
  // The latency histogram leaves out each connection's first answer (it opens the connection's
  // window); autocannon's stop may cut one request per connection after it reached the server.
  ledger: (outcome, { connections }) => ({
    '/sleep': [measured(outcome) + connections, measured(outcome) + 2 * connections],
    '/stats': 2,
  }),
  specific: inFlightAndThroughput,
});

describeKind<FixedCountSettings>({
  kind: fixedCount,
  settings: { target: `/sleep?ms=${SLEEP_MS}`, requests: 24, connections: CONNECTIONS, workers: 1, warmupRequests: 8 },
  long: { target: `/sleep?ms=${SLEEP_MS}`, requests: 100_000, connections: CONNECTIONS, workers: 1, warmupRequests: 8 },
  // ab's -n: exactly N requests, every one answered and timed.
  ledger: (outcome, { requests }) => {
    expect(measured(outcome)).toBe(requests);
    return { '/sleep': requests, '/stats': 2 };
  },
  warmupLedger: ({ warmupRequests }) => ({ '/sleep': warmupRequests }),
  generators: 2,
  specific: inFlightAndThroughput,
});

const RATE = 100;
const STALL_AT_MS = 100;
const STALL_MS = 300;
const DURATION_MS = STALL_AT_MS + STALL_MS + 50;
const plan = stallPlan({ ratePerS: RATE, durationMs: DURATION_MS, stallAtMs: STALL_AT_MS, stallMs: STALL_MS });
const longPlan = stallPlan({ ratePerS: RATE, durationMs: 30_000, stallAtMs: 15_000, stallMs: STALL_MS });
const fastIn = (p: typeof plan) => p.filter((r) => r.route === 'fast').length;

describeKind<OpenLoopSettings>({
  kind: openLoop,
  settings: { ratePerS: RATE, plan: () => plan, shape: { durationMs: DURATION_MS }, warmupMs: 100, theory: () => ({}) },
  long: { ratePerS: RATE, plan: () => longPlan, shape: { durationMs: 30_000 }, warmupMs: 100, theory: () => ({}) },
  // Every planned request sent and answered (a request never sent, failed or timed out is a problem).
  ledger: (outcome) => {
    expect(measured(outcome)).toBe(fastIn(plan));
    return { '/fast': fastIn(plan), '/sleep': 1, '/stats': 2 };
  },
  warmupLedger: ({ ratePerS, warmupMs }) => ({ '/fast': Math.floor((ratePerS * warmupMs) / 1000) }),
  generators: 2,
  specific({ model, firstRun, stub, server }) {
    // The plan sends /hello, so the first /fast is the closed-loop view's.
    const helloPlan = plan.filter((r) => r.target === '/fast').map((r) => ({ ...r, target: '/hello' }));
    const withView: OpenLoopSettings = {
      ratePerS: RATE,
      plan: () => helloPlan,
      shape: {},
      warmupMs: 100,
      closedLoopView: { stallAtMs: 300, stallMs: 50, durationMs: 10_000, connections: 2 },
      theory: () => ({}),
    };
    // The view's stall waits on a timer of its own: the abort must cancel it too.
    it('sends no request once aborted during its closed-loop view, its stall included', async () => {
      const before = await stub().ledger();
      const controller = new AbortController();
      const running = openLoop.run(withView, server(), 1, controller.signal).catch(() => undefined);
      expect(await until(async () => (since(await stub().ledger(), before)['/fast'] ?? 0) > 0, 5_000), 'the view began').toBe(true);
      controller.abort();
      const atAbort = await stub().ledger();
      await running;
      const atSettle = await stub().ledger();
      await delay(QUIET_MS);
      const later = await stub().ledger();
      const afterAbort = since(later, atAbort);
      expect(afterAbort['/sleep'] ?? 0, `requests after the abort ${JSON.stringify(afterAbort)}`).toBe(0);
      // A /fast already on its way at the abort may still land; once run() has settled, nothing at all.
      expect(since(later, atSettle), 'requests after the aborted run() settled').toEqual({});
    });

    it('times /fast from its planned time: behind a blocking stall, each waits out the rest of it', async () => {
      const { outcome } = await firstRun();
      // Requests planned every 10 ms in the stall wait from their planned time to its end: a ramp
      // from STALL_MS down. Those planned in its first two thirds wait 100 ms or more.
      const slowed = countAtLeast(outcome.latencyHistogram, STALL_MS / 3);
      const planned = Math.round(((STALL_MS * 2) / 3) * (RATE / 1000));
      if (model === 'blocking') {
        // A few more after the stall: the backlog drains one request at a time.
        expect(slowed).toBeGreaterThanOrEqual(planned - 4);
        expect(slowed).toBeLessThanOrEqual(planned + 12);
        expect(outcome.values.fastLatencyMaxMs).toBeGreaterThan(STALL_MS * 0.7);
        expect(outcome.values.fastLatencyMaxMs).toBeLessThan(STALL_MS * 1.5);
      } else {
        expect(slowed).toBe(0);
        expect(outcome.values.fastLatencyMaxMs).toBeLessThan(STALL_MS / 3);
      }
    });
  },
});

describeKind<HeadOfLineSettings>({
  kind: headOfLine,
  settings: { sleepMs: 200, offsetMs: 50 },
  // Aborted 100 ms in, its /sleep in flight and /fast not yet sent (a /fast sent before the abort
  // would reach a blocking stub only after the sleep, and count as late): a run that heeds the
  // signal settles long before the sleep ends, one that does not settles 2.1 s or more after it.
  long: { sleepMs: 2_200, offsetMs: 1_500 },
  // Five baseline /fast on the idle server, then /sleep and /fast: no load generator, no /stats.
  ledger: () => ({ '/fast': 6, '/sleep': 1 }),
  warmupLedger: () => ({ '/fast': 6, '/sleep': 1 }),
  abortAfterMs: 100,
  specific({ model, firstRun, settings }) {
    it('finds β near 1 behind a blocking stub and near 0 beside a non-blocking one', async () => {
      const { values } = (await firstRun()).outcome;
      if (model === 'blocking') expect(values.blockingIndex).toBeGreaterThan(0.8);
      else expect(values.blockingIndex).toBeLessThan(0.2);
      // Measured, not assumed: Node's timers count from the loop's cached clock, so it may come a little early.
      expect(values.fastOffsetMs).toBeGreaterThan(settings.offsetMs - 5);
      expect(values.fastOffsetMs).toBeLessThan(settings.offsetMs + 50);
      expect(values.slowLatencyMs).toBeGreaterThanOrEqual(settings.sleepMs);
    });
  },
});
