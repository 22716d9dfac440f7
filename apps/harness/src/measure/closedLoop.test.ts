import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runClosedLoop } from './closedLoop.js';
import { runFixedCount } from './fixedCount.js';

const DELAY_MS = 20;
const CONNECTIONS = 5;

// As werkzeug's HTTP/1.0 server and gunicorn's sync worker do: one answer per connection, then close.
describe('the generators against a server that closes every connection after its answer', () => {
  let server: http.Server;
  let url = '';
  let connections = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      setTimeout(() => res.writeHead(200, { connection: 'close', 'content-type': 'text/plain' }).end('ok'), DELAY_MS);
    });
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('closed loop: each request on a new connection, timed from its own send (Little’s law holds)', async () => {
    const before = connections;
    const result = await runClosedLoop({ url, connections: CONNECTIONS, warmupS: 0.2, durationS: 1, timeoutS: 10 });
    expect(result.errors).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(connections - before).toBeGreaterThanOrEqual(result.responses);
    // Each of C connections waits its own 20 ms: latency near the delay, not a multiple of it.
    expect(result.latencyMs.mean).toBeGreaterThanOrEqual(DELAY_MS);
    expect(result.latencyMs.mean).toBeLessThan(DELAY_MS * 2);
    expect(result.throughputRps * (result.latencyMs.mean / 1000)).toBeGreaterThan(CONNECTIONS * 0.7);
  });

  it('fixed count: every request answered once, as ab does', async () => {
    const result = await runFixedCount({ url, requests: 100, connections: CONNECTIONS, timeoutS: 10 });
    expect(result).toMatchObject({ responses: 100, non2xx: 0, errors: 0, timeouts: 0 });
    expect(result.latencyMs.mean).toBeLessThan(DELAY_MS * 2);
  });
});

