import type { Model } from '@loopbench/contract';
import type { ServerResult } from './results.js';

/** A valid server result with these metrics and nothing else, for tests that build results by hand. */
export function serverResultOf(server: string, metrics: ServerResult['metrics'], model: Model = 'non-blocking'): ServerResult {
  return {
    server,
    model,
    analogue: '',
    valid: true,
    failed: false,
    problems: [],
    metrics,
    expected: {},
    theory: [],
    runs: [],
    pids: [],
  };
}
