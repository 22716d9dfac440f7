import { type HttpReply, request } from '@loopbench/contract';
import { median } from '../analysis/stats.js';
import { generatorsProblems } from '../kinds/problems.js';
import { generateClosedLoop } from '../measure/generators.js';
import { blockingIndex, headOfLineTrial } from '../measure/headOfLine.js';

/** What a probe finds: one request at a time, a fixed limit, or requests that overlap freely. */
export type Behaviour = 'blocking' | 'limited' | 'concurrent';
export const BEHAVIOURS: readonly Behaviour[] = ['blocking', 'limited', 'concurrent'];

export interface ProbeSettings {
  /** The server's base URL, e.g. http://127.0.0.1:8000. */
  url: string;
  /** A path that waits (e.g. one that sleeps or queries a database), and one that answers at once. */
  slow: string;
  fast: string;
  connections: number;
  durationS: number;
}

export interface ProbeResult {
  /** Called verdict in --json and --expect, as users know it. */
  verdict: Behaviour;
  /** β: the share of the slow request's remaining time the fast one waited (1 behind it, 0 beside it). */
  blockingIndex: number;
  /** Requests served at once, by Little's law: N = X·S. */
  concurrency: number;
  /** The fast path alone, median. */
  fastLatencyMs: number;
  /** The slow path alone, median: S. */
  slowLatencyMs: number;
  /** The fast path sent while the slow one was in flight. */
  fastBehindSlowMs: number;
  /** Throughput X of the slow path under `connections` closed-loop connections. */
  throughputRps: number;
  /** Why the load figure may be the generator's, not the server's; absent when it is not. */
  generatorWarning?: string;
  settings: ProbeSettings & { offsetMs: number; warmupS: number };
}

/** What went wrong, with the exit code: 2 when the user can change a setting, 1 when the server cannot be reached or measured. */
export class ProbeError extends Error {
  override name = 'ProbeError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

export const PROBE_LIMITS = {
  connections: { min: 2, max: 256, default: 10 },
  durationS: { min: 1, max: 60, default: 3 },
  /** A slow path longer than this is not one to probe with. */
  slowMsMax: 10_000,
  /** Requests of each path alone. */
  fastSamples: 5,
  slowSamples: 3,
} as const;

/** Few requests at a time overlap: 1.5 or fewer is one at a time; 80% of the connections or more is no limit up to C. */
export function classify(concurrency: number, connections: number): Behaviour {
  if (concurrency < 1.5) return 'blocking';
  if (concurrency >= 0.8 * connections) return 'concurrent';
  return 'limited';
}

async function get(url: string, target: string, timeoutMs: number, flag: string): Promise<HttpReply> {
  let reply: HttpReply;
  try {
    reply = await request(url + target, { timeoutMs });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (message.includes('no answer within')) {
      throw new ProbeError(`GET ${target} did not answer within ${timeoutMs / 1000} s; give a ${flag} path that answers sooner`, 2);
    }
    throw new ProbeError(`nothing answers at ${url} (${code ?? message}): start the server, or give the URL it listens on`, 1);
  }
  if (reply.status < 200 || reply.status > 299) {
    throw new ProbeError(`GET ${target} answered ${reply.status} (${reply.body.slice(0, 80)}); give a ${flag} path that answers 2xx`, 2);
  }
  return reply;
}

async function alone(url: string, target: string, samples: number, flag: string): Promise<number> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) latencies.push((await get(url, target, PROBE_LIMITS.slowMsMax * 2, flag)).latencyMs);
  return median(latencies);
}

/**
 * Probes a running server from outside: the fast path's latency alone, the head-of-line trial
 * (the fast path sent while the slow one is in flight), then C closed-loop connections on the slow
 * path. With S the slow path alone and X the throughput under load, N = X·S requests were served at
 * once (Little's law).
 */
export async function probeServer(settings: ProbeSettings, step: (text: string) => void = () => {}): Promise<ProbeResult> {
  const { url, slow, fast, connections, durationS } = settings;
  step(`${fast} alone`);
  const fastLatencyMs = await alone(url, fast, PROBE_LIMITS.fastSamples, '--fast');
  step(`${slow} alone`);
  const slowLatencyMs = await alone(url, slow, PROBE_LIMITS.slowSamples, '--slow');
  if (slowLatencyMs > PROBE_LIMITS.slowMsMax) {
    throw new ProbeError(`GET ${slow} took ${Math.round(slowLatencyMs)} ms; give a --slow path that waits 0.1 to 5 s`, 2);
  }
  if (slowLatencyMs < 2 * fastLatencyMs || slowLatencyMs - fastLatencyMs < 20) {
    throw new ProbeError(
      `GET ${slow} (${slowLatencyMs.toFixed(1)} ms) is not slower than GET ${fast} (${fastLatencyMs.toFixed(1)} ms), so nothing can be told; give a --slow path that waits 0.1 to 5 s, e.g. one that sleeps or queries a database`,
      2,
    );
  }
  const minimumS = Math.ceil((2 * slowLatencyMs) / 1000);
  if (durationS < minimumS) {
    throw new ProbeError(
      `--duration ${durationS} is too short for a slow path of ${Math.round(slowLatencyMs)} ms; give --duration ${minimumS} or more`,
      2,
    );
  }

  step('head-of-line trial');
  const offsetMs = Math.min(100, Math.max(5, Math.round(slowLatencyMs / 10)));
  const trial = await headOfLineTrial({ url, slowTarget: slow, fastTarget: fast, offsetMs, timeoutMs: PROBE_LIMITS.slowMsMax * 3 });
  for (const [flag, reply] of [
    ['--fast', trial.fast],
    ['--slow', trial.slow],
  ] as const) {
    if (reply.status < 200 || reply.status > 299) throw new ProbeError(`a ${flag} request answered ${reply.status} during the trial`, 2);
  }

  step(`${connections} connections on ${slow} for ${durationS} s`);
  const warmupS = Math.min(2, Math.max(0.2, (2 * slowLatencyMs) / 1000));
  const load = await generateClosedLoop({
    url: url + slow,
    connections,
    warmupS,
    durationS,
    timeoutS: (PROBE_LIMITS.slowMsMax * 3) / 1000,
  });
  if (load.non2xx > 0) throw new ProbeError(`${load.non2xx} of ${load.responses} ${slow} requests under load answered non-2xx`, 2);
  if (load.errors + load.timeouts > 0 || !Number.isFinite(load.throughputRps)) {
    throw new ProbeError(
      `under ${connections} connections ${slow} had ${load.errors} connection errors and ${load.timeouts} timeouts; try fewer --connections`,
      1,
    );
  }
  const concurrency = (load.throughputRps * slowLatencyMs) / 1000;
  const warning = generatorsProblems(load.generators)[0];
  return {
    verdict: classify(concurrency, connections),
    blockingIndex: blockingIndex(trial, slowLatencyMs),
    concurrency,
    fastLatencyMs,
    slowLatencyMs,
    fastBehindSlowMs: trial.fast.latencyMs,
    throughputRps: load.throughputRps,
    ...(warning ? { generatorWarning: warning } : {}),
    settings: { ...settings, offsetMs, warmupS },
  };
}
