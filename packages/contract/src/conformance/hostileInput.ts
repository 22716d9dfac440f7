import http from 'node:http';
import { debuglog } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { request } from '../client.js';
import { integerFromEnv } from '../env.js';
import type { RunningServer } from '../launch.js';
import { startServer } from '../launch.js';
import { SERVER_SETTINGS } from '../serve.js';
import { type SuiteContext, withServer } from './context.js';
import { type HostileRequest, hostileRequestArbitrary, isSlow, statusWithoutDatabase } from './generated.js';
import { rawExchange } from './rawHttp.js';
import { describeRawRequests } from './rawRequests.js';

const log = debuglog('loopbench:conformance');

/** Requests each server must survive in the hostile-input test; LOOPBENCH_FUZZ_REQUESTS overrides. */
const FUZZ_REQUESTS = integerFromEnv('LOOPBENCH_FUZZ_REQUESTS', 10_000, { min: 1, max: 1_000_000, example: 500 });

/** Sends one generated request on the shared keep-alive agent; transport errors fail the test. */
function send(url: string, generated: HostileRequest, agent: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { ...generated.headers };
    if (generated.body !== undefined) headers['content-length'] = Buffer.byteLength(generated.body);
    const req = http.request(url + generated.target, { method: generated.method, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer within 10 s to ${generated.method} ${generated.target.slice(0, 100)}`)));
    req.on('error', reject);
    req.end(generated.body);
  });
}

/** Fuzzing, and refusals of what HTTP clients never send. */
export function describeHostileInput(context: SuiteContext): void {
  const { server, hardening } = context;
  describe(`${server.name}: hostile input`, () => {
    const running = withServer(server);

    hardening('fuzz')(
      `answers ${FUZZ_REQUESTS.toLocaleString('en')} generated requests (methods, paths, queries, headers, bodies) without a 5xx, a crash, a hang or a leak`,
      async () => {
        const url = running().url;
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const rss = async () => ((await request(`${url}/stats`)).json as { rssBytes: number }).rssBytes;
        // A heap grows to its working size before it levels off (worker-pool's three isolates by some
        // 50 MB over the first 10,000 requests, koa and fastify still ~20 MB in the second half); a leak is
        // what grows past that after the first half.
        const halfway = Math.ceil(FUZZ_REQUESTS / 2);
        let rssHalfway = 0;
        const outcomes = new Map<number, number>();
        try {
          await fc.assert(
            fc.asyncProperty(hostileRequestArbitrary(), async (generated) => {
              fc.pre(!isSlow(generated.target));
              const reply = await send(url, generated, agent);
              outcomes.set(reply.status, (outcomes.get(reply.status) ?? 0) + 1);
              if ([...outcomes.values()].reduce((a, b) => a + b, 0) === halfway) rssHalfway = await rss();
              expect(reply.status, `${generated.method} ${generated.target.slice(0, 200)}`).toBeGreaterThanOrEqual(200);
              // The one 5xx: a valid /query on a server started without a database.
              if (reply.status !== 503 || statusWithoutDatabase(generated.target) !== 503) {
                expect(reply.status, `${generated.method} ${generated.target.slice(0, 200)}`).toBeLessThan(500);
              }
              if (reply.status >= 400 && generated.method !== 'HEAD') expect(JSON.parse(reply.body)).toEqual({ error: expect.any(String) });
            }),
            { numRuns: FUZZ_REQUESTS, maxSkipsPerRun: 10 },
          );
        } finally {
          agent.destroy();
        }
        const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
        expect(total).toBe(FUZZ_REQUESTS);
        expect(outcomes.size, `statuses seen: ${JSON.stringify(Object.fromEntries(outcomes))}`).toBeGreaterThanOrEqual(5);
        expect((await request(`${url}/health`)).status).toBe(200);
        const rssAfter = await rss();
        expect(rssAfter - rssHalfway, `RSS ${rssHalfway} bytes halfway, ${rssAfter} at the end`).toBeLessThan(48 * 2 ** 20);
        log(
          '%s: %d generated requests, statuses %j, RSS %d → %d bytes over the second half',
          server.name,
          total,
          Object.fromEntries(outcomes),
          rssHalfway,
          rssAfter,
        );
      },
    );

    for (const [name, raw, status, mention] of [
      ['an HTTP/1.1 request without Host', 'GET /fast HTTP/1.1\r\n\r\n', 400, 'Host'],
      ['CONNECT', 'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n', 405, 'GET'],
    ] as const)
      hardening('raw-refusals')(`answers ${name} with a JSON refusal`, async () => {
        const { received: reply } = await rawExchange(running().ready, raw, {
          idleTimeoutMs: 5_000,
          until: (text) => /\r\n\r\n[\s\S]*\}$/.test(text),
        });
        // HTTP/1.0 servers (werkzeug without threads) answer in their own version; what counts is the JSON refusal.
        expect(reply).toMatch(new RegExp(`^HTTP/1\\.[01] ${status} `));
        expect(reply).toMatch(/content-type: application\/json/i);
        const body = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as { error?: string };
        expect(body.error).toContain(mention);
        expect((await request(`${running().url}/health`)).status).toBe(200);
      });

    describeRawRequests(context, running);
  });
}

/**
 * A client that never finishes its headers, which the server must close with a 408 after
 * headersTimeoutMs. Waiting that out is 10 s of nothing, so the client is held beside the whole
 * suite (`blocks`), on a server of its own started before the first test, and its test, last, reads
 * what happened: the held, half-sent request is no load on the servers the other blocks measure.
 */
export function withSlowClientBeside(context: SuiteContext, blocks: () => void): void {
  const { server, exceptions, hardening } = context;
  let running: RunningServer | undefined;
  let held: Promise<{ received: string; closedAfterMs: number }> | undefined;
  if (exceptions['slow-client'] === undefined) {
    beforeAll(async () => {
      running = await startServer(server);
      held = rawExchange(running.ready, 'GET /fast HTTP/1.1\r\nHost: x\r\nX-Slow: ', {
        idleTimeoutMs: SERVER_SETTINGS.headersTimeoutMs * 2,
        timeoutError: 'the server kept a half-sent request open',
      });
      // Read by the last test; a failure before then must not count as unhandled.
      held.catch(() => {});
    });
    afterAll(async () => {
      if (running) expect(await running.stop()).toEqual({ code: 0, signal: null });
    });
  }
  blocks();
  describe(`${server.name}: a slow client, held beside the whole suite`, () => {
    hardening('slow-client')('closes the connection of a client that never finishes its headers', async () => {
      if (!running || !held) throw new Error(`${server.name} for the slow client did not start`);
      const { received: reply, closedAfterMs } = await held;
      expect(reply).toMatch(/^HTTP\/1\.1 408 [\s\S]*\r\n\r\n\{"error":"request not received in time"\}$/);
      expect(closedAfterMs).toBeGreaterThanOrEqual(SERVER_SETTINGS.headersTimeoutMs * 0.9);
      expect(closedAfterMs).toBeLessThan(SERVER_SETTINGS.headersTimeoutMs + SERVER_SETTINGS.connectionsCheckingIntervalMs + 3_000);
      expect((await request(`${running.url}/health`)).status).toBe(200);
    });
  });
}
