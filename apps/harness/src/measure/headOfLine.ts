import { setTimeout as delay } from 'node:timers/promises';
import { type HttpReply, request } from '@loopbench/contract';
import { median } from '../analysis/stats.js';

export interface HeadOfLineTrialOptions {
  /** The server's origin, e.g. http://127.0.0.1:3000. */
  url: string;
  slowTarget: string;
  fastTarget: string;
  /** When the fast request is sent after the slow one. */
  offsetMs: number;
  timeoutMs: number;
  baselineSamples?: number;
  /** Stops the trial: its requests are destroyed and it rejects. */
  signal?: AbortSignal;
}

export interface HeadOfLineTrial {
  /** Median latency of the fast request on the idle server. */
  baselineLatencyMs: number;
  baseline: HttpReply[];
  fast: HttpReply;
  slow: HttpReply;
  /** When the fast request actually left, after the slow one. */
  actualOffsetMs: number;
}

/**
 * The articles' two-terminal experiment, timed: the fast request a few times on the idle server,
 * then the slow one at t0 and the fast one on a fresh connection at t0 + Δ.
 */
export async function headOfLineTrial(options: HeadOfLineTrialOptions): Promise<HeadOfLineTrial> {
  const { url, slowTarget, fastTarget, offsetMs, timeoutMs, baselineSamples = 5, signal } = options;
  const sent = { timeoutMs, ...(signal ? { signal } : {}) };
  const baseline: HttpReply[] = [];
  for (let i = 0; i < baselineSamples; i++) baseline.push(await request(url + fastTarget, sent));
  signal?.throwIfAborted();
  const t0 = performance.now();
  const slowReply = request(url + slowTarget, sent);
  // Settled here too, so an abort during the offset leaves no rejection unheard.
  slowReply.catch(() => undefined);
  await delay(Math.max(0, offsetMs - (performance.now() - t0)), undefined, signal ? { signal } : {});
  const actualOffsetMs = performance.now() - t0;
  const [fast, slow] = await Promise.all([request(url + fastTarget, sent), slowReply]);
  return { baselineLatencyMs: median(baseline.map((r) => r.latencyMs)), baseline, fast, slow, actualOffsetMs };
}

/** How much of the slow request's remaining time the fast one waited: 1 behind it, 0 beside it. */
export function blockingIndex(trial: Pick<HeadOfLineTrial, 'baselineLatencyMs' | 'fast' | 'actualOffsetMs'>, slowMs: number): number {
  return (trial.fast.latencyMs - trial.baselineLatencyMs) / (slowMs - trial.actualOffsetMs);
}

export interface HeadOfLineOptions {
  url: string;
  sleepMs: number;
  offsetMs: number;
  baselineSamples?: number;
  signal?: AbortSignal;
}

export interface HeadOfLineResult {
  baselineLatencyMs: number;
  fastLatencyMs: number;
  slowLatencyMs: number;
  /** When /fast was actually sent, after /sleep. */
  actualOffsetMs: number;
  holDelayMs: number;
  blockingIndex: number;
  /** The answers themselves, for the caller to check against the contract. */
  fast: HttpReply;
  slow: HttpReply;
}

/** The trial on the contract's routes: /sleep?ms=S and /fast. D = L_fast − B and β = D / (S − Δ). */
export async function measureHeadOfLine(options: HeadOfLineOptions): Promise<HeadOfLineResult> {
  const { url, sleepMs, offsetMs, baselineSamples = 5, signal } = options;
  const trial = await headOfLineTrial({
    url,
    slowTarget: `/sleep?ms=${sleepMs}`,
    fastTarget: '/fast',
    offsetMs,
    timeoutMs: sleepMs * 3 + 5_000,
    baselineSamples,
    ...(signal ? { signal } : {}),
  });
  return {
    baselineLatencyMs: trial.baselineLatencyMs,
    fastLatencyMs: trial.fast.latencyMs,
    slowLatencyMs: trial.slow.latencyMs,
    actualOffsetMs: trial.actualOffsetMs,
    holDelayMs: trial.fast.latencyMs - trial.baselineLatencyMs,
    blockingIndex: blockingIndex(trial, sleepMs),
    fast: trial.fast,
    slow: trial.slow,
  };
}
