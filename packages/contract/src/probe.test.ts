import { describe, expect, it } from 'vitest';
import { createProbe } from './probe.js';

describe('createProbe', () => {
  it('tracks in-flight requests and their maximum', () => {
    const probe = createProbe('non-blocking');
    const a = probe.begin();
    const b = probe.begin();
    expect(probe.snapshot()).toMatchObject({ inFlight: 2, maxInFlight: 2, requestsHandled: 0 });
    a();
    a();
    expect(probe.snapshot()).toMatchObject({ inFlight: 1, maxInFlight: 2, requestsHandled: 1 });
    b();
    expect(probe.snapshot()).toMatchObject({ inFlight: 0, maxInFlight: 2, requestsHandled: 2, model: 'non-blocking', pid: process.pid });
  });

  it('starts a new window on reset: the maximum restarts from what is in flight', () => {
    const probe = createProbe('blocking');
    const a = probe.begin();
    probe.begin()();
    const first = probe.snapshot({ reset: true });
    expect(first.maxInFlight).toBe(2);
    expect(probe.snapshot()).toMatchObject({ maxInFlight: 1, inFlight: 1 });
    expect(probe.snapshot().windowStartedAtMs).toBeGreaterThan(first.windowStartedAtMs);
    a();
  });

  it('reports cumulative CPU and event-loop counters that only grow', () => {
    const probe = createProbe('blocking');
    const first = probe.snapshot();
    let spin = 0;
    for (let i = 0; i < 5_000_000; i++) spin += i;
    const second = probe.snapshot();
    expect(spin).toBeGreaterThan(0);
    expect(second.cpuUserMs + second.cpuSystemMs).toBeGreaterThan(first.cpuUserMs + first.cpuSystemMs);
    expect(second.eventLoopActiveMs + second.eventLoopIdleMs).toBeGreaterThanOrEqual(first.eventLoopActiveMs + first.eventLoopIdleMs);
    expect(second.uptimeMs).toBeGreaterThan(first.uptimeMs);
  });
});
