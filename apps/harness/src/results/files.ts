import { accessSync, constants, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

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

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export function writeFileAtomic(file: string, content: string): void {
  makeDirectory(path.dirname(file));
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}
