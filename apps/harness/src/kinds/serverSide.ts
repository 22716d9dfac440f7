import { type DatabaseActivity, watchDatabase } from '@loopbench/contract';
import type { MetricValues } from '../catalogue/metrics.js';
import { machineBusyCores, readMachineCpu } from '../measure/machineCpu.js';
import { collectStats, type ServerSignals, signalsBetween } from '../measure/serverStats.js';
import type { ServerUnderTest } from './kind.js';
import { runProblem } from './problems.js';

/**
 * The server's own signals, with the whole machine's busy cores over the load beside them (Linux) and,
 * where it queries a database, the most queries it had there at once (pg_stat_activity).
 */
export type RunSignals = ServerSignals & { machineCpuUtilization?: number; databaseQueriesMax?: number };

/**
 * Runs `load` between two readings of every worker's /stats (and, for a server with a database,
 * while pg_stat_activity is read), and returns what it returned with the server-side signals of that
 * window (undefined when a worker did not answer, or the server died).
 */
export async function withServerSignals<T>(
  server: ServerUnderTest,
  load: () => Promise<T>,
): Promise<{ load: T; signals: RunSignals | undefined; problems: string[] }> {
  const before = await collectStats(server.name, server.url, server.workers, true);
  const machineBefore = readMachineCpu();
  const database = server.databaseUrl === undefined ? undefined : watchDatabase(server.databaseUrl);
  await database?.ready;
  let result: T;
  let activity: DatabaseActivity | undefined;
  try {
    result = await load();
  } finally {
    // A load that failed must not leave the watch's connection polling the database.
    activity = await database?.stop();
  }
  const machine = machineBusyCores(machineBefore, readMachineCpu());
  const after = server.exited ? new Map() : await collectStats(server.name, server.url, server.workers);
  server.seen([...before.keys(), ...after.keys()]);
  const signals = signalsBetween(before, after);
  return {
    load: result,
    signals: signals && {
      ...signals,
      ...(machine === undefined ? {} : { machineCpuUtilization: machine }),
      ...(activity === undefined ? {} : { databaseQueriesMax: activity.maxQueries }),
    },
    problems: !signals && !server.exited ? [runProblem.statsMissing()] : [],
  };
}

/** The signals every load kind reports; the event-loop delay only where the kind asks for it. */
export function signalValues(signals: RunSignals | undefined, withDelay: boolean): MetricValues {
  if (!signals) return {};
  return {
    ...(signals.machineCpuUtilization === undefined ? {} : { machineCpuUtilization: signals.machineCpuUtilization }),
    ...(signals.eventLoopUtilization === undefined ? {} : { eventLoopUtilization: signals.eventLoopUtilization }),
    cpuUtilization: signals.cpuUtilization,
    maxInFlight: signals.maxInFlight,
    ...(signals.databaseQueriesMax === undefined ? {} : { databaseQueriesMax: signals.databaseQueriesMax }),
    workersServing: signals.workersServing,
    ...(withDelay && signals.eventLoopDelayP99Ms !== undefined ? { eventLoopDelayP99Ms: signals.eventLoopDelayP99Ms } : {}),
    cpuPerRequestMs: signals.cpuPerRequestMs,
  };
}
