import { describe, expect, it } from 'vitest';
import { createStatsRecorder } from './serverStats.js';

describe('createStatsRecorder', () => {
  it('tracks in-flight requests and their maximum', () => {
    const stats = createStatsRecorder('non-blocking');
    const a = stats.begin();
    const b = stats.begin();
    expect(stats.snapshot()).toMatchObject({ inFlight: 2, maxInFlight: 2, requestsHandled: 0 });
    a();
    a();
    expect(stats.snapshot()).toMatchObject({ inFlight: 1, maxInFlight: 2, requestsHandled: 1 });
    b();
    expect(stats.snapshot()).toMatchObject({ inFlight: 0, maxInFlight: 2, requestsHandled: 2, model: 'non-blocking', pid: process.pid });
  });

  it('starts a new window on reset: the maximum restarts from what is in flight', () => {
    const stats = createStatsRecorder('blocking');
    const a = stats.begin();
    stats.begin()();
    const first = stats.snapshot({ reset: true });
    expect(first.maxInFlight).toBe(2);
    expect(stats.snapshot()).toMatchObject({ maxInFlight: 1, inFlight: 1 });
    expect(stats.snapshot().windowStartedAtMs).toBeGreaterThan(first.windowStartedAtMs);
    a();
  });

  it('reports cumulative CPU and event-loop counters that only grow', () => {
    const stats = createStatsRecorder('blocking');
    const first = stats.snapshot();
    let spin = 0;
    for (let i = 0; i < 5_000_000; i++) spin += i;
    const second = stats.snapshot();
    expect(spin).toBeGreaterThan(0);
    expect(second.cpuUserMs + second.cpuSystemMs).toBeGreaterThan(first.cpuUserMs + first.cpuSystemMs);
    expect(second.eventLoopActiveMs + second.eventLoopIdleMs).toBeGreaterThanOrEqual(first.eventLoopActiveMs + first.eventLoopIdleMs);
    expect(second.uptimeMs).toBeGreaterThan(first.uptimeMs);
  });
});
