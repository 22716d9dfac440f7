import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { debuglog } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAvailability } from './availability.js';
import { checkReply, ROUTE_CHECKS } from './checks.js';
import { type HttpReply, request } from './client.js';
import { type ExceptionCase, readServerPackage, type ServerPackage } from './declaration.js';
import { integerFromEnv } from './env.js';
import { type LaunchOptions, processAlive, type RunningServer, startServer, waitForExit } from './launch.js';
import { LIMITS, parseQuery, queryOf, ROUTES } from './routes.js';
import { SERVER_SETTINGS } from './serve.js';
import { parseServerTiming } from './timing.js';

const log = debuglog('loopbench:conformance');

/** Starts the server for one block of tests and stops it after, checking it exited cleanly. */
function withServer(server: ServerPackage, options: LaunchOptions = {}): () => RunningServer {
  let running: RunningServer | undefined;
  beforeAll(async () => {
    running = await startServer(server, options);
  });
  afterAll(async () => {
    if (!running) return;
    const status = await running.stop();
    expect(status).toEqual({ code: 0, signal: null });
    expect(processAlive(running.pid)).toBe(false);
  });
  return () => {
    if (!running) throw new Error(`${server.name} did not start`);
    return running;
  };
}

const MS_RANGE = `from 0 to ${LIMITS.sleepMsMax}`;
const ITERATIONS_RANGE = `from 0 to ${LIMITS.cpuIterationsMax}`;

/** Every class of bad input, with the allowed range the error must name. */
export const BAD_INPUT_CASES: Array<[string, string]> = [
  ['/sleep', MS_RANGE],
  ['/sleep?ms=', MS_RANGE],
  ['/sleep?ms=abc', MS_RANGE],
  ['/sleep?ms=-1', MS_RANGE],
  ['/sleep?ms=1.5', MS_RANGE],
  ['/sleep?ms=1e3', MS_RANGE],
  ['/sleep?ms=0x10', MS_RANGE],
  ['/sleep?ms=+5', MS_RANGE],
  ['/sleep?ms=%205', MS_RANGE],
  ['/sleep?ms=Infinity', MS_RANGE],
  ['/sleep?ms=60001', MS_RANGE],
  ['/sleep?ms=99999999999999999999999', MS_RANGE],
  ['/sleep?ms=1&ms=2', MS_RANGE],
  ['/sleep?ms=5&ms=5', MS_RANGE],
  ['/cpu?iterations=', ITERATIONS_RANGE],
  ['/cpu?iterations=-5', ITERATIONS_RANGE],
  ['/cpu?iterations=1.0', ITERATIONS_RANGE],
  ['/cpu?iterations=2e6', ITERATIONS_RANGE],
  ['/cpu?iterations=0xff', ITERATIONS_RANGE],
  ['/cpu?iterations=100000001', ITERATIONS_RANGE],
  ['/cpu?iterations=1&iterations=1', ITERATIONS_RANGE],
  ['/stats?reset=2', 'from 0 to 1'],
];

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

/** Servers whose packages require what is missing here run only where it is installed; CI sets this so they cannot skip. */
const REQUIRE_AVAILABLE = process.env.LOOPBENCH_REQUIRE_SERVERS === '1';

async function concurrently<T>(count: number, make: () => Promise<T>): Promise<{ wallMs: number; results: T[] }> {
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: count }, make));
  return { wallMs: performance.now() - started, results };
}

/** Generated request targets: mostly near-misses of valid input, some noise. */
function targetArbitrary(): fc.Arbitrary<string> {
  const key = fc.oneof(fc.constantFrom('ms', 'iterations', 'reset'), fc.string({ maxLength: 6 }).map(encodeURIComponent));
  const value = fc.oneof(
    fc.integer({ min: -5, max: 40 }).map(String),
    fc.constantFrom('', '1e3', '0x1f', '1.5', '+1', '%20', '%31', '٣', 'NaN', '99999999999', '00', '-0'),
    fc.string({ maxLength: 8 }).map(encodeURIComponent),
    fc.string({ maxLength: 4, unit: fc.constantFrom('%', '&', '=', '+', ';', '?', '#', '[', ']') }).map((s) => s.replaceAll('#', '%23')),
  );
  const pair = fc.tuple(key, value).map(([k, v]) => `${k}=${v}`);
  const path = fc.oneof(
    fc.constantFrom(...ROUTES.map((r) => r.path)),
    fc.string({ maxLength: 10 }).map((s) => `/${encodeURIComponent(s)}`),
  );
  return fc.tuple(path, fc.array(pair, { maxLength: 4 })).map(([p, pairs]) => (pairs.length ? `${p}?${pairs.join('&')}` : p));
}

