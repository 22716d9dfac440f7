import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startServer } from '@loopbench/contract';
import { afterAll, beforeAll } from 'vitest';
import { discoverServers, findWorkspaceRoot } from './discover.js';

/** The built CLI, as a user runs it. */
export const LOOPBENCH_BIN = fileURLToPath(new URL('../../bin/loopbench.js', import.meta.url));

export interface LoopbenchExit {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Both streams, in the order they arrived. */
  output: string;
}

/**
 * Runs `loopbench ARGS` as a child process, for tests (with `env` on top of this process's);
 * `done` settles once its output is drained, `said(pattern)` once its stderr so far matches (or 10 s
 * have passed), with that stderr.
 */
export function loopbench(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<LoopbenchExit>; said(pattern: RegExp): Promise<string> } {
  const child = spawn(process.execPath, [LOOPBENCH_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  const seen = { stdout: '', stderr: '', output: '' };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.on('data', (chunk) => {
      seen[stream] += chunk;
      seen.output += chunk;
    });
  }
  const said = async (pattern: RegExp) => {
    for (let i = 0; i < 200 && !pattern.test(seen.stderr); i++) await new Promise((r) => setTimeout(r, 50));
    return seen.stderr;
  };
  return { child, done: new Promise((resolve) => child.on('close', (code) => resolve({ code, ...seen }))), said };
}

/** Starts these workspace servers before a block of tests and stops them after; the result finds one by name. */
export function withWorkspaceServers(names: readonly string[]): (name: string) => RunningServer {
  const servers = new Map<string, RunningServer>();
  beforeAll(async () => {
    for (const server of discoverServers(findWorkspaceRoot()).servers.filter((s) => names.includes(s.name))) {
      servers.set(server.name, await startServer(server));
    }
  });
  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.stop()));
  });
  return (name) => {
    const server = servers.get(name);
    if (!server) throw new Error(`${name} did not start`);
    return server;
  };
}
