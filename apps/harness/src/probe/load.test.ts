import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../analysis/random.js';
import { type Exchange, overtaken, runLoad, windowFigures } from './load.js';
import { probeServer } from './probe.js';

type Order = 'fifo' | 'random' | 'lifo';

/**
 * A server that serves one request at a time, each for `serviceMs` (up to `jitter` times more), to
 * `connections` closed-loop connections opened 2 ms apart, in the given order, until `horizonMs`.
 */
function serialTimeline(connections: number, serviceMs: number, order: Order, horizonMs: number, jitter = 0, seed = 1): Exchange[][] {
  const random = seededRandom(seed);
  const all: Exchange[][] = Array.from({ length: connections }, () => []);
  const queue = all.map((exchanges, i) => {
    const exchange = { sentAt: i * 2, ok: false };
    exchanges.push(exchange);
    return { connection: i, exchange } as { connection: number; exchange: Exchange };
  });
  let now = 0;
  while (now < horizonMs) {
    const ready = queue.filter((q) => q.exchange.sentAt <= now);
    if (ready.length === 0) {
      now = Math.min(...queue.map((q) => q.exchange.sentAt));
      continue;
    }
    const pick = order === 'fifo' ? ready[0] : order === 'lifo' ? ready.at(-1) : ready[Math.floor(random() * ready.length)];
    const picked = pick as { connection: number; exchange: Exchange };
    queue.splice(queue.indexOf(picked), 1);
    now += serviceMs * (1 + jitter * random());
    picked.exchange.endedAt = now;
    picked.exchange.ok = true;
    const next = { sentAt: now + 0.1, ok: false };
    all[picked.connection]?.push(next);
    queue.push({ connection: picked.connection, exchange: next });
  }
  return all;
}

/** Connections served side by side, each request `serviceMs` up to `jitter` times more: answers come in waves. */
function sideBySide(connections: number, serviceMs: number, horizonMs: number, jitter: number, seed = 1): Exchange[][] {
  const random = seededRandom(seed);
  return Array.from({ length: connections }, (_, i) => {
    const exchanges: Exchange[] = [];
    for (let sentAt = i * 2; sentAt < horizonMs; ) {
      const endedAt = sentAt + serviceMs * (1 + jitter * random());
      exchanges.push({ sentAt, endedAt, ok: true });
      sentAt = endedAt + 0.1;
    }
    return exchanges;
  });
}

/** Issue #24's estimator: every answer after the window's start, over the time from its start to the last one. */
function fromStartToLastAnswer(all: readonly Exchange[][], from: number, to: number): number {
  const answers = all.flat().flatMap((e) => (e.endedAt !== undefined && e.endedAt >= from && e.endedAt < to ? [e.endedAt] : []));
  return (answers.length / (Math.max(...answers) - from)) * 1000;
}

const phases = (count: number, step: number) => Array.from({ length: count }, (_, i) => 1000 + i * step);

describe('windowFigures', () => {
  it('reads a first-come-first-served serial server at 1/S, for windows shorter than a connection cycle, where the old estimator read high', () => {
    // 10 connections, S = 50 ms: each connection's cycle is 500 ms.
    const all = serialTimeline(10, 50, 'fifo', 6000);
    const old: number[] = [];
    for (const windowMs of [150, 300, 500, 1000]) {
      for (const from of phases(17, 13)) {
        const rps = windowFigures(all, from, from + windowMs).throughputRps;
        expect(rps).toBeGreaterThan(0.995 * 20);
        expect(rps).toBeLessThanOrEqual(20 * 1.000001);
        old.push(fromStartToLastAnswer(all, from, from + windowMs));
      }
    }
    expect(Math.max(...old)).toBeGreaterThan(1.1 * 20);
  });

  it('never reads a serial server above 1/S, whatever order it serves in', () => {
    for (const order of ['fifo', 'random', 'lifo'] as const) {
      for (const seed of [1, 2, 3]) {
        // Services of 50 to 75 ms: at most 20 a second, about 16 on average.
        const all = serialTimeline(8, 50, order, 8000, 0.5, seed);
        for (const from of phases(9, 37)) {
          const { throughputRps } = windowFigures(all, from, from + 600);
          expect(throughputRps, `${order} ${seed} ${from}`).toBeLessThanOrEqual(20);
          expect(throughputRps, `${order} ${seed} ${from}`).toBeGreaterThan(13);
        }
      }
    }
  });

  it('reads connections served side by side at C/S, though their answers come in waves', () => {
    const all = sideBySide(10, 200, 6000, 0.02);
    for (const from of phases(20, 23)) {
      const { throughputRps } = windowFigures(all, from, from + 1000);
      // Cycles of 200 to 204 ms: 49 to 50 a second.
      expect(throughputRps).toBeGreaterThan(48.5);
      expect(throughputRps).toBeLessThan(50.1);
    }
  });

  it('gives no span to a connection whose request the window cut was not answered, and takes latency from the window only', () => {
    const all: Exchange[][] = [
      [
        { sentAt: 0, endedAt: 100, ok: true },
        { sentAt: 100, endedAt: 200, ok: true },
        { sentAt: 200, endedAt: 300, ok: true },
      ],
      [{ sentAt: 150, ok: false }],
    ];
    const figures = windowFigures(all, 50, 250);
    expect(figures.spanMs).toBe(200);
    expect(figures.throughputRps).toBeCloseTo(10, 6);
    expect(figures.measured).toBe(2);
    expect(figures.latencyMeanMs).toBe(100);
    expect(windowFigures(all, 400, 500).throughputRps).toBeNaN();
  });
});

