import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { request } from './client.js';
import { ConfigError } from './env.js';
import { createHttpServer, readServeEnv } from './serve.js';

describe('readServeEnv', () => {
  it('defaults to loopback, any free port, one process, Server-Timing on', () => {
    expect(readServeEnv({})).toEqual({ host: '127.0.0.1', port: 0, workers: 1, serverTiming: true });
  });

  it('reads HOST, PORT, WORKERS and SERVER_TIMING', () => {
    expect(readServeEnv({ HOST: '::1', PORT: '3000', WORKERS: '4', SERVER_TIMING: '0' })).toEqual({
      host: '::1',
      port: 3000,
      workers: 4,
      serverTiming: false,
    });
  });

  it.each([
    [{ PORT: '-1' }, /PORT must be an integer from 0 to 65535 \(got "-1"\), e\.g\. PORT=3000/],
    [{ PORT: '65536' }, /PORT must be an integer/],
    [{ PORT: '80.5' }, /PORT must be an integer/],
    [{ WORKERS: '0' }, /WORKERS must be an integer from 1 to 64 \(got "0"\), e\.g\. WORKERS=2/],
    [{ WORKERS: '65' }, /WORKERS must be/],
    [{ SERVER_TIMING: 'yes' }, /SERVER_TIMING must be an integer from 0 to 1 \(got "yes"\), e\.g\. SERVER_TIMING=0/],
  ])('refuses %j', (env, message) => {
    expect(() => readServeEnv(env)).toThrow(ConfigError);
    expect(() => readServeEnv(env)).toThrow(message);
  });
});

describe('createHttpServer for a blocking server', () => {
  it('goes on serving after a pipelining client leaves with requests still waiting their turn', async () => {
    // Each answer waits 100 ms on a timer, so the test's own client keeps running in this process.
    const server = createHttpServer(
      (_req, res) => {
        setTimeout(() => res.end('done'), 100);
      },
      { model: 'blocking', serverTiming: false },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3));
      await new Promise((resolve) => setTimeout(resolve, 30));
      socket.destroy();
      const reply = await request(`http://127.0.0.1:${port}/after`, { timeoutMs: 3_000 });
      expect(reply.body).toBe('done');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
