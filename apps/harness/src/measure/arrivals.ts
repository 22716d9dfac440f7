import { seededRandom } from '../analysis/random.js';

/** One request of an open-loop plan: when to send it (ms after the start), what, and which of the two routes it is. */
export interface PlannedRequest {
  atMs: number;
  target: string;
  route: 'fast' | 'slow';
}

/** Fast requests at a constant rate for durationMs, and one slow request at stallAtMs. */
export function stallPlan(input: { ratePerS: number; durationMs: number; stallAtMs: number; stallMs: number }): PlannedRequest[] {
  const plan: PlannedRequest[] = [];
  const count = Math.floor((input.durationMs * input.ratePerS) / 1000);
  for (let i = 0; i < count; i++) plan.push({ atMs: (i * 1000) / input.ratePerS, target: '/fast', route: 'fast' });
  plan.push({ atMs: input.stallAtMs, target: `/sleep?ms=${input.stallMs}`, route: 'slow' });
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
    plan.push(slow ? { atMs: at, target: `/sleep?ms=${input.slowMs}`, route: 'slow' } : { atMs: at, target: '/fast', route: 'fast' });
  }
  return plan;
}