describe('overtaken', () => {
  it('tells a request overtaken three times by another connection', () => {
    const waiting: Exchange = { sentAt: 10, ok: false };
    const lapping = (laps: number): Exchange[] =>
      Array.from({ length: laps }, (_, i) => ({ sentAt: 20 + i * 10, endedAt: 30 + i * 10, ok: true }));
    expect(overtaken(waiting, [[waiting], lapping(2)], 3)).toBe(false);
    expect(overtaken(waiting, [[waiting], lapping(3)], 3)).toBe(true);
  });
});

/**
 * A server that serves one request at a time, first come first served, each /slow for SERVICE_MS on
 * a timer chain (a blocking server that burns no CPU); /fast waits its turn too, then answers at once.
 */
const SERVICE_MS = 50;
let stub: http.Server;
let url = '';

beforeAll(async () => {
  const queue: (() => void)[] = [];
  let busy = false;
  const next = () => {
    const job = queue.shift();
    busy = job !== undefined;
    job?.();
  };
  stub = http.createServer((req, res) => {
    queue.push(() => {
      // A request whose client has gone (a load that stopped) is dropped, so each test starts on an idle server.
      if (req.socket.destroyed) return next();
      setTimeout(
        () => {
          res.end('ok');
          next();
        },
        req.url === '/slow' ? SERVICE_MS : 0,
      );
    });
    if (!busy) next();
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
});

afterAll(async () => {
  stub.closeAllConnections();
  await new Promise((resolve) => stub.close(resolve));
});

describe('the probe against a serial server', { timeout: 15_000 }, () => {
  const perS = 1000 / SERVICE_MS;

  it('reads its throughput at no more than 1/S over a window shorter than a connection cycle, waiting for the requests the window cut', async () => {
    // 8 connections: each cycle is 400 ms, the window 300.
    const load = await runLoad({
      url: `${url}/slow`,
      connections: 8,
      warmupS: 0.15,
      durationS: 0.3,
      timeoutMs: 5000,
      connectSpacingMs: 2,
      silentMs: 1000,
    });
    expect(load).toMatchObject({ errors: 0, timeouts: 0, non2xx: 0, leftWaiting: 0, answeredConnections: 8 });
    expect(load.throughputRps).toBeLessThanOrEqual(perS * 1.03);
    expect(load.throughputRps).toBeGreaterThanOrEqual(perS * 0.7);
    expect(load.waitedMs).toBeGreaterThan(0);
    // Requests sent in the window wait behind the 7 others: about 8·S each.
    expect(load.latencyMeanMs).toBeGreaterThan(6 * SERVICE_MS);
  });

  it('finds it blocking, one request at a time and not more', async () => {
    const result = await probeServer({ url, slow: '/slow', fast: '/fast', connections: 6, durationS: 1 });
    expect(result.verdict).toBe('blocking');
    expect(result.throughputRps).toBeLessThanOrEqual(perS * 1.03);
    expect(result.throughputRps).toBeGreaterThanOrEqual(perS * 0.7);
    expect(result.unansweredConnections).toBe(0);
  });
});
