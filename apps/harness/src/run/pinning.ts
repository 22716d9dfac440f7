import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { UsageError } from './errors.js';

/** --pin needs Linux, two cores and taskset; says what to do instead when one is missing. */
export function checkPinning(): void {
  if (process.platform !== 'linux') throw new UsageError('--pin works on Linux only (it uses taskset); run without --pin');
  if (os.availableParallelism() < 2) throw new UsageError('--pin needs at least 2 cores; run without --pin');
  if (!['/usr/bin/taskset', '/bin/taskset'].some(existsSync))
    throw new UsageError('--pin needs taskset (Debian: apt-get install util-linux); run without --pin');
}

/** The harness and its load generator take core 0. */
export function pinHarness(): void {
  execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
}

/** The argv prefix that starts a server on the cores the harness left (nothing when not pinned). */
export function serverWrap(pin: boolean): string[] {
  // os.cpus(), not availableParallelism(): the harness has already pinned itself to core 0.
  return pin ? ['taskset', '-c', `1-${os.cpus().length - 1}`] : [];
}

/** Cores the servers may use, for CPU-bound theory. */
export function serverCores(pin: boolean): number {
  return pin ? Math.max(1, os.cpus().length - 1) : os.availableParallelism();
}
