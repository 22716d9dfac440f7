import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The whole machine's CPU time so far, in ticks: busy and in all (Linux's /proc/stat). */
export interface MachineCpu {
  busy: number;
  total: number;
}

/** Undefined where /proc/stat cannot be read (not Linux). */
export function readMachineCpu(): MachineCpu | undefined {
  try {
    const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal (guest time is already inside user)
    const ticks = first.trim().split(/\s+/).slice(1, 9).map(Number);
    if (ticks.length < 8 || ticks.some((t) => !Number.isFinite(t))) return undefined;
    const total = ticks.reduce((sum, t) => sum + t, 0);
    return { busy: total - (ticks[3] as number) - (ticks[4] as number), total };
  } catch {
    return undefined;
  }
}

/** Cores busy between two readings, whoever used them: 2 is both cores of a 2-core machine. */
export function machineBusyCores(before: MachineCpu | undefined, after: MachineCpu | undefined): number | undefined {
  if (!before || !after || after.total <= before.total) return undefined;
  return ((after.busy - before.busy) / (after.total - before.total)) * os.cpus().length;
}
