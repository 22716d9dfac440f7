import { closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '@loopbench/contract';
import { UsageError } from './errors.js';

const LOCK_FILE = '.loopbench.lock';

/** Where every loopbench run on this machine leaves its pid while it measures. */
export const RUNS_DIR = path.join(os.tmpdir(), 'loopbench-runs');

function pidIn(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
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
      writeFileSync(fd, `${pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = pidIn(file);
      if (holder !== undefined && holder !== pid && processAlive(holder)) {
        throw new UsageError(`another loopbench run (pid ${holder}) is writing to ${dir}; give another --out, or wait for it to finish`);
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
    .filter((other) => Number.isInteger(other) && other !== pid && processAlive(other));
  const file = path.join(dir, String(pid));
  writeFileSync(file, '');
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
