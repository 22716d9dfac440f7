import { performance } from 'node:perf_hooks';
import { request, type StatsSnapshot } from '@loopbench/contract';
import { TIMELINE_LIMITS, type Timeline, type TimelineRequest, type TimelineSample } from '../results/results.js';

// A timeline is part of results.json: its shape and bounds are described there (results/schema.ts).
export { TIMELINE_LIMITS, type Timeline, type TimelineRequest, type TimelineSample } from '../results/results.js';

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * A run's timeline: keeps at most TIMELINE_LIMITS.requests requests, rounded, in ms from `origin`,
 * and reads the server's /stats (at `statsUrl`) until finished.
 */
export class TimelineRecorder {
  readonly requests: TimelineRequest[] = [];
  private readonly sampler: ReturnType<typeof sampleStats>;

  constructor(
    private readonly origin: number,
    statsUrl: string,
  ) {
    this.sampler = sampleStats(statsUrl, origin);
  }

  /** Stops reading /stats; keeps the readings from `fromMs` to just after the last answer. */
  async finish(fromMs: number): Promise<Timeline> {
    const samples = await this.sampler.stop();
    const lastAnswer = this.requests.reduce((last, r) => Math.max(last, r[3]), fromMs);
    return { requests: this.requests, samples: samplesWithin(samples, fromMs, lastAnswer + TIMELINE_LIMITS.sampleEveryMs) };
  }

  get full(): boolean {
    return this.requests.length >= TIMELINE_LIMITS.requests;
  }

  add(row: number, planned: number, sent: number, answered: number, servedMs: number | undefined): void {
    if (this.full) return;
    const o = this.origin;
    this.requests.push([row, round(planned - o), round(sent - o), round(answered - o), round(servedMs ?? 0)]);
  }
}

/** The readings whose interval overlaps `from`..`to` ms of the timeline, for the chart beside its requests. */
export function samplesWithin(samples: readonly TimelineSample[], fromMs: number, toMs: number): TimelineSample[] {
  return samples.filter(([from, to]) => to >= fromMs && from <= toMs);
}

/** The event loop's occupied share between two readings; null when the server does not measure it, undefined when no time passed. */
function loopShare(last: StatsSnapshot, now: StatsSnapshot): number | null | undefined {
  if (now.eventLoopActiveMs === null || last.eventLoopActiveMs === null || now.eventLoopIdleMs === null || last.eventLoopIdleMs === null) {
    return null;
  }
  const active = now.eventLoopActiveMs - last.eventLoopActiveMs;
  const idle = now.eventLoopIdleMs - last.eventLoopIdleMs;
  return active + idle > 0 ? round(active / (active + idle)) : undefined;
}

/**
 * Reads the server's /stats every `everyMs` (one reading at a time: a blocking server answers it
 * only between requests, so its readings come further apart) until stopped. Each reading covers the
 * interval since the same process's previous one; times are ms from `origin`.
 */
export function sampleStats(url: string, origin: number, everyMs: number = TIMELINE_LIMITS.sampleEveryMs) {
  const samples: TimelineSample[] = [];
  const previous = new Map<number, { stats: StatsSnapshot; at: number }>();
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      const sentAt = performance.now();
      const reply = await request(`${url}/stats`, { timeoutMs: 10_000 }).catch(() => undefined);
      const at = performance.now();
      if (reply?.status === 200) {
        const stats = reply.json as StatsSnapshot;
        const seen = previous.get(stats.pid);
        previous.set(stats.pid, { stats, at });
        if (seen) {
          const last = seen.stats;
          const share = loopShare(last, stats);
          const cpu = stats.cpuUserMs + stats.cpuSystemMs - last.cpuUserMs - last.cpuSystemMs;
          const wall = stats.uptimeMs - last.uptimeMs;
          if (wall > 0 && share !== undefined) {
            samples.push([round(seen.at - origin), round(at - origin), share, round(cpu / wall), stats.inFlight, round(at - sentAt)]);
          }
        }
      }
      const pause = Math.max(0, sentAt + everyMs - performance.now());
      if (!stopped)
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, pause);
        });
    }
  })();
  return {
    async stop(): Promise<TimelineSample[]> {
      stopped = true;
      wake?.();
      await loop;
      return samples;
    },
  };
}
