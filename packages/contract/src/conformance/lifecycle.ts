import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { request } from '../client.js';
import { processAlive, startServer } from '../launch.js';
import { SERVER_SETTINGS } from '../serve.js';
import type { SuiteContext } from './context.js';
import { rawExchange } from './rawHttp.js';

/** The process itself, each test on a server of its own: binding, settings, graceful stop, refused settings. */
export function describeLifecycle({ server, hardening }: SuiteContext): void {
  describe(`${server.name}: process`, () => {
    it('binds 127.0.0.1 by default with the shared backlog', async () => {
      const running = await startServer(server, { env: { HOST: undefined } });
      try {
        expect(running.ready).toMatchObject({
          event: 'listening',
          server: server.name,
          model: server.model,
          host: '127.0.0.1',
          workers: 1,
          backlog: SERVER_SETTINGS.backlog,
        });
      } finally {
        await running.stop();
      }
    });

    hardening('keep-alive')('keeps connections alive for the shared keep-alive timeout, and says so', async () => {
      const running = await startServer(server);
      try {
        expect(running.ready.keepAliveTimeoutMs).toBe(SERVER_SETTINGS.keepAliveTimeoutMs);
        const reply = await request(`${running.url}/hello`, { headers: { connection: 'keep-alive' } });
        expect(reply.headers['keep-alive']).toBe(`timeout=${SERVER_SETTINGS.keepAliveTimeoutMs / 1000}`);
      } finally {
        await running.stop();
      }
    });

    it('on SIGTERM lets the in-flight request finish, then exits 0', async () => {
      const running = await startServer(server);
      const inFlight = request(`${running.url}/sleep?ms=500`);
      await new Promise((r) => setTimeout(r, 150));
      const stopped = running.stop();
      const reply = await inFlight;
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ message: 'done', ms: 500 });
      expect(await stopped).toEqual({ code: 0, signal: null });
      expect(processAlive(running.pid)).toBe(false);
    });

    hardening('stop-unfinished-request')('on SIGTERM does not wait for a client that never finishes its request', async () => {
      const running = await startServer(server);
      const hold = new AbortController();
      // However the connection ends, what counts is how soon the server stopped.
      const unfinished = rawExchange(running.ready, 'GET /fast HTTP/1.1\r\nHost: x\r\n', { signal: hold.signal }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
      const started = performance.now();
      expect(await running.stop()).toEqual({ code: 0, signal: null });
      expect(performance.now() - started).toBeLessThan(3_000);
      hold.abort();
      await unfinished;
    });

    hardening('keep-alive')('on SIGTERM does not wait for pipelined requests whose client has left', async () => {
      const running = await startServer(server);
      const left = new AbortController();
      const pipelined = rawExchange(running.ready, 'GET /sleep?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3), {
        signal: left.signal,
      }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
      left.abort();
      await pipelined;
      const hold = new AbortController();
      const unfinished = rawExchange(running.ready, 'GET /fast HTTP/1.1\r\nHost: x\r\n', { signal: hold.signal }).catch(() => undefined);
      // The pipelined requests are long over by now, answered or dropped.
      await new Promise((r) => setTimeout(r, 400));
      const started = performance.now();
      expect(await running.stop()).toEqual({ code: 0, signal: null });
      expect(performance.now() - started).toBeLessThan(3_000);
      hold.abort();
      await unfinished;
    });

    it.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['WORKERS', '0'],
      ['WORKERS', 'two'],
    ])('refuses %s=%s with exit 2 and a message', async (key, value) => {
      const failure = await startServer(server, { env: { [key]: value }, readyTimeoutMs: 10_000 }).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failure?.message).toMatch(/code 2/);
      expect(failure?.message).toContain(`${key} must be an integer`);
    });
  });
}
