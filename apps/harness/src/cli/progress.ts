import { performance } from 'node:perf_hooks';
import type { Scenario } from '../catalogue/scenarios.js';
import type { ScenarioResult } from '../results/results.js';
import type { Reporter } from '../run/runner.js';

/**
 * Progress on stderr: one line rewritten in place on a terminal, plain timestamped lines otherwise
 * (CI logs). Finished scenarios go to `onScenario`, which prints their tables.
 */
export function createProgress(stream: NodeJS.WriteStream, onScenario: (result: ScenarioResult) => void): Reporter & { close(): void } {
  const started = performance.now();
  const live = Boolean(stream.isTTY);
  let scenarioLabel = '';
  let current = '';
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;
  // Cut to the terminal's width: a line that wraps cannot be rewritten in place.
  const draw = () => {
    const line = `[${elapsed()}] ${scenarioLabel} ${current}`;
    stream.write(`\r\u001b[2K${line.slice(0, Math.max(20, (stream.columns ?? 80) - 1))}`);
  };
  const clear = () => live && stream.write('\r\u001b[2K');
  const timer = live ? setInterval(draw, 200) : undefined;
  timer?.unref();
  const print = (text: string) => {
    if (live) draw();
    else stream.write(`[${elapsed()}] ${scenarioLabel} ${text}\n`);
  };
  return {
    scenarioStart(scenario: Scenario, index: number, total: number) {
      scenarioLabel = `${scenario.id} (${index + 1}/${total}):`;
      current = 'starting';
      print(current);
    },
    step(text: string) {
      current = text;
      print(text);
    },
    warn(text: string) {
      clear();
      stream.write(`[${elapsed()}] warning: ${text}\n`);
    },
    scenarioDone(result: ScenarioResult) {
      clear();
      onScenario(result);
    },
    close() {
      if (timer) clearInterval(timer);
      clear();
    },
  };
}
