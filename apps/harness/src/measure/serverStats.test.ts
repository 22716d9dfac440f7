import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StatsSnapshot } from '@loopbench/contract';
import { describe, expect, it } from 'vitest';
import { collectStats, STATS_TIMEOUT_MS, signalsBetween } from './serverStats.js';

/** Short, so that the test does not wait out the 10 s default; the behaviour is the same. */
const TIMEOUT_MS = 500;

describe('collectStats', () => {
  it('gives up on a server that does not answer, naming it, in seconds rather than minutes', async () => {
    // What a run waits by default: seconds, not minutes.
    expect(STATS_TIMEOUT_MS).toBeLessThan(60_000);
    // Accepts the request and never answers, as a stopped or hung server does.
    const server = http.createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const started = performance.now();
    try {
      await expect(collectStats('stuck', url, 1, false, TIMEOUT_MS)).rejects.toThrow(
        `stuck did not answer /stats within ${TIMEOUT_MS / 1000} s`,
      );
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 5_000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('signalsBetween', () => {
  const snapshot = (pid: number, at: number, requests: number, activeMs: number): StatsSnapshot => ({
    model: 'blocking',
    pid,
    uptimeMs: at,
    requestsHandled: requests,
    inFlight: 0,
    maxInFlight: 1,
    eventLoopUtilization: null,
    eventLoopActiveMs: activeMs,
    eventLoopIdleMs: at - activeMs,
    eventLoopDelayMs: null,
    cpuUserMs: activeMs,
    cpuSystemMs: 0,
    rssBytes: 0,
    windowStartedAtMs: 0,
  });

  it('counts the workers the load reached, and takes the occupied share of those alone', () => {
    const before = new Map([
      [1, snapshot(1, 1000, 0, 0)],
      [2, snapshot(2, 1000, 0, 0)],
    ]);
    // node:cluster gave every connection to worker 1, busy throughout; worker 2 served nothing.
    const after = new Map([
      [1, snapshot(1, 2000, 100, 1000)],
      [2, snapshot(2, 2000, 0, 0)],
    ]);
    const signals = signalsBetween(before, after);
    expect(signals?.workersServing).toBe(1);
    expect(signals?.eventLoopUtilization).toBe(1);
    expect(signals?.cpuUtilization).toBe(1);
  });
});
