import { expectHeadOfLine } from '../analysis/theory.js';
import { measureHeadOfLine } from '../measure/headOfLine.js';
import type { RunOutcome, ScenarioKind, ServerUnderTest } from './kind.js';
import { runProblem } from './problems.js';

export interface HeadOfLineSettings {
  /** How long the slow request waits. */
  sleepMs: number;
  /** When /fast is sent after it. */
  offsetMs: number;
}

async function once(settings: HeadOfLineSettings, server: ServerUnderTest, signal?: AbortSignal): Promise<RunOutcome> {
  const result = await measureHeadOfLine({ url: server.url, ...settings, ...(signal ? { signal } : {}) });
  return {
    values: {
      baselineLatencyMs: result.baselineLatencyMs,
      fastLatencyMs: result.fastLatencyMs,
      slowLatencyMs: result.slowLatencyMs,
      fastOffsetMs: result.actualOffsetMs,
      holDelayMs: result.holDelayMs,
      blockingIndex: result.blockingIndex,
    },
    problems: [
      runProblem.wrongAnswer('/fast', result.fast, { message: 'fast' }),
      runProblem.wrongAnswer('/sleep', result.slow, { message: 'done', ms: settings.sleepMs }),
    ].filter((problem) => problem !== undefined),
  };
}

/** The articles' two-terminal experiment: /fast sent while a slow request is in flight. One trial is thrown away first. */
export const headOfLine: ScenarioKind<HeadOfLineSettings> = {
  name: 'head-of-line',
  parameters: ({ sleepMs, offsetMs }) => ({ sleepMs, offsetMs }),
  async warmup(settings, server, signal) {
    return { values: {}, problems: (await once(settings, server, signal)).problems };
  },
  run: (settings, server, _repeat, signal) => once(settings, server, signal),
  expect: (settings, { model, metrics }) =>
    expectHeadOfLine(model, {
      sleepMs: settings.sleepMs,
      offsetMs: metrics.fastOffsetMs?.median ?? settings.offsetMs,
      baselineLatencyMs: metrics.baselineLatencyMs?.median ?? Number.NaN,
    }),
};
