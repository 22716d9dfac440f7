import { makeDirectory } from '../results/files.js';
import { UsageError } from './errors.js';

/** The folder a command writes into, made now, before any work: a usage error when it cannot be. */
export function prepareOutDir(dir: string, flag = '--out'): string {
  try {
    makeDirectory(dir);
  } catch (error) {
    throw new UsageError(`${flag} ${dir}: ${(error as Error).message}; give a folder you can write to, e.g. ${flag} results/mine`);
  }
  return dir;
}
