import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
