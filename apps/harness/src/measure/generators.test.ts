import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProblems } from '../kinds/problems.js';
import { decodeHistogram, latencyHistogram } from '../results/histogram.js';
import { withWorkspaceServers } from '../run/loopbench.testing.js';
import { stallPlan } from './arrivals.js';
import type { ClosedLoopResult } from './closedLoop.js';
import { isGeneratorBound } from './generator.js';
import { generateClosedLoop, generateOpenLoop, shares } from './generators.js';
import { mergeClosedLoop } from './merge.js';
import { runInGenerators } from './pool.js';

const ANSWER = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\nserver-timing: app;dur=0.010\r\n\r\nHello';

/**
 * Answers every request with a canned response, without parsing HTTP: far cheaper per request than
 * any generator, so under enough connections the generator, not this server, sets the pace.
 */
function cannedServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    let tail = '';
    socket.on('data', (chunk) => {
      const text = tail + chunk.toString('latin1');
      const requests = text.split('\r\n\r\n');
      tail = requests.pop() ?? '';
      if (requests.length > 0) socket.write(ANSWER.repeat(requests.length));
    });
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    }),
  );
}

let target: Awaited<ReturnType<typeof cannedServer>>;
beforeAll(async () => {
  target = await cannedServer();
});
afterAll(() => target.close());

describe('shares', () => {
  it('splits a whole number into near-equal parts that add up, larger ones first', () => {
    expect(shares(10, 3)).toEqual([4, 3, 3]);
    expect(shares(10, 1)).toEqual([10]);
    expect(shares(2, 2)).toEqual([1, 1]);
    expect(shares(7, 7).reduce((a, b) => a + b)).toBe(7);
  });
});

describe('load generators in their own processes', { timeout: 60_000 }, () => {
  const load = (connections: number) => ({ url: `${target.url}/hello`, connections, warmupS: 0.2, durationS: 0.5, timeoutS: 10 });

  it('merges two generators exactly: every histogram bucket is the sum of the two', async () => {
    const results = await runInGenerators<ClosedLoopResult>(
      () => [
        { kind: 'closed-loop', options: load(3) },
        { kind: 'closed-loop', options: load(2) },
      ],
      2,
    );
    expect(results).toHaveLength(2);
    const merged = mergeClosedLoop(results);
    const [a, b] = results.map((r) => decodeHistogram(r.latencyHistogram));
    const sum = latencyHistogram();
    sum.add(a as ReturnType<typeof latencyHistogram>);
    sum.add(b as ReturnType<typeof latencyHistogram>);
    const together = decodeHistogram(merged.latencyHistogram);
    expect(a?.totalCount).toBeGreaterThan(0);
    expect(b?.totalCount).toBeGreaterThan(0);
    expect(together.totalCount).toBe((a?.totalCount ?? 0) + (b?.totalCount ?? 0));
    for (const p of [1, 10, 50, 90, 99, 99.9, 100]) expect(together.getValueAtPercentile(p)).toBe(sum.getValueAtPercentile(p));
    expect(merged.latencyMs.count).toBe(together.totalCount);
    expect(merged.responses).toBe((results[0]?.responses ?? 0) + (results[1]?.responses ?? 0));
    expect(merged.throughputRps).toBeCloseTo((results[0]?.throughputRps ?? 0) + (results[1]?.throughputRps ?? 0), 6);
    // Different processes: each measured its own event loop and CPU.
    expect(merged.generators).toHaveLength(2);
    expect(merged.generators.every((g) => g.cpuUtilization > 0)).toBe(true);
  });

  it('shares connections out over --generators and reports each generator', async () => {
    const result = await generateClosedLoop(load(5), 2);
    expect(result.generators).toHaveLength(2);
    expect(result.errors + result.non2xx + result.timeouts).toBe(0);
    expect(result.measured).toBeGreaterThan(0);
    // No more generators than connections.
    expect((await generateClosedLoop(load(1), 3)).generators).toHaveLength(1);
  });

  it('flags a generator-bound run: 1,000 connections against a server far cheaper than the generator', async () => {
    const result = await generateClosedLoop({ ...load(1000), warmupS: 0.5, durationS: 1 }, 1);
    expect(isGeneratorBound(result.generators), JSON.stringify(result.generators)).toBe(true);
    expect(loadProblems(result).join('\n')).toMatch(/^generator-bound: the load generator was \d+% busy/m);
  });

  it('sends one open-loop plan from two generators on one clock', async () => {
    const plan = stallPlan({ ratePerS: 200, durationMs: 500, stallAtMs: 100, stallMs: 0 });
    const result = await generateOpenLoop({ url: target.url, plan, timeoutMs: 5_000 }, 2);
    expect(result.generators).toHaveLength(2);
    expect(result.planned).toBe(plan.length);
    expect(result.answered).toBe(plan.length);
    expect(result.fast.answered + result.slow.answered).toBe(plan.length);
    // Each generator kept to the shared plan: none fell behind it by more than a few ms.
    expect(result.sendLagMs.p99).toBeLessThan(20);
  });

  it('stops its generators when the run is aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 500);
    const result = await generateClosedLoop({ ...load(2), durationS: 30, signal: controller.signal }, 2);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.generators).toHaveLength(2);
  });
});

describe('several generators on one blocking server', () => {
  const server = withWorkspaceServers(['express-blocking']);

  it('measure one window: the merged throughput stays at its limit 1/S, each connection in the round before any is timed', {
    timeout: 60_000,
  }, async () => {
    // express-blocking takes one more connection into its round per request it serves: with a window
    // of its own, one generator measured while the other's connections still queued: 65 req/s against 50.
    const load = await generateClosedLoop(
      { url: `${server('express-blocking').url}/sleep?ms=20`, connections: 10, warmupS: 0.1, durationS: 1, minCycles: 2, timeoutS: 30 },
      2,
    );
    expect(load.generators).toHaveLength(2);
    expect(load.answeredConnections).toBe(10);
    expect(load.throughputRps).toBeLessThan((1000 / 20) * 1.05);
    expect(load.throughputRps).toBeGreaterThan((1000 / 20) * 0.8);
    // Every connection waits its turn behind the other nine: a cycle of 10·S.
    expect(load.latencyMs.mean).toBeGreaterThan(10 * 20 * 0.9);
  });
});
