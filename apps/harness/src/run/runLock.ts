import { closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '@loopbench/contract';
import { UsageError } from './errors.js';

const LOCK_FILE = '.loopbench.lock';

/** Where every loopbench run on this machine leaves its pid while it measures. */
export const RUNS_DIR = path.join(os.tmpdir(), 'loopbench-runs');

/** When a process started (Linux: the 22nd field of /proc/<pid>/stat); undefined elsewhere, or when it is gone. */
export function startOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether the run that left `pid` (started at `start`) still runs: a run killed outright leaves its
 * file, and the kernel may since have given its pid to another process (a kernel worker, once).
 */
function stillRunning(pid: number, start: string | undefined): boolean {
  if (!processAlive(pid)) return false;
  const now = start === undefined ? undefined : startOf(pid);
  return now === undefined || now === start;
}

/** The pid and start time a lock or run file begins with ("<pid> <start>" or "start <start>"). */
function firstLine(file: string): string[] {
  try {
    return (readFileSync(file, 'utf8').split('\n', 1)[0] ?? '').trim().split(' ');
  } catch {
    return [];
  }
}

function holderOf(file: string): { pid: number; start: string | undefined } | undefined {
  const [pid, start] = firstLine(file);
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 ? { pid: n, start } : undefined;
}

/**
 * Claims `dir` for this run, so two runs never write the same results: a second run into it is a
 * usage error while the first is alive; a lock left by a run that died is taken over.
 * Returns the release function.
 */
export function lockOutDir(dir: string, pid = process.pid): () => void {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      const started = startOf(pid);
      writeFileSync(fd, started === undefined ? `${pid}\n` : `${pid} ${started}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = holderOf(file);
      if (holder !== undefined && holder.pid !== pid && stillRunning(holder.pid, holder.start)) {
        throw new UsageError(
          `another loopbench run (pid ${holder.pid}) is writing to ${dir}; give another --out, or wait for it to finish`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new UsageError(`cannot claim ${dir} for this run; give another --out`);
}

/** This run on the machine: who measured beside it, and the release of its file. */
export interface RunRegistration {
  /** The other runs alive when this one started. */
  others: number[];
  /** Every other run that measured during this one so far: those alive at its start and those that started since. */
  overlapping(): number[];
  release(): void;
}

/**
 * Records this run as measuring on this machine (a file named by its pid). A run that starts while
 * others measure also writes its pid into each of their files, so the first run learns of a second
 * one too, at its end, even when the second has finished by then.
 */
export function registerRun(pid = process.pid, dir = RUNS_DIR): RunRegistration {
  mkdirSync(dir, { recursive: true });
  const others = readdirSync(dir)
    .map(Number)
    .filter((other) => {
      if (!Number.isInteger(other) || other === pid) return false;
      const [word, start] = firstLine(path.join(dir, String(other)));
      return stillRunning(other, word === 'start' ? start : undefined);
    });
  const file = path.join(dir, String(pid));
  // Its start time first, so a later run can tell it from a process given its pid after it died.
  writeFileSync(file, `start ${startOf(pid) ?? ''}\n`);
  for (const other of others) {
    try {
      // Append without creating: a file released meanwhile stays gone.
      const fd = openSync(path.join(dir, String(other)), constants.O_WRONLY | constants.O_APPEND);
      writeFileSync(fd, `${pid}\n`);
      closeSync(fd);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const overlapping = () => {
    let later: number[] = [];
    try {
      later = readFileSync(file, 'utf8')
        .split('\n')
        .map(Number)
        .filter((other) => Number.isInteger(other) && other > 0);
    } catch {
      // Removed by hand: only what was known at the start.
    }
    return [...new Set([...others, ...later])];
  };
  return { others, overlapping, release: () => rmSync(file, { force: true }) };
}