// Legal HTTP/1.1 that autocannon alone never counts (#27): no Content-Length, the answer ends at close.
describe('the closed loop against raw servers', () => {
  const servers: net.Server[] = [];
  afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

  /** A server that answers each request line after DELAY_MS with `answer`, or never when `answers` says no. */
  async function rawServer(answer: string, answers: (socket: number) => boolean = () => true): Promise<string> {
    let accepted = 0;
    const server = net.createServer((socket) => {
      const index = accepted++;
      socket.on('error', () => {});
      socket.on('data', (data) => {
        if (!answers(index) || !data.includes('\r\n\r\n')) return;
        setTimeout(() => (answer.includes('content-length') ? socket.write(answer) : socket.end(answer)), DELAY_MS);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  it('counts an answer that ends when the server closes the connection, and sends the next on a new one', async () => {
    const url = await rawServer('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nok');
    const result = await runClosedLoop({ url, connections: CONNECTIONS, warmupS: 0.2, durationS: 1, timeoutS: 10 });
    expect(result).toMatchObject({ errors: 0, non2xx: 0, answeredConnections: CONNECTIONS });
    expect(result.latencyMs.mean).toBeLessThan(DELAY_MS * 2);
    expect(result.throughputRps * (result.latencyMs.mean / 1000)).toBeGreaterThan(CONNECTIONS * 0.7);
  });

  it('counts the connections that got an answer, and does not wait for the others', async () => {
    const url = await rawServer('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok', (socket) => socket === 0);
    const started = performance.now();
    const result = await runClosedLoop({ url, connections: CONNECTIONS, warmupS: 0.2, durationS: 0.5, timeoutS: 10 });
    // Far short of the 10 s the others' requests would take to time out.
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(result).toMatchObject({ answeredConnections: 1, timeouts: 0 });
    expect(result.responses).toBeGreaterThan(5);
  });
});

/** A server that serves one request at a time, in arrival order, each `serviceMs` on a timer. */
async function serialServer(serviceMs: number, { admitting = false } = {}) {
  const queue: http.ServerResponse[] = [];
  // Connections whose first request waits to be taken into the round, as they wait in a listen backlog.
  const backlog: (() => void)[] = [];
  const admitted = new WeakSet<net.Socket>();
  let serving = false;
  const serveNext = (): void => {
    const res = queue.shift();
    serving = res !== undefined;
    if (!res) return;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 }).end('ok');
      backlog.shift()?.();
      serveNext();
    }, serviceMs);
  };
  const server = http.createServer((req, res) => {
    const enqueue = () => {
      admitted.add(req.socket);
      queue.push(res);
    };
    if (!admitting || admitted.has(req.socket) || !serving) enqueue();
    else backlog.push(enqueue);
    if (!serving) serveNext();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    // Once it serves nothing: a run leaves one request per connection queued.
    idle: async () => {
      while (serving) await new Promise((resolve) => setTimeout(resolve, 5));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// As a blocking server, without burning the CPU: C connections cycle in C·S, and the ceiling is 1/S
// however many connections.
describe('the closed loop against a server that serialises its requests', () => {
  const SERVICE_MS = 20;
  const ceilingRps = 1000 / SERVICE_MS;
  let serial: Awaited<ReturnType<typeof serialServer>>;
  let admitting: Awaited<ReturnType<typeof serialServer>>;
  beforeAll(async () => {
    serial = await serialServer(SERVICE_MS);
    // As a blocking Node server: one more connection taken off the listen backlog per request served.
    admitting = await serialServer(SERVICE_MS, { admitting: true });
  });
  beforeEach(() => Promise.all([serial.idle(), admitting.idle()]));
  afterAll(() => Promise.all([serial.close(), admitting.close()]));

  // A window shorter than one cycle goes on until each connection has had one; a warm-up shorter
  // than the server takes to have every connection in its round goes on until it has.
  it.each([
    ['a window shorter than one cycle', false, CONNECTIONS, 0.05, 0.05],
    ['a window of several cycles', false, CONNECTIONS, 0.2, 0.5],
    ['connections taken in one at a time, a window shorter than one cycle', true, 8, 0.02, 0.05],
  ])('%s: throughput at most the ceiling 1/S, and Little’s law holds', async (_, ramp, connections, warmupS, durationS) => {
    const cycleMs = connections * SERVICE_MS;
    const { url } = ramp ? admitting : serial;
    const result = await runClosedLoop({ url, connections, warmupS, durationS, timeoutS: 10 });
    expect(result).toMatchObject({ errors: 0, non2xx: 0, timeouts: 0, answeredConnections: connections });
    // Timers fire late, never early: each S a little longer, so throughput a little under 1/S.
    expect(result.throughputRps).toBeLessThanOrEqual(ceilingRps * 1.05);
    expect(result.throughputRps).toBeGreaterThanOrEqual(ceilingRps * 0.7);
    const meanMs = result.latencyMs.mean;
    expect(meanMs).toBeGreaterThanOrEqual(0.8 * cycleMs);
    expect((result.throughputRps * meanMs) / 1000).toBeGreaterThanOrEqual(connections * 0.8);
    expect((result.throughputRps * meanMs) / 1000).toBeLessThanOrEqual(connections * 1.2);
    // Every connection timed at least one whole cycle.
    expect(result.measured).toBeGreaterThanOrEqual(connections);
    expect(result.latencyMs.count).toBe(result.measured);
    expect(result.windowMs).toBeGreaterThanOrEqual(0.8 * cycleMs);
  });

  it('goes on until every connection has sent minCycles measured requests', async () => {
    const { url } = serial;
    const result = await runClosedLoop({ url, connections: CONNECTIONS, warmupS: 0.05, durationS: 0.05, timeoutS: 10, minCycles: 3 });
    expect(result.measured).toBeGreaterThanOrEqual(3 * CONNECTIONS);
    expect(result.throughputRps).toBeLessThanOrEqual(ceilingRps * 1.05);
    expect((result.throughputRps * result.latencyMs.mean) / 1000).toBeGreaterThanOrEqual(CONNECTIONS * 0.8);
    expect((result.throughputRps * result.latencyMs.mean) / 1000).toBeLessThanOrEqual(CONNECTIONS * 1.2);
  });
});
