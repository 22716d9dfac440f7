/** Load from generator processes of their own: each job shared out over the pool, the results merged. */
import type { ClosedLoopOptions, ClosedLoopResult } from './closedLoop.js';
import type { FixedCountOptions, FixedCountResult } from './fixedCount.js';
import { type Merged, mergeClosedLoop, mergeFixedCount, mergeOpenLoop } from './merge.js';
import type { OpenLoopOptions, OpenLoopResult } from './openLoop.js';
import { runInGenerators } from './pool.js';
import { receivedOpenLoop } from './protocol.js';

/** `total` in `parts` near-equal whole shares, larger ones first: 10 over 3 is 4, 3, 3. */
export function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/** Closed-loop load from `count` generator processes, the connections shared out (at least one each). */
export async function generateClosedLoop(
  options: ClosedLoopOptions,
  count = 1,
  /** Called as the generators are told to start. */
  onStart?: () => void,
): Promise<Merged<ClosedLoopResult>> {
  const { signal, timeline, together: _, ...rest } = options;
  const parts = shares(options.connections, Math.max(1, Math.min(count, options.connections)));
  const results = await runInGenerators<ClosedLoopResult>(
    () =>
      parts.map((connections, i) => ({
        kind: 'closed-loop',
        options: { ...rest, connections, ...(timeline && i === 0 ? { timeline } : {}), ...(parts.length > 1 ? { together: true } : {}) },
      })),
    parts.length,
    signal,
    onStart,
  );
  return mergeClosedLoop(results);
}

/** A fixed count from `count` generator processes, requests and connections shared out. */
export async function generateFixedCount(options: FixedCountOptions, count = 1): Promise<Merged<FixedCountResult>> {
  const { signal, ...rest } = options;
  const n = Math.max(1, Math.min(count, options.connections, options.requests));
  const requests = shares(options.requests, n);
  const connections = shares(options.connections, n);
  const results = await runInGenerators<FixedCountResult>(
    () => requests.map((r, i) => ({ kind: 'fixed-count', options: { ...rest, requests: r, connections: connections[i] as number } })),
    n,
    signal,
  );
  return mergeFixedCount(results);
}

/** An open-loop plan from `count` generator processes, request i from generator i mod count, on one clock. */
export async function generateOpenLoop(options: OpenLoopOptions, count = 1): Promise<Merged<OpenLoopResult>> {
  const { signal, timeline, plan, ...rest } = options;
  const n = Math.max(1, Math.min(count, plan.length));
  const results = await runInGenerators<OpenLoopResult>(
    (startAt) =>
      Array.from({ length: n }, (_, i) => ({
        kind: 'open-loop',
        options: { ...rest, startAt, plan: plan.filter((_, k) => k % n === i), ...(timeline && i === 0 ? { timeline } : {}) },
      })),
    n,
    signal,
  );
  return mergeOpenLoop(results.map(receivedOpenLoop));
}
