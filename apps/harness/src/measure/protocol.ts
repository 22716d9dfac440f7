/** The messages between the harness and its generator processes (pool.ts, generatorMain.ts). */
import type { ClosedLoopOptions } from './closedLoop.js';
import type { FixedCountOptions } from './fixedCount.js';
import type { OpenLoopOptions, OpenLoopResult, RequestRecords } from './openLoop.js';

/** An abort signal cannot cross the process boundary: `abort` messages stand for it. */
type Sendable<O> = Omit<O, 'signal'>;

/** What one generator process is asked to do: one of the measure functions, with its options. */
export type GeneratorJob =
  | { kind: 'closed-loop'; options: Omit<Sendable<ClosedLoopOptions>, 'together'> & { together?: boolean } }
  | { kind: 'open-loop'; options: Sendable<OpenLoopOptions> }
  | { kind: 'fixed-count'; options: Sendable<FixedCountOptions> };

/**
 * From the harness: run a job, or stop the one running; to a closed loop run together with others
 * (its options' `together`), that every generator's warm-up could end (`steady`), or its window close.
 */
export type HarnessMessage = { type: 'run'; job: GeneratorJob } | { type: 'abort' } | { type: 'steady' } | { type: 'close' };
/**
 * From a generator: ready for a job (once, after the fork), then each job's result or error; a closed
 * loop run together says when its own warm-up could end (`warm`) and its window could close.
 */
export type GeneratorReply =
  | { type: 'ready' }
  | { type: 'result'; result: unknown }
  | { type: 'error'; message: string }
  | { type: 'warm' }
  | { type: 'closable' };

/** A number array as JSON (the IPC channel's serialisation) brings it back: NaN arrives as null. */
type Received<T> = { [K in keyof T]: T[K] extends number[] ? (number | null)[] : T[K] };

/** An open-loop result as it left its generator: the records' missing figures NaN again, not null. */
export function receivedOpenLoop(result: OpenLoopResult): OpenLoopResult {
  const requests = result.requests as Received<RequestRecords>;
  const nan = (values: (number | null)[]) => values.map((v) => v ?? Number.NaN);
  return {
    ...result,
    requests: {
      route: requests.route,
      plannedMs: nan(requests.plannedMs),
      sentMs: nan(requests.sentMs),
      answeredMs: nan(requests.answeredMs),
      servedMs: nan(requests.servedMs),
    },
  };
}
