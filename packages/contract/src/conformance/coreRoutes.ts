import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkReply, ROUTE_CHECKS } from '../checks.js';
import { request } from '../client.js';
import { parseServerTiming } from '../timing.js';
import { type SuiteContext, withServer } from './context.js';

/** /stats fields a server may report as null: it cannot measure them (a WSGI server has no event loop). */
export const NULLABLE_STATS_FIELDS = ['eventLoopUtilization', 'eventLoopActiveMs', 'eventLoopIdleMs', 'eventLoopDelayMs'];

const STATS_FIELDS: Array<[string, string]> = [
  ['model', 'string'],
  ['pid', 'number'],
  ['uptimeMs', 'number'],
  ['requestsHandled', 'number'],
  ['inFlight', 'number'],
  ['maxInFlight', 'number'],
  ['eventLoopUtilization', 'number'],
  ['eventLoopActiveMs', 'number'],
  ['eventLoopIdleMs', 'number'],
  ['eventLoopDelayMs', 'object'],
  ['cpuUserMs', 'number'],
  ['cpuSystemMs', 'number'],
  ['rssBytes', 'number'],
  ['windowStartedAtMs', 'number'],
];

/** The process's parent pid, from /proc (Linux), or undefined when it is gone. */
function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The routes, /stats and Server-Timing, on one server started for the block. */
export function describeRoutes({ server }: SuiteContext): void {
  describe(`${server.name}: routes`, () => {
    const running = withServer(server);

    it.each(ROUTE_CHECKS.map((check) => [`${check.method ?? 'GET'} ${check.target}`, check] as const))('%s', async (_name, check) => {
      const reply = await request(running().url + check.target, check.method ? { method: check.method } : {});
      expect(checkReply(check, reply)).toBeUndefined();
    });

    it('answers HEAD like GET, without a body', async () => {
      const reply = await request(`${running().url}/hello`, { method: 'HEAD' });
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('');
    });

    it('reports every /stats field (null where it cannot measure it), with its own model and pid', async () => {
      const reply = await request(`${running().url}/stats`);
      expect(reply.status).toBe(200);
      const stats = reply.json as Record<string, unknown>;
      const unmeasured = NULLABLE_STATS_FIELDS.filter((field) => stats[field] === null);
      for (const [field, type] of STATS_FIELDS) if (!unmeasured.includes(field)) expect(typeof stats[field], field).toBe(type);
      expect(Object.keys(stats).sort()).toEqual(STATS_FIELDS.map(([f]) => f).sort());
      expect(stats.model).toBe(server.model);
      // The process started, or one of its workers (gunicorn's master never answers itself).
      expect([stats.pid, parentPid(stats.pid as number)]).toContain(running().ready.pid);
      if (stats.eventLoopDelayMs !== null) {
        expect(Object.keys(stats.eventLoopDelayMs as object).sort()).toEqual(['max', 'mean', 'min', 'p50', 'p90', 'p99']);
      }
      if (stats.eventLoopUtilization !== null) {
        expect(stats.eventLoopUtilization).toBeGreaterThanOrEqual(0);
        expect(stats.eventLoopUtilization).toBeLessThanOrEqual(1);
      }
      expect(stats.rssBytes).toBeGreaterThan(1_000_000);
      if (unmeasured.length > 0) console.info(`${server.name}: /stats does not measure ${unmeasured.join(', ')} (null)`);
    });

    it('times every answer in Server-Timing: app;dur=<ms>, the wait included, within the latency', async () => {
      const sleep = await request(`${running().url}/sleep?ms=20`);
      const dur = parseServerTiming(sleep.headers['server-timing']);
      expect(dur).toBeGreaterThanOrEqual(19);
      expect(dur).toBeLessThanOrEqual(sleep.latencyMs);
      for (const target of ['/hello', '/stats', '/sleep?ms=abc', '/nowhere']) {
        const reply = await request(running().url + target);
        expect(parseServerTiming(reply.headers['server-timing']), target).toBeGreaterThanOrEqual(0);
      }
    });

    it('counts requests handled, not /stats itself', async () => {
      const url = running().url;
      const before = (await request(`${url}/stats`)).json as { requestsHandled: number };
      await request(`${url}/fast`);
      await request(`${url}/hello`);
      const after = (await request(`${url}/stats`)).json as { requestsHandled: number };
      expect(after.requestsHandled - before.requestsHandled).toBe(2);
    });

    it('accounts CPU time to the CPU loop', async () => {
      const url = running().url;
      const before = (await request(`${url}/stats`)).json as { cpuUserMs: number; cpuSystemMs: number };
      await request(`${url}/cpu?iterations=50000000`);
      const after = (await request(`${url}/stats`)).json as { cpuUserMs: number; cpuSystemMs: number };
      expect(after.cpuUserMs + after.cpuSystemMs).toBeGreaterThan(before.cpuUserMs + before.cpuSystemMs + 5);
    });
  });
}
