import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI, as a user runs it. */
export const LOOPBENCH_BIN = fileURLToPath(new URL('../bin/loopbench.js', import.meta.url));

export interface LoopbenchExit {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Both streams, in the order they arrived. */
  output: string;
}

/** Runs `loopbench ARGS` as a child process, for tests; `done` settles once its output is drained. */
export function loopbench(args: string[]): { child: ChildProcess; done: Promise<LoopbenchExit> } {
  const child = spawn(process.execPath, [LOOPBENCH_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const seen = { stdout: '', stderr: '', output: '' };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.on('data', (chunk) => {
      seen[stream] += chunk;
      seen.output += chunk;
    });
  }
  return { child, done: new Promise((resolve) => child.on('close', (code) => resolve({ code, ...seen }))) };
}
