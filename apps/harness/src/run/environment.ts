import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { ServerPackage } from '@loopbench/contract';
import type { Environment } from '../results/results.js';

export type { Environment };

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