/** A generated target that would make the server work for long is replaced by a cheap check. */
function isSlow(target: string): boolean {
  const path = target.split('?')[0];
  const route = ROUTES.find((r) => r.path === path);
  if (!route) return false;
  const parsed = parseQuery(route, queryOf(target));
  return parsed.ok && ((parsed.params.ms ?? 0) > 50 || (parsed.params.iterations ?? 0) > 2_000_000);
}

/** Requests each server must survive in the hostile-input test; LOOPBENCH_FUZZ_REQUESTS overrides. */
const FUZZ_REQUESTS = integerFromEnv('LOOPBENCH_FUZZ_REQUESTS', 10_000, { min: 1, max: 1_000_000, example: 500 });

interface HostileRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: string;
}

const HEADER_VALUE = fc.string({ maxLength: 40, unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) });

/** Random methods, request targets (some oversized), headers (some oversized) and bodies. */
function hostileRequestArbitrary(): fc.Arbitrary<HostileRequest> {
  const method = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE') },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,10}$/) },
  );
  const target = fc.oneof(
    { weight: 6, arbitrary: targetArbitrary() },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((s) => `/${encodeURIComponent(s).replace(/%2F/g, '/')}`) },
    { weight: 1, arbitrary: fc.constantFrom('/..', '//fast', '/fast/..', '/%2e%2e/stats', '/fast#frag', '/fast?%', '/fast?&&==') },
    { weight: 1, arbitrary: fc.integer({ min: 8_000, max: 20_000 }).map((n) => `/fast?pad=${'a'.repeat(n)}`) },
  );
  const headerName = fc
    .stringMatching(/^[a-z][a-z0-9-]{0,15}$/)
    .filter((n) => !['content-length', 'transfer-encoding', 'host', 'connection', 'expect', 'upgrade'].includes(n));
  const headers = fc.oneof(
    { weight: 8, arbitrary: fc.dictionary(headerName, HEADER_VALUE, { maxKeys: 6 }) },
    { weight: 1, arbitrary: fc.integer({ min: 17_000, max: 40_000 }).map((n) => ({ 'x-pad': 'a'.repeat(n) })) },
  );
  const body = fc.option(fc.oneof(fc.string({ maxLength: 200 }), fc.json()), { nil: undefined });
  return fc.record({ method, target, headers, body }, { requiredKeys: ['method', 'target', 'headers'] });
}

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

/**
 * The suite every server package runs in its own tests: routes, /stats, bad input, the
 * concurrency model it declares, and its process behaviour (binding, settings, graceful stop).
 */
