import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { collectStats, STATS_TIMEOUT_MS } from './serverStats.js';

describe('collectStats', () => {
  it('gives up on a server that does not answer, naming it, in seconds rather than minutes', {
    timeout: STATS_TIMEOUT_MS + 10_000,
  }, async () => {
    // Accepts the request and never answers, as a stopped or hung server does.
    const server = http.createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const started = performance.now();
    try {
      await expect(collectStats('stuck', url, 1)).rejects.toThrow(`stuck did not answer /stats within ${STATS_TIMEOUT_MS / 1000} s`);
      expect(performance.now() - started).toBeLessThan(STATS_TIMEOUT_MS + 5_000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
