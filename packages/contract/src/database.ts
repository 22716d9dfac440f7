import type pg from 'pg';
import { createSyncFn } from 'synckit';
import type { QueryRequest } from './databaseWorker.js';
import { integerFromEnv } from './env.js';
import { SHARED } from './shared.js';

/** How long a query may wait for a connection (the pool's queue included) before the server gives up: the contract's request timeout. */
export const DATABASE_WAIT_MS = SHARED.settings.requestTimeoutMs;

/** The wait /query makes: the database sleeps, so the server waits on a real connection. */
export const QUERY_SQL = 'SELECT pg_sleep($1::float8 / 1000)';

/** /query's statement; past its own sleep plus `graceMs` the driver gives up (pg reads query_timeout per query, its types do not say so). */
export function sleepQuery(ms: number, graceMs: number): pg.QueryConfig {
  return { text: QUERY_SQL, values: [ms], query_timeout: ms + graceMs } as pg.QueryConfig;
}

/** pg, loaded on first use: a server that never queries (a worker thread, a run without a database) does not carry it. */
let driver: Promise<typeof pg> | undefined;
export function loadPg(): Promise<typeof pg> {
  driver ??= import('pg').then((module) => module.default);
  return driver;
}

/** DATABASE_URL and DB_POOL as a server reads them. */
export interface DatabaseSettings {
  /** Where the database is; absent, /query answers 503 naming DATABASE_URL. */
  url: string | undefined;
  /** Connections the server's pool may hold at once (a blocking driver holds one per process). */
  pool: number;
}

export function readDatabaseEnv(defaultPool: number, env: NodeJS.ProcessEnv = process.env): DatabaseSettings {
  return {
    url: env.DATABASE_URL || undefined,
    pool: integerFromEnv('DB_POOL', defaultPool, { min: 1, max: 1000, example: 10 }, env),
  };
}

/** The database could not answer: the server says 503 with this message and keeps serving. */
export class DatabaseUnavailable extends Error {
  override name = 'DatabaseUnavailable';
}

export const NO_DATABASE =
  'no database: this server was started without DATABASE_URL (e.g. DATABASE_URL=postgres://127.0.0.1:5432/postgres)';

/** A driver's error in the contract's words: what failed, never the query's text. */
export function unavailable(error: unknown): DatabaseUnavailable {
  if (error instanceof DatabaseUnavailable) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DatabaseUnavailable(`the database did not answer: ${message}`);
}

/** The awaited driver (asyncpg, psycopg's async pool): a pg Pool; a query waits in its queue when all P connections are busy. */
export interface AwaitedDatabase {
  query(ms: number): Promise<void>;
  end(): Promise<void>;
}

export function pooledDatabase(settings: DatabaseSettings): AwaitedDatabase {
  const { url } = settings;
  if (url === undefined) {
    return { query: () => Promise.reject(new DatabaseUnavailable(NO_DATABASE)), end: () => Promise.resolve() };
  }
  let pool: Promise<pg.Pool> | undefined;
  const opened = () =>
    (pool ??= loadPg().then(({ Pool }) => {
      const fresh = new Pool({ connectionString: url, max: settings.pool, connectionTimeoutMillis: DATABASE_WAIT_MS });
      // An idle connection the database dropped (it stopped) is an error on the pool, not a crash.
      fresh.on('error', () => {});
      return fresh;
    }));
  return {
    query: async (ms) => {
      try {
        await (await opened()).query(sleepQuery(ms, DATABASE_WAIT_MS));
      } catch (error) {
        throw unavailable(error);
      }
    },
    end: async () => (await pool)?.end(),
  };
}

/** The synchronous driver (psycopg2, pg-native's querySync): the calling thread stops until the database answers. */
export interface BlockingDatabase {
  query(ms: number): void;
}

const WORKER = new URL('./databaseWorker.js', import.meta.url);

/**
 * One connection, queried synchronously: a worker thread holds it and this thread waits on an
 * Atomics lock until the answer (synckit), so nothing else runs here meanwhile, as under psycopg2.
 */
export function blockingDatabase(settings: Pick<DatabaseSettings, 'url'>): BlockingDatabase {
  const { url } = settings;
  if (url === undefined) {
    return {
      query: () => {
        throw new DatabaseUnavailable(NO_DATABASE);
      },
    };
  }
  let call: ((request: QueryRequest) => string | null) | undefined;
  return {
    query: (ms) => {
      call ??= createSyncFn<(request: QueryRequest) => Promise<string | null>>(WORKER);
      const failure = call({ url, ms, timeoutMs: DATABASE_WAIT_MS });
      if (failure !== null) throw new DatabaseUnavailable(`the database did not answer: ${failure}`);
    },
  };
}
