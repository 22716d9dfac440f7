import { describe, expect, it } from 'vitest';
import { type HttpReply, request } from '../client.js';
import { parseServerTiming } from '../timing.js';
import { concurrently, type SuiteContext, withServer } from './context.js';
import { rawExchange } from './rawHttp.js';

/** What the declared model promises: how concurrent waits overlap, or queue, on one process. */
export function describeConcurrencyModel({ server, blocking, hardening }: SuiteContext): void {
  describe(`${server.name}: the ${server.model} model`, () => {
    const running = withServer(server);

    it(`two concurrent /sleep?ms=300 take ${blocking ? '≥ 1.7×' : '≤ 1.3×'} one`, async () => {
      const url = `${running().url}/sleep?ms=300`;
      await request(url);
      const one = await concurrently(1, () => request(url));
      const two = await concurrently(2, () => request(url));
      const ratio = two.wallMs / one.wallMs;
      if (blocking) expect(ratio).toBeGreaterThanOrEqual(1.7);
      else expect(ratio).toBeLessThanOrEqual(1.3);
    });

    it(`of two concurrent /sleep?ms=300 the later is served ~300 ms${blocking ? ', after waiting its turn' : ', at once'} (Server-Timing)`, async () => {
      const url = `${running().url}/sleep?ms=300`;
      const replies = await Promise.all([request(url), request(url)]);
      const [first, second] = replies.sort((a, b) => a.latencyMs - b.latencyMs) as [HttpReply, HttpReply];
      for (const reply of replies) {
        const dur = parseServerTiming(reply.headers['server-timing']) ?? Number.NaN;
        expect(dur).toBeGreaterThanOrEqual(295);
        expect(dur).toBeLessThan(500);
      }
      const waited = second.latencyMs - (parseServerTiming(second.headers['server-timing']) ?? Number.NaN);
      if (blocking) expect(waited).toBeGreaterThanOrEqual(200);
      else expect(waited).toBeLessThan(100);
      expect(first.status).toBe(200);
    });

    it(`a /fast sent while /sleep?ms=1000 is in flight ${blocking ? 'waits ≥ 700 ms' : 'answers in < 100 ms'}`, async () => {
      const slow = request(`${running().url}/sleep?ms=1000`);
      await new Promise((r) => setTimeout(r, 100));
      const fast = await request(`${running().url}/fast`);
      await slow;
      if (blocking) expect(fast.latencyMs).toBeGreaterThanOrEqual(700);
      else expect(fast.latencyMs).toBeLessThan(100);
    });

    hardening('keep-alive')(
      `answers 10 pipelined /sleep?ms=100 on one connection in order, the first within 0.5 s${blocking ? ', the last after ≥ 0.9 s' : ''}`,
      async () => {
        const answeredAtMs: number[] = [];
        await rawExchange(
          running().ready,
          `${'GET /sleep?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(9)}GET /sleep?ms=100 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
          {
            idleTimeoutMs: 10_000,
            timeoutError: 'pipelined requests were not all answered',
            onData: (text, elapsedMs) => {
              const count = text.split('{"message":"done","ms":100}').length - 1;
              while (answeredAtMs.length < count) answeredAtMs.push(elapsedMs);
            },
          },
        );
        expect(answeredAtMs).toHaveLength(10);
        expect(answeredAtMs[0]).toBeLessThan(500);
        if (blocking) expect(answeredAtMs[9]).toBeGreaterThanOrEqual(900);
      },
    );

    it(`under 10 concurrent sleeps /stats reports max in flight ${blocking ? '1' : '> 1'}`, async () => {
      await request(`${running().url}/stats?reset=1`);
      await concurrently(10, () => request(`${running().url}/sleep?ms=100`));
      const stats = (await request(`${running().url}/stats`)).json as { maxInFlight: number; inFlight: number };
      expect(stats.inFlight).toBe(0);
      if (blocking) expect(stats.maxInFlight).toBe(1);
      else expect(stats.maxInFlight).toBeGreaterThan(1);
    });

    it(`during a 500 ms sleep the ${blocking ? 'thread is occupied but does no work' : 'event loop is idle'}`, async () => {
      type Counters = { eventLoopActiveMs: number | null; cpuUserMs: number; cpuSystemMs: number };
      const url = running().url;
      const before = (await request(`${url}/stats`)).json as Counters;
      await request(`${url}/sleep?ms=500`);
      const after = (await request(`${url}/stats`)).json as Counters;
      const cpuMs = after.cpuUserMs + after.cpuSystemMs - before.cpuUserMs - before.cpuSystemMs;
      expect(cpuMs).toBeLessThan(150);
      if (after.eventLoopActiveMs === null || before.eventLoopActiveMs === null) {
        console.info(`${server.name}: no event loop to measure (eventLoopActiveMs is null); checked the CPU only`);
        return;
      }
      const activeMs = after.eventLoopActiveMs - before.eventLoopActiveMs;
      if (blocking) expect(activeMs).toBeGreaterThanOrEqual(450);
      else expect(activeMs).toBeLessThan(250);
    });
  });
}
