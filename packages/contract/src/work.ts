import { setTimeout as delay } from 'node:timers/promises';

const parked = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks the whole thread for `ms` without burning CPU, like Python's time.sleep: the event loop
 * stops, so nothing else (no other request, no timer) runs meanwhile.
 */
export function sleepBlocking(ms: number): void {
  if (ms > 0) Atomics.wait(parked, 0, 0, ms);
}

/** Waits `ms` on a timer, like asyncio.sleep: the event loop serves others meanwhile. */
export function sleepAsync(ms: number): Promise<void> {
  return ms > 0 ? delay(ms) : Promise.resolve();
}

/** The article's CPU task: `for i in range(n): c += 1`. Returns the count so the loop cannot be elided. */
export function countTo(iterations: number): number {
  let count = 0;
  for (let i = 0; i < iterations; i++) count += 1;
  return count;
}
