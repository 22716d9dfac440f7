import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** How busy the load generator's own process was during a run. */
export interface GeneratorHealth {
  eventLoopUtilization: number;
  eventLoopDelayP99Ms: number;
}

/** Saturation limits: past these the generator, not the server, may have set the pace. */
export const GENERATOR_LIMITS = { eventLoopUtilization: 0.97, eventLoopDelayP99Ms: 50 } as const;

/** As the servers' probe: a finer sampler would cost the generator CPU it needs for load. */
const RESOLUTION_MS = 10;

/** Starts watching this process's event loop; call the result to stop and read it. */
export function watchGenerator(): () => GeneratorHealth {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  const start = performance.eventLoopUtilization();
  return () => {
    delay.disable();
    const p99 = delay.count > 0 ? Math.max(0, delay.percentile(99) / 1e6 - RESOLUTION_MS) : 0;
    return { eventLoopUtilization: performance.eventLoopUtilization(start).utilization, eventLoopDelayP99Ms: p99 };
  };
}

/** Why a generator reading makes a run untrustworthy, or undefined when it does not. */
export function generatorProblem(health: GeneratorHealth): string | undefined {
  if (health.eventLoopUtilization > GENERATOR_LIMITS.eventLoopUtilization) {
    return `load generator saturated (its event loop ${(health.eventLoopUtilization * 100).toFixed(0)}% busy)`;
  }
  if (health.eventLoopDelayP99Ms > GENERATOR_LIMITS.eventLoopDelayP99Ms) {
    return `load generator stalled (its event-loop delay p99 ${health.eventLoopDelayP99Ms.toFixed(0)} ms)`;
  }
  return undefined;
}
