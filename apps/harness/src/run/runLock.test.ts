import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { lockOutDir, registerRun, startOf } from './runLock.js';

/** A pid that no process has: far above Linux's default pid_max. */
const DEAD_PID = 2 ** 30;

describe('lockOutDir', () => {
  it('refuses a second run into a folder while the first is alive, and frees it on release', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-lock-'));
    const release = lockOutDir(dir, process.pid);
    // The parent of this test process stands for another live loopbench run.
    expect(() => lockOutDir(dir, process.ppid)).toThrow(UsageError);
    expect(() => lockOutDir(dir, process.ppid)).toThrow(`another loopbench run (pid ${process.pid}) is writing to ${dir}`);
    release();
    expect(existsSync(path.join(dir, '.loopbench.lock'))).toBe(false);
    lockOutDir(dir, process.ppid)();
  });

  it('takes over the lock of a run that died', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-lock-'));
    writeFileSync(path.join(dir, '.loopbench.lock'), `${DEAD_PID}\n`);
    expect(() => lockOutDir(dir, process.pid)()).not.toThrow();
  });
});

describe('registerRun', () => {
  it('names the other live runs on this machine, not dead ones', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-runs-'));
    writeFileSync(path.join(dir, String(DEAD_PID)), '');
    const first = registerRun(process.ppid, dir);
    expect(first.others).toEqual([]);
    const second = registerRun(process.pid, dir);
    expect(second.others).toEqual([process.ppid]);
    first.release();
    second.release();
    expect(registerRun(process.pid, dir).others).toEqual([]);
  });

  it('tells the first run of the ones that started during it, even after they ended (#27)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-runs-'));
    const first = registerRun(process.ppid, dir);
    expect(first.overlapping()).toEqual([]);
    const second = registerRun(process.pid, dir);
    second.release();
    expect(first.overlapping()).toEqual([process.pid]);
    expect(second.overlapping()).toEqual([process.ppid]);
    first.release();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('a run file left by a run killed outright', () => {
  it.skipIf(process.platform !== 'linux')('is not taken for a run when its pid now belongs to another process', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-runs-'));
    // The parent is alive, but it is not the process that started at tick 1 after boot.
    writeFileSync(path.join(dir, String(process.ppid)), 'start 1\n');
    expect(registerRun(process.pid, dir).others).toEqual([]);
    writeFileSync(path.join(dir, String(process.ppid)), `start ${startOf(process.ppid)}\n`);
    expect(registerRun(process.pid, dir).others).toEqual([process.ppid]);
  });

  it.skipIf(process.platform !== 'linux')('nor an out folder’s lock', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loopbench-out-'));
    writeFileSync(path.join(dir, '.loopbench.lock'), `${process.ppid} 1\n`);
    expect(() => lockOutDir(dir, process.pid)()).not.toThrow();
  });
});
