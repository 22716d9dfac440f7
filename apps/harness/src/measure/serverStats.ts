import { request, type StatsSnapshot } from '@loopbench/contract';

/**
 * How long /stats may take: it is answered at once unless the server is still working off requests
 * queued by the run (a blocking server: at most C of them), so a server that takes longer is hung.
 */
export const STATS_TIMEOUT_MS = 10_000;

const REPEAT_PAUSE_MS = 50;

/**
 * /stats from every worker of a server, by pid. Fresh connections reach node:cluster's workers in turn.
 * A /stats that takes longer than `timeoutMs` fails the collection.
 */
export async function collectStats(
  name: string,
  url: string,
  workers: number,
  reset = false,
  timeoutMs = STATS_TIMEOUT_MS,
): Promise<Map<number, StatsSnapshot>> {
  const byPid = new Map<number, StatsSnapshot>();
  for (let attempt = 0; attempt < workers * 20 && byPid.size < workers; attempt++) {
    const reply = await request(`${url}/stats${reset ? '?reset=1' : ''}`, { timeoutMs }).catch((error: Error) => {
      throw new Error(
        error.message.includes('no answer within')
          ? `${name} did not answer /stats within ${timeoutMs / 1000} s: it is hung or stopped`
          : `${name}: /stats failed (${error.message})`,
      );
    });
    const stats = reply.json as StatsSnapshot;
    if (reply.status === 200 && !byPid.has(stats.pid)) byPid.set(stats.pid, stats);
    // A worker still busy with the run's last requests is not accepting: give it a moment (uvicorn's
    // and gunicorn's workers take connections as they get to them, not in turn).
    else await new Promise((resolve) => setTimeout(resolve, REPEAT_PAUSE_MS));
  }
  return byPid;
}

/**
 * Waits until no worker has a request in flight (by /stats), reading every `everyMs`, for at most
 * `timeoutMs`; whether it got there. A run's load stops with requests still queued inside a server
 * (waiting for a pool's connection); left there, they would be in flight in its next run, frozen meanwhile.
 */
export async function waitUntilIdle(name: string, url: string, workers: number, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const stats = await collectStats(name, url, workers);
    if ([...stats.values()].every((s) => s.inFlight === 0)) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Server-side signals over a window, from /stats before and after it. */
export interface ServerSignals {
  /** Mean over workers of the share of time each event loop was occupied; undefined where not measured. */
  eventLoopUtilization?: number;
  /** CPU time over wall time, summed over workers: 1 is one core busy. */
  cpuUtilization: number;
  /** Highest per-worker count of requests inside a handler at once. */
  maxInFlight: number;
  /** Worst per-worker event-loop delay p99; undefined where not measured. */
  eventLoopDelayP99Ms?: number;
  requestsHandled: number;
  /** Workers that handled any request: the kernel (or node:cluster) deals connections, and may leave one without. */
  workersServing: number;
  /** CPU time per request handled, over all workers: the service time of CPU-bound work. */
  cpuPerRequestMs: number;
}

/** Deltas between two collections; undefined when a worker is missing from either. */
export function signalsBetween(before: Map<number, StatsSnapshot>, after: Map<number, StatsSnapshot>): ServerSignals | undefined {
  if (before.size === 0 || before.size !== after.size) return undefined;
  // A server without an event loop (werkzeug, gunicorn's sync worker) reports its fields as null.
  let elu: number | undefined = 0;
  let delayP99: number | undefined = 0;
  let cpu = 0;
  let maxInFlight = 0;
  let requests = 0;
  let cpuMs = 0;
  let serving = 0;
  let servingElu = 0;
  for (const [pid, start] of before) {
    const end = after.get(pid);
    if (!end) return undefined;
    const wallMs = end.uptimeMs - start.uptimeMs;
    const [activeEnd, activeStart, idleEnd, idleStart] = [
      end.eventLoopActiveMs,
      start.eventLoopActiveMs,
      end.eventLoopIdleMs,
      start.eventLoopIdleMs,
    ];
    if (elu === undefined || activeEnd === null || activeStart === null || idleEnd === null || idleStart === null) elu = undefined;
    else elu += (activeEnd - activeStart) / (activeEnd - activeStart + idleEnd - idleStart);
    const handled = end.requestsHandled - start.requestsHandled;
    if (handled > 0) {
      serving += 1;
      if (elu !== undefined && activeEnd !== null && activeStart !== null && idleEnd !== null && idleStart !== null)
        servingElu += (activeEnd - activeStart) / (activeEnd - activeStart + idleEnd - idleStart);
    }
    const workerCpuMs = end.cpuUserMs + end.cpuSystemMs - start.cpuUserMs - start.cpuSystemMs;
    cpuMs += workerCpuMs;
    cpu += workerCpuMs / wallMs;
    maxInFlight = Math.max(maxInFlight, end.maxInFlight);
    delayP99 = delayP99 === undefined || end.eventLoopDelayMs === null ? undefined : Math.max(delayP99, end.eventLoopDelayMs.p99);
    requests += end.requestsHandled - start.requestsHandled;
  }
  return {
    // Of the workers that had requests to serve: an idle one says nothing of how its model waits.
    ...(elu === undefined ? {} : { eventLoopUtilization: serving > 0 ? servingElu / serving : elu / before.size }),
    cpuUtilization: cpu,
    maxInFlight,
    ...(delayP99 === undefined ? {} : { eventLoopDelayP99Ms: delayP99 }),
    requestsHandled: requests,
    workersServing: serving,
    cpuPerRequestMs: requests > 0 ? cpuMs / requests : Number.NaN,
  };
}
