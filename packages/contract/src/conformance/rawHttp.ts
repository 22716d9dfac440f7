import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface RawExchangeOptions {
  /** Ends the exchange once the socket has been idle this long: with what came, or failing with `timeoutError`. */
  idleTimeoutMs?: number;
  timeoutError?: string;
  /** Ends the exchange as soon as what came so far satisfies it. */
  until?: (received: string) => boolean;
  /** Sees what came so far at every chunk, with the ms since connecting began. */
  onData?: (received: string, elapsedMs: number) => void;
  /** Ends the exchange when aborted, for a connection held open on purpose. */
  signal?: AbortSignal;
  /**
   * Resolves with what came when the server resets the connection after answering: a server may
   * refuse a request as soon as it has read too much of it and close before the rest is written.
   */
  keepReplyOnReset?: boolean;
}

export interface RawExchange {
  received: string;
  /** From just before connecting until the socket closed. */
  closedAfterMs: number;
}

/**
 * Writes `request` as raw bytes (a string as latin1, one byte a character) on a fresh connection and
 * collects what comes back until the socket closes; rejects on a socket error. For what an HTTP
 * client will not send: no Host, CONNECT, pipelined requests, a request never finished, bytes that
 * are not HTTP at all.
 */
export function rawExchange(
  address: { host: string; port: number },
  request: string | Uint8Array,
  { idleTimeoutMs, timeoutError, until, onData, signal, keepReplyOnReset = false }: RawExchangeOptions = {},
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let received = '';
    const socket = net.connect(address.port, address.host, () => {
      if (typeof request === 'string') socket.write(request, 'latin1');
      else socket.write(request);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      onData?.(received, performance.now() - started);
      if (until?.(received)) socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (keepReplyOnReset && received !== '' && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) return;
      reject(error);
    });
    socket.on('close', () => resolve({ received, closedAfterMs: performance.now() - started }));
    if (idleTimeoutMs !== undefined) {
      socket.setTimeout(idleTimeoutMs, () => socket.destroy(timeoutError === undefined ? undefined : new Error(timeoutError)));
    }
    signal?.addEventListener('abort', () => socket.destroy(), { once: true });
  });
}
