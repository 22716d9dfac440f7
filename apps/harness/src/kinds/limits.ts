import { type GeneratorHealth, generatorsProblems } from '../measure/generator.js';

/** Per request, for load runs: far longer than any scenario's slowest request. */
export const REQUEST_TIMEOUT_S = 30;

/** Fewer answers than this in a run's window and its latency figures are not quoted. */
export const MIN_LATENCY_SAMPLES = 10;

/** Send lag past this makes an open-loop run untrustworthy: requests left later than planned. */
export const SEND_LAG_LIMIT_MS = 5;

/** What makes a load run untrustworthy, whatever generator sent it. */
export function loadProblems(load: { errors: number; timeouts: number; non2xx: number; generators: GeneratorHealth[] }): string[] {
  const found: string[] = [];
  if (load.errors > 0) found.push(`${load.errors} connection errors`);
  if (load.timeouts > 0) found.push(`${load.timeouts} requests timed out after ${REQUEST_TIMEOUT_S} s`);
  if (load.non2xx > 0) found.push(`${load.non2xx} non-2xx answers`);
  found.push(...generatorsProblems(load.generators));
  return found;
}
