import { readdirSync, readFileSync } from 'node:fs';
import { processAlive } from '@loopbench/contract';
import { LOCUSTFILE } from './locust.js';

/** A process's command line, its arguments joined by spaces; '' once it is gone (Linux: /proc). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Its parent's pid: the field after the state, which follows the parenthesised name in /proc/PID/stat. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The living children of `parent` that run the locustfile: the Locust master and the local workers. */
export function locustChildren(parent: number): { master: number[]; workers: number[] } {
  const children = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => parentPid(pid) === parent && processAlive(pid) && commandLine(pid).includes(LOCUSTFILE));
  // The master's own flag is --workers N.
  const isWorker = (pid: number) => commandLine(pid).split(' ').includes('--worker');
  return { master: children.filter((pid) => !isWorker(pid)), workers: children.filter(isWorker) };
}
