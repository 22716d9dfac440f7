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

describe('createHttpServer refusals below the framework', () => {
  /** Each raw request on a fresh connection to a server whose listener answers "ok"; the status line and body. */
  async function exchange(...chunks: string[]): Promise<{ status: string; body: string }> {
    const server = createHttpServer((req, res) => res.end(`ok ${req.url}`), { serverTiming: false });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const received = await new Promise<string>((resolve, reject) => {
        let text = '';
        const socket = net.connect(port, '127.0.0.1', async () => {
          for (const chunk of chunks) {
            socket.write(chunk, 'latin1');
            // Separate reads, as a slow network would deliver them.
            await new Promise((wait) => setTimeout(wait, 20));
          }
        });
        socket.setEncoding('latin1');
        socket.on('data', (chunk: string) => {
          text += chunk;
          if (/\r\n\r\n(ok [^\r\n]*|\{.*\})$/.test(text)) socket.destroy();
        });
        socket.on('error', (error: NodeJS.ErrnoException) => (text ? resolve(text) : reject(error)));
        socket.on('close', () => resolve(text));
      });
      return { status: received.split('\r\n', 1)[0] as string, body: received.slice(received.indexOf('\r\n\r\n') + 4) };
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it.each([
    ['GET /a HTTP/2.0\r\nHost: x\r\n\r\n', 505, 'HTTP/2.0 is not supported'],
    ['GET /a HTTP/9.9\r\nHost: x\r\n\r\n', 505, 'HTTP/9.9 is not supported'],
    ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 505, 'HTTP/2.0 is not supported'],
    ['GET /a\r\n\r\n', 400, 'needs an HTTP version'],
    ['GET /a HTTP/1.1\nHost: x\n\n', 400, 'malformed request'],
    ['GET /a HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n', 417, '"teapot" cannot be met'],
    ['GET /a HTTP/1.1\r\nHost: a b\r\n\r\n', 400, 'Host must be'],
    ['GET /a HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n', 400, 'one Host header'],
    ['GET /a HTTP/1.1\r\n\r\n', 400, 'needs a Host header'],
    ['OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', 404, 'no route "*"'],
    [`GET /a?${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, 'request target is over 16384'],
    [`GET /a HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers are over 16384'],
  ])('refuses %j with %i JSON', async (raw, status, error) => {
    const reply = await exchange(raw);
    expect(reply.status).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(JSON.parse(reply.body)).toEqual({ error: expect.stringContaining(error) });
  });

  it.each([
    ['GET /a HTTP/1.0\r\n\r\n', 'ok /a'],
    ['GET /a HTTP/1.1\r\nHost:\r\n\r\n', 'ok /a'],
    ['GET /a HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n', 'ok /a'],
    ['GET /a#x HTTP/1.1\r\nHost: x\r\n\r\n', 'ok /a'],
    ['GET /a?ms=1#x?y HTTP/1.1\r\nHost: x\r\n\r\n', 'ok /a?ms=1'],
  ])('serves %j, without its fragment', async (raw, body) => {
    expect(await exchange(raw)).toEqual({ status: 'HTTP/1.1 200 OK', body });
  });

  it('refuses a target over the head as headers (431) only when its request line came in more than one read', async () => {
    const target = `/a?${'a'.repeat(20_000)}`;
    expect((await exchange(`GET ${target.slice(0, 100)}`, `${target.slice(100)} HTTP/1.1\r\nHost: x\r\n\r\n`)).status).toMatch(
      /^HTTP\/1\.1 431 /,
    );
  });
});
