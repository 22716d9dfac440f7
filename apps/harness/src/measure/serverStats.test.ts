import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { collectStats, STATS_TIMEOUT_MS } from './serverStats.js';

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
