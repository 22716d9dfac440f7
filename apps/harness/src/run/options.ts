import { InvalidArgumentError, Option } from 'commander';
import type { RunOptions } from '../results/results.js';
import { DATABASE_URL_EXAMPLE, databaseUrlOption } from './database.js';
import { UsageError } from './errors.js';
import { isLoopbackHost } from './loopback.js';

/** The knobs a run takes (their shape is results.json's, results/schema.ts); each scenario turns them into its own settings. */
export type { RunOptions };

export const DEFAULT_OPTIONS: RunOptions = {
  repeats: 3,
  durationS: 2,
  warmupS: 1,
  connections: 10,
  workers: 2,
  ratePerS: 200,
  generators: 1,
  generator: 'built-in',
  seed: 0,
  quick: false,
  pin: false,
  host: '127.0.0.1',
  readyTimeoutS: 15,
};

/** --quick: enough to see every effect, not to quote numbers. */
export const QUICK_OPTIONS: Partial<RunOptions> = { repeats: 2, durationS: 0.25, warmupS: 0.1 };

/** The flags of `run`, as commander hands them over. */
export interface RunFlags {
  scenario?: string[];
  servers?: string[];
  repeats?: number;
  duration?: number;
  warmup?: number;
  connections?: number;
  workers?: number;
  rate?: number;
  generators?: number;
  generator?: RunOptions['generator'];
  seed?: number;
  quick?: boolean;
  pin?: boolean;
  host?: string;
  allowNonLoopback?: boolean;
  readyTimeout?: number;
}

/** Defaults, then --quick's, then what was typed. */
export function resolveOptions(flags: RunFlags): RunOptions {
  const quick = flags.quick === true;
  const base = { ...DEFAULT_OPTIONS, ...(quick ? QUICK_OPTIONS : {}) };
  return {
    repeats: flags.repeats ?? base.repeats,
    durationS: flags.duration ?? base.durationS,
    warmupS: flags.warmup ?? base.warmupS,
    connections: flags.connections ?? base.connections,
    workers: flags.workers ?? base.workers,
    ratePerS: flags.rate ?? base.ratePerS,
    generators: flags.generators ?? base.generators,
    generator: flags.generator ?? base.generator,
    // A fresh seed unless one is given: the order is random, and the record says which it was.
    seed: flags.seed ?? Math.floor(Math.random() * 2 ** 31),
    quick,
    pin: flags.pin === true,
    host: loopbackOnly('--host', flags.host ?? base.host, flags.allowNonLoopback === true, 'loopbench sends load only to 127.0.0.1 or ::1'),
    readyTimeoutS: flags.readyTimeout ?? base.readyTimeoutS,
  };
}

/** Load and listening stay on this machine, unless the user says otherwise in so many words (`rule` says what is allowed). */
export function loopbackOnly(flag: string, host: string, allowNonLoopback: boolean, rule: string): string {
  if (!isLoopbackHost(host) && !allowNonLoopback) {
    throw new UsageError(`${flag} ${host} is not a loopback address; ${rule} unless you add --allow-non-loopback`);
  }
  return host;
}

export function integer(min: number, max: number) {
  return (raw: string) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new InvalidArgumentError(`give a whole number from ${min} to ${max}.`);
    }
    return Number(raw);
  };
}

export function seconds(min: number, max: number) {
  return (raw: string) => {
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || value < min || value > max)
      throw new InvalidArgumentError(
        `give seconds from ${min} to ${max}, e.g. ${min < 1 ? '3 or 0.5' : `${Math.max(min, Math.min(3, max))} or ${min + 0.5}`}.`,
      );
    return value;
  };
}

/** A comma list, also when the option is given more than once. */
export function list(raw: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/** Options more than one command takes. */
export const shared = {
  servers: () => new Option('--servers <names>', 'comma-separated server names, or "all" (default: express-blocking,koa)').argParser(list),
  workspace: (what = 'the workspace to look in') => new Option('--workspace <dir>', `${what} (default: the one loopbench belongs to)`),
  noBuild: () => new Option('--no-build', 'do not build the server packages first'),
  json: (what = 'print as JSON') => new Option('--json', what),
  databaseUrl: (
    what = 'the scenarios on /query wait in this PostgreSQL instead of a throwaway cluster loopbench starts (and deletes) itself',
  ) => new Option('--database-url <url>', `${what}, e.g. ${DATABASE_URL_EXAMPLE}`).argParser(databaseUrlOption),
  readyTimeout: () =>
    new Option(
      '--ready-timeout <s>',
      `seconds a server may take to print its ready line (default ${DEFAULT_OPTIONS.readyTimeoutS})`,
    ).argParser(seconds(1, 600)),
};
