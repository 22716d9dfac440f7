import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.js';

/**
 * mkdir -p one level at a time: Node's recursive mkdir never returns on some pseudo file systems
 * (procfs), where a plain mkdir fails at once. Throws an Error that says which folder and why.
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  for (;;) {
    let stats: ReturnType<typeof statSync> | undefined;
    try {
      stats = statSync(at);
    } catch {
      stats = undefined;
    }
    if (stats) {
      if (!stats.isDirectory()) throw new Error(`${at} is a file, not a folder`);
      break;
    }
    missing.unshift(at);
    if (path.dirname(at) === at) break;
    at = path.dirname(at);
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new Error(`cannot create ${folder} (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new Error(`${path.resolve(dir)} is not writable`);
  }
}

/** The folder a command writes into, made now, before any work: a usage error when it cannot be. */
export function prepareOutDir(dir: string, flag = '--out'): string {
  try {
    makeDirectory(dir);
  } catch (error) {
    throw new UsageError(`${flag} ${dir}: ${(error as Error).message}; give a folder you can write to, e.g. ${flag} results/mine`);
  }
  return dir;
}
