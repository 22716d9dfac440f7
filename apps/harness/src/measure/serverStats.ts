import { request, type StatsSnapshot } from '@loopbench/contract';

/**
 * How long /stats may take: it is answered at once unless the server is still working off requests
 * queued by the run (a blocking server: at most C of them), so a server that takes longer is hung.
 */
export const STATS_TIMEOUT_MS = 10_000;

/** /stats from every worker of a server, by pid. Fresh connections reach the workers in turn. */
export async function collectStats(name: string, url: string, workers: number, reset = false): Promise<Map<number, StatsSnapshot>> {
  const byPid = new Map<number, StatsSnapshot>();
  for (let attempt = 0; attempt < workers * 6 && byPid.size < workers; attempt++) {
    const reply = await request(`${url}/stats${reset ? '?reset=1' : ''}`, { timeoutMs: STATS_TIMEOUT_MS }).catch((error: Error) => {
      throw new Error(
        error.message.includes('no answer within')
          ? `${name} did not answer /stats within ${STATS_TIMEOUT_MS / 1000} s: it is hung or stopped`
          : `${name}: /stats failed (${error.message})`,
      );
    });
    const stats = reply.json as StatsSnapshot;
    if (reply.status === 200 && !byPid.has(stats.pid)) byPid.set(stats.pid, stats);
  }
  return byPid;
}

/** Server-side signals over a window, from /stats before and after it. */
export interface ServerSignals {
  /** Mean over workers of the share of time each event loop was occupied. */
  eventLoopUtilization: number;
  /** CPU time over wall time, summed over workers: 1 is one core busy. */
  cpuUtilization: number;
  /** Highest per-worker count of requests inside a handler at once. */
  maxInFlight: number;
  /** Worst per-worker event-loop delay p99. */
  eventLoopDelayP99Ms: number;
  requestsHandled: number;
  /** CPU time per request handled, over all workers: the service time of CPU-bound work. */
  cpuPerRequestMs: number;
}

/** Deltas between two collections; undefined when a worker is missing from either. */
export function signalsBetween(before: Map<number, StatsSnapshot>, after: Map<number, StatsSnapshot>): ServerSignals | undefined {
  if (before.size === 0 || before.size !== after.size) return undefined;
  let elu = 0;
  let cpu = 0;
  let maxInFlight = 0;
  let delayP99 = 0;
  let requests = 0;
  let cpuMs = 0;
  for (const [pid, start] of before) {
    const end = after.get(pid);
    if (!end) return undefined;
    const activeMs = end.eventLoopActiveMs - start.eventLoopActiveMs;
    const idleMs = end.eventLoopIdleMs - start.eventLoopIdleMs;
    const wallMs = end.uptimeMs - start.uptimeMs;
    elu += activeMs / (activeMs + idleMs);
    const workerCpuMs = end.cpuUserMs + end.cpuSystemMs - start.cpuUserMs - start.cpuSystemMs;
    cpuMs += workerCpuMs;
    cpu += workerCpuMs / wallMs;
    maxInFlight = Math.max(maxInFlight, end.maxInFlight);
    delayP99 = Math.max(delayP99, end.eventLoopDelayMs.p99);
    requests += end.requestsHandled - start.requestsHandled;
  }
  return {
    eventLoopUtilization: elu / before.size,
    cpuUtilization: cpu,
    maxInFlight,
    eventLoopDelayP99Ms: delayP99,
    requestsHandled: requests,
    cpuPerRequestMs: requests > 0 ? cpuMs / requests : Number.NaN,
  };
}