export function defineConformanceSuite(packageDir: string | URL): void {
  const dir = packageDir instanceof URL ? packageDir.pathname : packageDir;
  const server = readServerPackage(dir);
  if (!server) throw new Error(`${dir}/package.json has no "loopbench" field; see docs/adding-a-framework.md`);
  const availability = checkAvailability(server);
  if (!availability.available) {
    const why = `${server.name} is unavailable here: ${availability.reason}; install with: ${availability.install}`;
    if (REQUIRE_AVAILABLE) {
      it(`${server.name} is available (LOOPBENCH_REQUIRE_SERVERS=1)`, () => {
        throw new Error(why);
      });
    } else {
      describe.skip(why, () => {
        it('conformance', () => {});
      });
    }
    return;
  }
  const blocking = server.model === 'blocking';
  const exceptions = server.exceptions ?? {};
  for (const [name, reason] of Object.entries(exceptions)) console.info(`${server.name}: declared exception "${name}": ${reason}`);
  /** it() for a hardening case, or a skipped test that names the server's declared exception and its reason. */
  const hardening = (name: ExceptionCase) => {
    const reason = exceptions[name];
    if (reason === undefined) return it;
    return ((title: string) => it.skip(`${title} — declared exception "${name}": ${reason}`, () => {})) as unknown as typeof it;
  };

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

  describe(`${server.name}: bad input is refused with 4xx JSON, and the server keeps serving`, () => {
    const running = withServer(server);

    it.each(BAD_INPUT_CASES)('GET %s → 400 naming %s', async (target, range) => {
      const reply = await request(running().url + target);
      expect(reply.status).toBe(400);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(reply.json).toEqual({ error: expect.stringContaining(range) });
      expect((await request(`${running().url}/health`)).status).toBe(200);
    });

    it.each(['/nope', '/', '/sleep/extra', '/healthz', '/%zz', '/..%2f'])('GET %s → 404', async (target) => {
      const reply = await request(running().url + target);
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
      expect(reply.json).toEqual({ error: expect.any(String) });
      if (!target.includes('%')) expect(reply.status).toBe(404);
    });

    it.each(ROUTES.flatMap((r) => ['POST', 'PUT', 'DELETE', 'PATCH'].map((m) => [m, r.path])))('%s %s → 405', async (method, path) => {
      const reply = await request(running().url + path, { method, body: '{}', headers: { 'content-type': 'application/json' } });
      expect(reply.status).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
      expect(reply.json).toEqual({ error: expect.stringContaining('GET') });
    });

    hardening('oversized-requests')('refuses an oversized URL with 414 and oversized headers with 431', async () => {
      const url = running().url;
      const longUrl = await request(`${url}/fast?pad=${'a'.repeat(LIMITS.urlLengthMax)}`);
      expect(longUrl.status).toBe(414);
      expect(longUrl.json).toEqual({ error: expect.stringContaining(String(LIMITS.urlLengthMax)) });
      const bigHeaders = await request(`${url}/fast`, { headers: { 'x-pad': 'a'.repeat(SERVER_SETTINGS.maxHeaderSizeBytes + 1) } });
      expect(bigHeaders.status).toBe(431);
      expect(bigHeaders.json).toEqual({ error: expect.any(String) });
      expect((await request(`${url}/health`)).status).toBe(200);
    });

    it('never answers 5xx to generated query strings, and agrees with the contract on each', async () => {
      const url = running().url;
      await fc.assert(
        fc.asyncProperty(targetArbitrary(), async (target) => {
          fc.pre(!isSlow(target));
          const reply = await request(url + target, { timeoutMs: 10_000 });
          expect(reply.status).toBeLessThan(500);
          const route = ROUTES.find((r) => r.path === target.split('?')[0]);
          if (route) expect(reply.status).toBe(parseQuery(route, queryOf(target)).ok ? 200 : 400);
          if (reply.status >= 400) expect(reply.json).toEqual({ error: expect.any(String) });
        }),
        { numRuns: 300 },
      );
      expect((await request(`${url}/health`)).status).toBe(200);
    });
  });

  describe(`${server.name}: hostile input`, () => {
    const running = withServer(server);

    hardening('fuzz')(
      `answers ${FUZZ_REQUESTS.toLocaleString('en')} generated requests (methods, paths, queries, headers, bodies) without a 5xx, a crash, a hang or a leak`,
      async () => {
        const url = running().url;
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const rss = async () => ((await request(`${url}/stats`)).json as { rssBytes: number }).rssBytes;
        const rssBefore = await rss();
        const outcomes = new Map<number, number>();
        try {
          await fc.assert(
            fc.asyncProperty(hostileRequestArbitrary(), async (generated) => {
              fc.pre(!isSlow(generated.target));
              const reply = await send(url, generated, agent);
              outcomes.set(reply.status, (outcomes.get(reply.status) ?? 0) + 1);
              expect(reply.status, `${generated.method} ${generated.target.slice(0, 200)}`).toBeGreaterThanOrEqual(200);
              expect(reply.status, `${generated.method} ${generated.target.slice(0, 200)}`).toBeLessThan(500);
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
        expect(await rss()).toBeLessThan(rssBefore + 64 * 2 ** 20);
        log('%s: %d generated requests, statuses %j', server.name, total, Object.fromEntries(outcomes));
      },
    );

    for (const [name, raw, status, mention] of [
      ['an HTTP/1.1 request without Host', 'GET /fast HTTP/1.1\r\n\r\n', 400, 'Host'],
      ['CONNECT', 'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n', 405, 'GET'],
    ] as const)
      hardening('raw-refusals')(`answers ${name} with a JSON refusal`, async () => {
        const { port, host } = running().ready;
        const reply = await new Promise<string>((resolve, reject) => {
          let text = '';
          const socket = net.connect(port, host, () => socket.write(raw));
          socket.on('data', (chunk) => {
            text += chunk;
            if (/\r\n\r\n[\s\S]*\}$/.test(text)) socket.destroy();
          });
          socket.on('error', reject);
          socket.on('close', () => resolve(text));
          socket.setTimeout(5_000, () => socket.destroy());
        });
        // HTTP/1.0 servers (werkzeug without threads) answer in their own version; what counts is the JSON refusal.
        expect(reply).toMatch(new RegExp(`^HTTP/1\\.[01] ${status} `));
        expect(reply).toMatch(/content-type: application\/json/i);
        const body = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as { error?: string };
        expect(body.error).toContain(mention);
        expect((await request(`${running().url}/health`)).status).toBe(200);
      });

    hardening('slow-client')('closes the connection of a client that never finishes its headers', async () => {
      const { port, host } = running().ready;
      const started = performance.now();
      let reply = '';
      const closedAfterMs = await new Promise<number>((resolve, reject) => {
        const socket = net.connect(port, host, () => socket.write('GET /fast HTTP/1.1\r\nHost: x\r\nX-Slow: '));
        socket.on('data', (chunk) => {
          reply += chunk;
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(performance.now() - started));
        socket.setTimeout(SERVER_SETTINGS.headersTimeoutMs * 2, () => {
          socket.destroy();
          reject(new Error('the server kept a half-sent request open'));
        });
      });
      expect(reply).toMatch(/^HTTP\/1\.1 408 [\s\S]*\r\n\r\n\{"error":"request not received in time"\}$/);
      expect(closedAfterMs).toBeGreaterThanOrEqual(SERVER_SETTINGS.headersTimeoutMs * 0.9);
      expect(closedAfterMs).toBeLessThan(SERVER_SETTINGS.headersTimeoutMs + SERVER_SETTINGS.connectionsCheckingIntervalMs + 3_000);
      expect((await request(`${running().url}/health`)).status).toBe(200);
    });
  });

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
        const { port, host } = running().ready;
        const started = performance.now();
        const answeredAtMs: number[] = [];
        await new Promise<void>((resolve, reject) => {
          let text = '';
          const socket = net.connect(port, host, () =>
            socket.write(
              'GET /sleep?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(9) +
                'GET /sleep?ms=100 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
            ),
          );
          socket.on('data', (chunk) => {
            text += chunk;
            const count = text.split('{"message":"done","ms":100}').length - 1;
            while (answeredAtMs.length < count) answeredAtMs.push(performance.now() - started);
          });
          socket.on('error', reject);
          socket.on('close', () => resolve());
          socket.setTimeout(10_000, () => socket.destroy(new Error('pipelined requests were not all answered')));
        });
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

  (exceptions.workers === undefined ? describe : describe.skip)(
    `${server.name}: WORKERS=2${exceptions.workers === undefined ? '' : ` — declared exception "workers": ${exceptions.workers}`}`,
    () => {
      const running = withServer(server, { env: { WORKERS: '2' } });

      hardening('workers-spread')('two concurrent /sleep?ms=300 take ≤ 1.3× one', async () => {
        const url = `${running().url}/sleep?ms=300`;
        await concurrently(2, () => request(url));
        const one = await concurrently(1, () => request(url));
        const two = await concurrently(2, () => request(url));
        expect(two.wallMs / one.wallMs).toBeLessThanOrEqual(1.3);
      });

      it('stops every worker on SIGTERM', async () => {
        // Fresh connections reach the workers as the kernel or the primary hands them out: ask until both answered.
        const pids = new Set<number>();
        for (let i = 0; i < 60 && pids.size < 2; i++) pids.add(((await request(`${running().url}/stats`)).json as { pid: number }).pid);
        expect(pids.size).toBe(2);
        const status = await running().stop();
        expect(status).toEqual({ code: 0, signal: null });
        for (const pid of pids) expect(await waitForExit(pid)).toBe(true);
      });
    },
  );

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
      const socket = net.connect(running.ready.port, running.ready.host, () => socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n'));
      socket.on('error', () => {});
      await new Promise((r) => setTimeout(r, 100));
      const started = performance.now();
      expect(await running.stop()).toEqual({ code: 0, signal: null });
      expect(performance.now() - started).toBeLessThan(3_000);
      socket.destroy();
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
