import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { ServerPackage } from '@loopbench/contract';
import type { Environment } from '../results/results.js';
import type { KindName } from '../results/schema.js';

export type { Environment };

function git(root: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** What sent a run's load: the generators of the kinds its scenarios use, and how many processes each run had. */
export interface Load {
  autocannonVersion: string;
  /** --generators: processes per run (Locust workers with --generator locust). */
  generators: number;
  /** Set with --generator locust: Locust's version. */
  locustVersion?: string;
  kinds: readonly KindName[];
}

/**
 * The environment's loadGenerator, in words: autocannon drives closed-loop and fixed-count runs, and
 * loopbench's own generator open-loop ones, all in generator processes (measure/pool.ts); only the
 * head-of-line trial's few requests are sent from the harness process.
 */
export function describeLoad({ autocannonVersion, generators, kinds, locustVersion }: Load): string {
  if (locustVersion !== undefined) {
    const parts = [
      `Locust ${locustVersion}: ${generators} worker${generators === 1 ? '' : 's'} per run, each timing every request itself in µs (loopbench_locust.py)`,
    ];
    if (kinds.includes('head-of-line')) parts.push("head-of-line's requests from the harness process");
    return parts.join('; ');
  }
  const autocannonUses = [kinds.includes('closed-loop') && 'closed loop', kinds.includes('fixed-count') && 'fixed count, as ab -n N -c C'];
  const uses = autocannonUses.filter((use) => use !== false);
  const generatorNames = [
    uses.length > 0 && `autocannon ${autocannonVersion} (${uses.join('; ')})`,
    kinds.includes('open-loop') && "loopbench's open-loop generator",
  ].filter((name) => name !== false);
  const parts: string[] = [];
  if (generatorNames.length > 0)
    parts.push(`${generatorNames.join(' and ')}, in ${generators} generator process${generators === 1 ? '' : 'es'} per run`);
  if (kinds.includes('head-of-line')) parts.push("head-of-line's requests from the harness process");
  return parts.join('; ');
}

export function collectEnvironment(root: string, servers: readonly ServerPackage[], pinned: boolean, load: Load): Environment {
  const status = git(root, ['status', '--porcelain']);
  const frameworks: Record<string, string> = {};
  for (const server of servers) {
    if (server.framework && server.frameworkVersion) frameworks[server.framework] = server.frameworkVersion;
  }
  return {
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cpuCount: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    gitCommit: git(root, ['rev-parse', 'HEAD']),
    gitDirty: status === null ? null : status.length > 0,
    frameworks,
    pinned,
    loadGenerator: describeLoad(load),
  };
}
