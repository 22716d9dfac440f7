import type pg from 'pg';
import { loadPg } from './database.js';

/** How often pg_stat_activity is read: a 15–50 ms query is caught many times over, at a few hundred µs of the database's time each. */
export const DATABASE_SAMPLE_EVERY_MS = 10;

/**
 * Sleeping queries running now that began since the watch did ($1), other than this connection's:
 * pg_sleep is what /query waits in, so every server's driver shows here (Python's psycopg and asyncpg
 * word the statement their own way). Queries that began before are not the measured server's: the
 * server before it, frozen now, may have left a few sleeping when its load stopped.
 */
const ACTIVE_SLEEPS = `SELECT count(*)::int AS active FROM pg_stat_activity
  WHERE state = 'active' AND query ILIKE '%pg_sleep%' AND query_start >= $1::timestamptz
    AND pid <> pg_backend_pid() AND datname = current_database()`;

export interface DatabaseActivity {
  /** The most sleeping queries any reading saw at once. */
  maxQueries: number;
  readings: number;
}

export interface DatabaseWatch {
  /** Settles once the watch has its connection and its start (or has given up): start the load after it. */
  ready: Promise<void>;
  /** Stops reading; what was read, or undefined when nothing was (the database did not answer). */
  stop(): Promise<DatabaseActivity | undefined>;
}

/**
 * Reads pg_stat_activity every DATABASE_SAMPLE_EVERY_MS over its own connection until stopped: how
 * many queries the server under load had in the database at once (only one server runs at a time).
 * The conformance suite, the harness's runs and the probe all count with it.
 * A database that stops answering ends the readings, never the run.
 */
export function watchDatabase(url: string): DatabaseWatch {
  let client: pg.Client | undefined;
  let stopping = false;
  let maxQueries = 0;
  let readings = 0;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const query = <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
    (client as pg.Client).query<R>({ text, values, query_timeout: 2_000 } as pg.QueryConfig);
  // The database's own clock, as query_start is: the watch counts only what began from here on.
  const since = (async () => {
    const { Client } = await loadPg();
    client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => {});
    await client.connect();
    // As text, to the microsecond: a JavaScript Date would cut it to the millisecond.
    return (await query<{ since: string }>('SELECT clock_timestamp()::text AS since')).rows[0]?.since;
  })();
  const reading = (async () => {
    try {
      const from = await since;
      while (!stopping) {
        const result = await query<{ active: number }>(ACTIVE_SLEEPS, [from]);
        maxQueries = Math.max(maxQueries, result.rows[0]?.active ?? 0);
        readings += 1;
        await sleep(DATABASE_SAMPLE_EVERY_MS);
      }
    } catch {
      // The database stopped answering: what was read so far stands, and the run says why it failed.
    }
  })();
  return {
    ready: since.then(
      () => undefined,
      () => undefined,
    ),
    async stop() {
      stopping = true;
      await reading;
      await client?.end().catch(() => {});
      return readings > 0 ? { maxQueries, readings } : undefined;
    },
  };
}

/** SELECT 1, then the server's version (SHOW server_version); throws what the driver said when it does not answer within `timeoutMs`. */
export async function askDatabase(url: string, timeoutMs: number): Promise<string> {
  const { Client } = await loadPg();
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    return version.rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether the database answers within `timeoutMs`. */
export const databaseAnswers = (url: string, timeoutMs: number): Promise<boolean> =>
  askDatabase(url, timeoutMs).then(
    () => true,
    () => false,
  );
