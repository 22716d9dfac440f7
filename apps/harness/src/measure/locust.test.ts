import { processAlive, waitForExit } from '@loopbench/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWorkspaceServers } from '../run/loopbench.testing.js';
import type { PlannedRequest } from './arrivals.js';
import type { ClosedLoopResult } from './closedLoop.js';
import { generateClosedLoop, generateFixedCount, generateOpenLoop } from './generators.js';
import { LocustSession, locustAvailability } from './locust.js';
import { commandLine, locustChildren, parentPid } from './locust.testing.js';
import { stopGenerators, useLocust } from './pool.js';

const locust = locustAvailability();
const skipped = !locust.available && process.env.LOOPBENCH_REQUIRE_SERVERS !== '1';
const why = locust.available ? '' : `; here: ${locust.reason} (${locust.install})`;

const SLEEP_MS = 20;
const SETTINGS = { workers: 2, bindHost: '127.0.0.1', localWorkers: true, connectTimeoutS: 30 } as const;

describe.skipIf(skipped)(
  `two local Locust workers against koa (skipped where python3-locust is not installed, unless LOOPBENCH_REQUIRE_SERVERS=1${why})`,
  { timeout: 60_000 },
  () => {
    const server = withWorkspaceServers(['koa']);

    describe('through the generators, as a run uses them', () => {
      let closedLoopPids: number[] = [];
      beforeAll(() => useLocust(SETTINGS));
      afterAll(async () => {
        await stopGenerators();
        // Master and workers both: none outlives the session.
        expect(await Promise.all(closedLoopPids.map((pid) => waitForExit(pid)))).not.toContain(false);
        expect(locustChildren(process.pid)).toEqual({ master: [], workers: [] });
      });

      it('closed loop: the connections shared over two Python workers, every latency their own (≥ the 20 ms sleep)', async () => {
        const result = await generateClosedLoop(
          { url: `${server('koa').url}/sleep?ms=${SLEEP_MS}`, connections: 4, warmupS: 0.2, durationS: 1, timeoutS: 10 },
          2,
        );
        expect(result.generators).toHaveLength(2);
        closedLoopPids = result.generators.map((g) => g.pid as number);
        expect(new Set(closedLoopPids).size).toBe(2);
        // The health entries are the session's workers: this process's children, running the locustfile.
        expect([...closedLoopPids].sort()).toEqual(locustChildren(process.pid).workers.sort());
        for (const pid of closedLoopPids) {
          // Each health entry is a Locust worker this process started, still running between runs.
          expect(parentPid(pid)).toBe(process.pid);
          expect(commandLine(pid)).toMatch(/ -m locust -f \S*loopbench_locust\.py --worker --master-host 127\.0\.0\.1/);
        }
        expect(result).toMatchObject({ errors: 0, timeouts: 0, non2xx: 0, answeredConnections: 4 });
        expect(result.measured).toBeGreaterThan(0);
        expect(result.latencyMs.mean).toBeGreaterThanOrEqual(SLEEP_MS);
        expect(result.latencyMs.mean).toBeLessThan(SLEEP_MS * 10);
        // Four connections each waiting their own 20 ms: Little's law, with room for two cores shared with Python.
        expect((result.throughputRps * result.latencyMs.mean) / 1000).toBeGreaterThan(4 * 0.5);
        // koa's Server-Timing reached the harness through the workers' records.
        expect(result.split).toBeDefined();
        expect(result.split?.serviceMsMean).toBeGreaterThanOrEqual(SLEEP_MS);
      });

      it('open loop: every planned request sent once, on the plan’s clock, by the same two workers', async () => {
        const plan: PlannedRequest[] = Array.from({ length: 200 }, (_, i) =>
          i % 4 === 0 ? { atMs: i * 5, target: `/sleep?ms=${SLEEP_MS}`, route: 'slow' } : { atMs: i * 5, target: '/fast', route: 'fast' },
        );
        const result = await generateOpenLoop({ url: server('koa').url, plan, timeoutMs: 10_000 }, 2);
        expect(result.planned).toBe(200);
        expect(result.sent).toBe(200);
        expect(result.requests.route).toHaveLength(200);
        expect(result.requests.route.filter((r) => r === 'slow')).toHaveLength(50);
        expect(result.fast.planned + result.slow.planned).toBe(200);
        expect(result.slow.planned).toBe(50);
        expect(result.answered).toBe(result.fast.answered + result.slow.answered);
        expect(result).toMatchObject({ answered: 200, errors: 0, timeouts: 0, non2xx: 0 });
        // Each planned request sent once, by one worker or the other, recorded at its planned time on the clock they share.
        const { plannedMs, route } = result.requests;
        const sent = plannedMs.map((ms, i) => ({ ms, route: route[i] })).sort((a, b) => a.ms - b.ms);
        for (const [i, request] of sent.entries()) {
          expect(request.ms).toBeCloseTo(plan[i]?.atMs as number, 2);
          expect(request.route).toBe(plan[i]?.route);
        }
        expect(result.slow.latencyMs.mean).toBeGreaterThanOrEqual(SLEEP_MS);
        expect(result.slow.serviceMs.mean).toBeGreaterThanOrEqual(SLEEP_MS);
        // The session keeps its workers from run to run.
        expect(result.generators.map((g) => g.pid).sort()).toEqual([...closedLoopPids].sort());
      });

      it('fixed count: exactly the requests asked for, shared over both workers', async () => {
        const result = await generateFixedCount({ url: `${server('koa').url}/fast`, requests: 300, connections: 6, timeoutS: 10 }, 2);
        expect(result).toMatchObject({ responses: 300, non2xx: 0, errors: 0, timeouts: 0 });
        expect(result.generators).toHaveLength(2);
        expect(result.wallMs).toBeGreaterThan(0);
        expect(result.throughputRps).toBeCloseTo((300 / result.wallMs) * 1000, 6);
      });
    });

    describe('a run stopped before its workers start it', () => {
      const session = new LocustSession(SETTINGS);
      beforeAll(() => session.open());
      afterAll(() => session.close());

      it('ends at once with nothing recorded, and the next run is not confused by it', async () => {
        const job = (connections: number) => ({
          kind: 'closed-loop' as const,
          options: { url: `${server('koa').url}/sleep?ms=20`, connections, warmupS: 0.2, durationS: 0.5, minCycles: 1, timeoutS: 10 },
        });
        const aborted = new AbortController();
        aborted.abort();
        // The stop reaches each worker right behind its job, before its user has taken it up.
        const started = performance.now();
        const [first] = await session.run<ClosedLoopResult>(() => [job(2), job(2)], aborted.signal);
        expect(performance.now() - started).toBeLessThan(5_000);
        expect(first?.measured).toBe(0);
        const next = await session.run<ClosedLoopResult>(() => [job(2), job(2)]);
        expect(next.map((r) => r.answeredConnections)).toEqual([2, 2]);
        expect(next.every((r) => r.measured > 0)).toBe(true);
      });
    });

    describe('a worker that dies mid-run', () => {
      const session = new LocustSession(SETTINGS);
      let pids: number[] = [];
      beforeAll(async () => {
        await session.open();
        pids = [...session.workerPids];
      });
      afterAll(() => session.close());

      it('fails the run at once, naming the worker, and leaves no Locust process once closed', async () => {
        expect(pids).toHaveLength(2);
        const [, victim] = pids as [number, number];
        const options = { url: `${server('koa').url}/sleep?ms=${SLEEP_MS}`, connections: 2, warmupS: 0.2, durationS: 20, timeoutS: 30 };
        let killedAt = 0;
        const run = session.run<ClosedLoopResult>(
          () => [
            { kind: 'closed-loop', options: { ...options, connections: 1 } },
            { kind: 'closed-loop', options: { ...options, connections: 1 } },
          ],
          undefined,
          () => {
            setTimeout(() => {
              killedAt = performance.now();
              process.kill(victim, 'SIGKILL');
            }, 1_000);
          },
        );
        await expect(run).rejects.toThrow(`Locust worker 2 of 2 (pid ${victim}) exited mid-run (code null, signal SIGKILL)`);
        // Far short of the 20 s window and the 30 s request timeout.
        expect(performance.now() - killedAt).toBeLessThan(2_000);

        // A later run on the same session fails at once too, with the same error.
        const again = performance.now();
        await expect(session.run(() => [{ kind: 'closed-loop', options }])).rejects.toThrow(`(pid ${victim}) exited mid-run`);
        expect(performance.now() - again).toBeLessThan(1_000);

        const survivor = pids[0] as number;
        expect(processAlive(survivor)).toBe(true);
        await session.close();
        expect(await Promise.all(pids.map((pid) => waitForExit(pid)))).toEqual([true, true]);
        expect(locustChildren(process.pid)).toEqual({ master: [], workers: [] });
      });
    });
  },
);
