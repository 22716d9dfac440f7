import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { countTo, sleepAsync, sleepBlocking } from './work.js';

describe('sleepBlocking', () => {
  it('blocks the thread: a timer due meanwhile fires only after it', async () => {
    const fired: number[] = [];
    const started = performance.now();
    setTimeout(() => fired.push(performance.now() - started), 10);
    sleepBlocking(150);
    const blockedMs = performance.now() - started;
    expect(fired).toEqual([]);
    await sleepAsync(20);
    expect(fired[0]).toBeGreaterThanOrEqual(blockedMs);
  });

  it('uses almost no CPU while it waits', () => {
    const before = process.cpuUsage();
    sleepBlocking(200);
    const used = process.cpuUsage(before);
    expect((used.user + used.system) / 1000).toBeLessThan(50);
  });
});

describe('sleepAsync', () => {
  it('lets a timer due meanwhile fire during the wait', async () => {
    let fired = false;
    setTimeout(() => {
      fired = true;
    }, 10);
    await sleepAsync(100);
    expect(fired).toBe(true);
  });
});

describe('countTo', () => {
  it('counts, and its time grows with the count', () => {
    expect(countTo(0)).toBe(0);
    expect(countTo(12_345)).toBe(12_345);
    countTo(1_000_000);
    const small = performance.now();
    countTo(2_000_000);
    const smallMs = performance.now() - small;
    const large = performance.now();
    countTo(40_000_000);
    const largeMs = performance.now() - large;
    expect(largeMs / smallMs).toBeGreaterThan(4);
  });
});
