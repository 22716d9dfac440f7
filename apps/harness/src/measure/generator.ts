import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { GeneratorHealth } from '../results/results.js';

/** How busy one load generator's own process was during a run (results.json records it, so its shape is there). */
export type { GeneratorHealth };

/**
 * Past `busy` (event loop or CPU) the generator may have set the pace, not the server: the run is
 * generator-bound. Past `eventLoopDelayP99Ms` its timers ran late, so its latencies include its own stalls.
 */
export const GENERATOR_LIMITS = { busy: 0.9, eventLoopDelayP99Ms: 50 } as const;

/** As the servers' /stats recorder (the contract's): a finer sampler would cost the generator CPU it needs for load. */
const RESOLUTION_MS = 10;

/** Starts watching this process's event loop and CPU; call the result to stop and read them. */
export function watchGenerator(): () => GeneratorHealth {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  const start = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const startedAt = performance.now();
  return () => {
    delay.disable();
    const p99 = delay.count > 0 ? Math.max(0, delay.percentile(99) / 1e6 - RESOLUTION_MS) : 0;
    const used = process.cpuUsage(cpu);
    const wallMs = performance.now() - startedAt;
    return {
      eventLoopUtilization: performance.eventLoopUtilization(start).utilization,
      eventLoopDelayP99Ms: p99,
      cpuUtilization: wallMs > 0 ? (used.user + used.system) / 1000 / wallMs : 0,
      pid: process.pid,
    };
  };
}

/** The busier of its event loop and its CPU. */
export function busyShare(health: GeneratorHealth): number {
  return Math.max(health.eventLoopUtilization, health.cpuUtilization);
}

/** True when a generator was too busy to trust the run's figures as the server's. */
export function isGeneratorBound(healths: readonly GeneratorHealth[]): boolean {
  return healths.some((health) => busyShare(health) > GENERATOR_LIMITS.busy);
}
