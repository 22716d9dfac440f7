import { seededRandom } from '../analysis/random.js';

/** One request of an open-loop plan: when to send it (ms after the start) and what. */
export interface PlannedRequest {
  atMs: number;
  target: string;
  kind: 'fast' | 'slow';
}

/** Fast requests at a constant rate for durationMs, and one slow request at stallAtMs. */
export function stallPlan(input: { ratePerS: number; durationMs: number; stallAtMs: number; stallMs: number }): PlannedRequest[] {
  const plan: PlannedRequest[] = [];
  const count = Math.floor((input.durationMs * input.ratePerS) / 1000);
  for (let i = 0; i < count; i++) plan.push({ atMs: (i * 1000) / input.ratePerS, target: '/fast', kind: 'fast' });
  plan.push({ atMs: input.stallAtMs, target: `/sleep?ms=${input.stallMs}`, kind: 'slow' });
  return plan.sort((a, b) => a.atMs - b.atMs);
}

/** Poisson arrivals at ratePerS for durationMs; each is slow (/sleep?ms=slowMs) with probability slowShare. */
export function sharePlan(input: {
  ratePerS: number;
  durationMs: number;
  slowShare: number;
  slowMs: number;
  seed: number;
}): PlannedRequest[] {
  const random = seededRandom(input.seed);
  const plan: PlannedRequest[] = [];
  for (
    let at = -Math.log(1 - random()) * (1000 / input.ratePerS);
    at < input.durationMs;
    at += -Math.log(1 - random()) * (1000 / input.ratePerS)
  ) {
    const slow = random() < input.slowShare;
    plan.push(slow ? { atMs: at, target: `/sleep?ms=${input.slowMs}`, kind: 'slow' } : { atMs: at, target: '/fast', kind: 'fast' });
  }
  return plan;
}
