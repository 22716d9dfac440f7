import path from 'node:path';
import { makeDirectory } from '../results/files.js';
import { UsageError } from './errors.js';

/**
 * The folder --out names, or the default; refuses an empty one, which path.resolve would make the
 * current folder (results in the repository root, and every later run's commit +dirty).
 */
export function outDirOf(out: string | undefined, fallback: string, whenLeftOut: string, flag = '--out'): string {
  if (out !== undefined && out.trim() === '')
    throw new UsageError(
      `${flag} names no folder: it would write into the current one; give a folder, e.g. ${flag} results/mine, or leave it out ${whenLeftOut}`,
    );
  return path.resolve(out ?? fallback);
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
