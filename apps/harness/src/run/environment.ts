import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { ServerPackage } from '@loopbench/contract';

export interface Environment {
  node: string;
  os: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  memoryBytes: number;
  gitCommit: string | null;
  /** True when the working tree had uncommitted changes. */
  gitDirty: boolean | null;
  /** Framework package → installed version, for every server run. */
  frameworks: Record<string, string>;
  /** Whether servers and the load generator ran on separate cores (--pin). */
  pinned: boolean;
  loadGenerator: string;
}

function git(root: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function collectEnvironment(
  root: string,
  servers: readonly ServerPackage[],
  pinned: boolean,
  autocannonVersion: string,
): Environment {
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
    loadGenerator: `autocannon ${autocannonVersion} (closed loop, in the harness process)`,
  };
}

/** One line for tables and summaries. */
export function describeEnvironment(env: Environment): string {
  const commit = env.gitCommit ? `${env.gitCommit.slice(0, 10)}${env.gitDirty ? '+dirty' : ''}` : 'no git';
  const frameworks = Object.entries(env.frameworks)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return `Node ${env.node.replace(/^v/, '')} on ${env.os} (${env.arch}), ${env.cpuCount} × ${env.cpuModel}, ${Math.round(env.memoryBytes / 2 ** 30)} GiB; ${frameworks}; commit ${commit}; ${env.pinned ? 'pinned (--pin)' : 'not pinned'}`;
}
