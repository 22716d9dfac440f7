import { setTimeout as delay } from 'node:timers/promises';
import { type HttpReply, request } from '@loopbench/contract';
import { median } from '../stats.js';

export interface HeadOfLineOptions {
  url: string;
  sleepMs: number;
  offsetMs: number;
  baselineSamples?: number;
}

export interface HeadOfLineResult {
  baselineLatencyMs: number;
  fastLatencyMs: number;
  slowLatencyMs: number;
  /** When /fast was actually sent, after /sleep. */
  actualOffsetMs: number;
  holDelayMs: number;
  blockingIndex: number;
  problems: string[];
}

function problem(name: string, reply: HttpReply, expected: unknown): string | undefined {
  if (reply.status !== 200) return `${name} answered ${reply.status}`;
  if (JSON.stringify(reply.json) !== JSON.stringify(expected)) return `${name} answered ${reply.body.slice(0, 80)}`;
  return undefined;
}

/**
 * The articles' two-terminal experiment, timed: B = median /fast latency on the idle server; then
 * /sleep?ms=S at t0 and /fast on a fresh connection at t0 + Δ. D = L_fast − B and β = D / (S − Δ).
 */
export async function measureHeadOfLine(options: HeadOfLineOptions): Promise<HeadOfLineResult> {
  const { url, sleepMs, offsetMs, baselineSamples = 5 } = options;
  const baseline: number[] = [];
  for (let i = 0; i < baselineSamples; i++) baseline.push((await request(`${url}/fast`)).latencyMs);
  const baselineLatencyMs = median(baseline);

  const timeoutMs = sleepMs * 3 + 5_000;
  const t0 = performance.now();
  const slow = request(`${url}/sleep?ms=${sleepMs}`, { timeoutMs });
  await delay(Math.max(0, offsetMs - (performance.now() - t0)));
  const actualOffsetMs = performance.now() - t0;
  const [fast, slowReply] = await Promise.all([request(`${url}/fast`, { timeoutMs }), slow]);

  const holDelayMs = fast.latencyMs - baselineLatencyMs;
  const problems = [problem('/fast', fast, { message: 'fast' }), problem('/sleep', slowReply, { message: 'done', ms: sleepMs })];
  return {
    baselineLatencyMs,
    fastLatencyMs: fast.latencyMs,
    slowLatencyMs: slowReply.latencyMs,
    actualOffsetMs,
    holDelayMs,
    blockingIndex: holDelayMs / (sleepMs - actualOffsetMs),
    problems: problems.filter((p): p is string => p !== undefined),
  };
}
