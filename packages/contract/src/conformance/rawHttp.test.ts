import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { rawExchange } from './rawHttp.js';

const servers: net.Server[] = [];

/** A TCP server on a free port that hands each connection, and the first bytes it sent, to `handle`. */
async function tcpServer(handle: (socket: net.Socket, request: string) => void): Promise<{ host: string; port: number }> {
  const server = net.createServer((socket) => socket.once('data', (chunk) => handle(socket, chunk.toString('latin1'))));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port };
}

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

describe('rawExchange', () => {
  it('writes the raw request and collects the answer until the server closes', async () => {
    const address = await tcpServer((socket, request) => socket.end(`echo: ${request}`));
    const { received, closedAfterMs } = await rawExchange(address, 'GET / HTTP/1.1\r\n\r\n');
    expect(received).toBe('echo: GET / HTTP/1.1\r\n\r\n');
    expect(closedAfterMs).toBeGreaterThan(0);
  });

  it('ends as soon as what came satisfies `until`, the connection still open', async () => {
    const address = await tcpServer((socket) => socket.write('{"done":true}'));
    const { received } = await rawExchange(address, 'x', { until: (text) => text.endsWith('}') });
    expect(received).toBe('{"done":true}');
  });

  it('ends an idle exchange with what came, or fails it with timeoutError', async () => {
    const address = await tcpServer((socket) => socket.write('partial'));
    expect((await rawExchange(address, 'x', { idleTimeoutMs: 50 })).received).toBe('partial');
    await expect(rawExchange(address, 'x', { idleTimeoutMs: 50, timeoutError: 'kept open' })).rejects.toThrow('kept open');
  });

  it('shows every chunk to onData with the time since connecting', async () => {
    const address = await tcpServer((socket) => {
      socket.write('a');
      setTimeout(() => socket.end('b'), 30);
    });
    const seen: [string, number][] = [];
    await rawExchange(address, 'x', { onData: (text, elapsedMs) => seen.push([text, elapsedMs]) });
    expect(seen.map(([text]) => text)).toEqual(['a', 'ab']);
    expect((seen[1] as [string, number])[1]).toBeGreaterThan((seen[0] as [string, number])[1]);
  });

  it('ends a held connection when its signal aborts, and rejects on a socket error', async () => {
    const address = await tcpServer(() => {});
    const hold = new AbortController();
    const held = rawExchange(address, 'x', { signal: hold.signal });
    setTimeout(() => hold.abort(), 20);
    expect((await held).received).toBe('');
    const closed = await tcpServer(() => {});
    await new Promise((resolve) => (servers.pop() as net.Server).close(resolve));
    await expect(rawExchange(closed, 'x')).rejects.toThrow(/ECONNREFUSED/);
  });
});
