import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { describe, expect, it, vi } from 'vitest';
import { request } from './client.js';
import { ConfigError } from './env.js';
import type { Model } from './model.js';
import { createHttpServer, readServeEnv, serve } from './serve.js';
import { parseServerTiming } from './timing.js';
import { sleepAsync, sleepBlocking } from './work.js';

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

/** Listens on a free loopback port; `close` drops every connection and stops it. */
async function listening(server: http.Server): Promise<{ port: number; close: () => Promise<void> }> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * serve() in this process, for a server that declares `model`: its http.Server (caught on its way
 * out of http.createServer), listening on a free port; `close` stops it and takes back the signal
 * handlers serve() added.
 */
async function serveHere(model: Model, listener: http.RequestListener): Promise<{ port: number; close: () => Promise<void> }> {
  vi.stubEnv('PORT', '0');
  vi.stubEnv('HOST', '127.0.0.1');
  const created = vi.spyOn(http, 'createServer');
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const signals = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  try {
    serve({ name: `declared-${model}`, model, createListener: () => listener });
    await vi.waitFor(() => expect(write).toHaveBeenCalledWith(expect.stringContaining('"event":"listening"')));
    const server = created.mock.results[0]?.value as http.Server;
    const running = await listening(server);
    return {
      port: running.port,
      close: async () => {
        for (const [signal, before] of Object.entries(signals)) {
          for (const added of process.listeners(signal as NodeJS.Signals)) if (!before.includes(added)) process.off(signal, added);
        }
        await running.close();
      },
    };
  } finally {
    created.mockRestore();
    write.mockRestore();
    vi.unstubAllEnvs();
  }
}

/** Writes `raw` (several requests in one packet) and collects what comes back until `count` answers have come. */
function pipelined(port: number, raw: string, count: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(raw));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.split('HTTP/1.1 200').length - 1 === count && text.endsWith('.')) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

describe('serve() and a declared model', () => {
  it('does not make a server declared blocking blocking: two waits on a timer on two connections overlap', async () => {
    const waitMs = 300;
    const server = await serveHere('blocking', async (_req, res) => {
      await sleepAsync(waitMs);
      res.end('done');
    });
    try {
      const url = `http://127.0.0.1:${server.port}/`;
      const started = performance.now();
      const replies = await Promise.all([request(url), request(url)]);
      const wallMs = performance.now() - started;
      expect(replies.map((reply) => reply.body)).toEqual(['done', 'done']);
      // One after the other would take 2× the wait; together, about 1×.
      expect(wallMs / waitMs).toBeLessThan(1.6);
      for (const reply of replies) expect(parseServerTiming(reply.headers['server-timing'])).toBeLessThan(waitMs * 1.5);
    } finally {
      await server.close();
    }
  });
});

describe('createHttpServer: one request at a time per connection', () => {
  const raw = (paths: string[]) => paths.map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');

  /** The answers' bodies in the order they came, each with its Server-Timing. */
  function answers(text: string): { body: string; dur: number }[] {
    return text
      .split('HTTP/1.1 ')
      .slice(1)
      .map((answer) => ({
        body: answer.slice(answer.indexOf('\r\n\r\n') + 4),
        dur: parseServerTiming(/server-timing: ([^\r]*)/.exec(answer)?.[1]) ?? Number.NaN,
      }));
  }

  it.each([
    ['a handler that blocks the thread (sleepBlocking)', true],
    ['a handler that waits on a timer (sleepAsync)', false],
  ])('hands %s the pipelined requests of a connection in turn, each timed from its turn', async (_name, blocks) => {
    // A different wait each, the longest first: answered in order, and none started before the last had left.
    const waits: Record<string, number> = { '/a': 150, '/b': 50, '/c': 100 };
    const events: string[] = [];
    const server = await listening(
      createHttpServer(async (req, res) => {
        const waitMs = waits[req.url as string] as number;
        events.push(`${req.url} starts`);
        if (blocks) sleepBlocking(waitMs);
        else await sleepAsync(waitMs);
        events.push(`${req.url} ends`);
        res.end(`${req.url}.`);
      }),
    );
    try {
      const came = answers(await pipelined(server.port, raw(['/a', '/b', '/c']), 3));
      expect(came.map((answer) => answer.body)).toEqual(['/a.', '/b.', '/c.']);
      expect(events).toEqual(['/a starts', '/a ends', '/b starts', '/b ends', '/c starts', '/c ends']);
      for (const [i, answer] of came.entries()) {
        // From its own turn: a request's time in line behind the others is not its server's time.
        const waitMs = Object.values(waits)[i] as number;
        expect(answer.dur).toBeGreaterThanOrEqual(waitMs - 1);
        expect(answer.dur).toBeLessThan(waitMs + 40);
      }
    } finally {
      await server.close();
    }
  });

  it('holds back no request of another connection', async () => {
    const server = await listening(
      createHttpServer(async (req, res) => {
        await sleepAsync(req.url === '/slow' ? 1_000 : 0);
        res.end(`${req.url}.`);
      }),
    );
    try {
      const slow = pipelined(server.port, raw(['/slow', '/after-slow']), 2);
      await sleepAsync(50);
      const fast = await request(`http://127.0.0.1:${server.port}/fast`);
      expect(fast.body).toBe('/fast.');
      expect(fast.latencyMs).toBeLessThan(500);
      expect(answers(await slow).map((answer) => answer.body)).toEqual(['/slow.', '/after-slow.']);
    } finally {
      await server.close();
    }
  });

  it('goes on serving after a pipelining client leaves with requests still waiting their turn, which never reach the framework', async () => {
    // Each answer waits 100 ms on a timer, so the test's own client keeps running in this process.
    const handed: string[] = [];
    const server = await listening(
      createHttpServer(
        (req, res) => {
          handed.push(req.url as string);
          setTimeout(() => res.end('done'), 100);
        },
        { serverTiming: false },
      ),
    );
    try {
      const socket = net.connect(server.port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(raw(['/a', '/b', '/c']));
      await sleepAsync(30);
      socket.destroy();
      const reply = await request(`http://127.0.0.1:${server.port}/after`, { timeoutMs: 3_000 });
      expect(reply.body).toBe('done');
      expect(handed).toEqual(['/a', '/after']);
    } finally {
      await server.close();
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
