import {
  askDatabase,
  databaseAnswers,
  POSTGRES_INSTALL,
  type Postgres,
  PostgresUnavailable,
  postgresBinaries,
  startPostgres,
} from '@loopbench/contract';
import type { DatabaseRecord } from '../results/results.js';
import { UsageError } from './errors.js';

/** What --database-url looks like, for messages that say what to type. */
export const DATABASE_URL_EXAMPLE = 'postgres://USER:PASSWORD@HOST:5432/DATABASE';

/** The database a run's scenarios on /query wait in: a throwaway cluster the run started, or --database-url. */
export interface RunDatabase {
  /** What the servers get as DATABASE_URL. */
  readonly url: string;
  /** What results.json records of it: never a password. */
  readonly record: DatabaseRecord;
  /** For messages and the run's problems: "a throwaway cluster on 127.0.0.1:PORT (pid N)", or the URL without its password. */
  readonly describe: string;
  /** Whether it still answers SELECT 1 (a throwaway cluster whose process has gone is known not to at once). */
  answering(): Promise<boolean>;
  /** Stops a throwaway cluster and deletes its folder; leaves a given database alone. Idempotent. */
  close(): Promise<void>;
}

/** Query parameters pg reads a secret from, besides the URL's own password. */
const SECRET_PARAMS = ['password', 'sslpassword'];

/** A URL as messages and results.json show it: the password, if any, as ***, in its place or in the query. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const name of SECRET_PARAMS) if (parsed.searchParams.has(name)) parsed.searchParams.set(name, '***');
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

/** --database-url as typed: a postgres:// or postgresql:// URL, else a usage error saying what to type. */
export function databaseUrlOption(raw: string): string {
  let protocol: string | undefined;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new UsageError(
      // Named by its scheme only: what is not a postgres URL may still hold a password (user:secret@host parses as scheme "user:").
      `--database-url ${protocol === undefined ? 'is not a URL' : `(a ${protocol} URL) is not a PostgreSQL URL`}; give one like --database-url ${DATABASE_URL_EXAMPLE}`,
    );
  }
  return raw;
}

/** Why the scenarios on /query cannot run here, with the command that makes them; undefined when they can. */
export function databaseAvailability(databaseUrl: string | undefined): { reason: string; install: string } | undefined {
  if (databaseUrl !== undefined || postgresBinaries() !== undefined) return undefined;
  return {
    reason: `it waits in PostgreSQL, whose server (initdb, postgres) is not on this machine, and no --database-url was given`,
    install: POSTGRES_INSTALL,
  };
}

/** A database given by --database-url, once it has answered SELECT 1: unreachable is a usage error naming it. */
async function givenDatabase(url: string): Promise<RunDatabase> {
  const shown = withoutPassword(url);
  let serverVersion: string;
  try {
    serverVersion = await askDatabase(url, 5_000);
  } catch (error) {
    const instead =
      postgresBinaries() !== undefined
        ? 'or leave --database-url out and loopbench starts a throwaway cluster of its own'
        : `or leave --database-url out after ${POSTGRES_INSTALL}, and loopbench starts a throwaway cluster of its own`;
    throw new UsageError(
      `the database at ${shown} does not answer SELECT 1 (${(error as Error).message}): start it, or give the URL of one that runs (--database-url ${DATABASE_URL_EXAMPLE}), ${instead}`,
    );
  }
  return {
    url,
    record: { source: 'given', serverVersion, url: withoutPassword(url).replace(':***@', '@') },
    describe: shown,
    answering: () => databaseAnswers(url, 2_000),
    close: () => Promise.resolve(),
  };
}

/** A throwaway cluster from this machine's binaries; the contract's reaper stops it and deletes its folder if the harness is killed. */
async function embeddedDatabase(): Promise<RunDatabase> {
  let postgres: Postgres;
  try {
    postgres = await startPostgres();
  } catch (error) {
    if (!(error instanceof PostgresUnavailable)) throw error;
    throw new UsageError(
      `could not start a throwaway PostgreSQL: ${error.message}; or give a running one with --database-url ${DATABASE_URL_EXAMPLE}`,
    );
  }
  let serverVersion: string;
  try {
    serverVersion = await askDatabase(postgres.url, 5_000);
  } catch (error) {
    await postgres.stop();
    throw error;
  }
  return {
    url: postgres.url,
    record: { source: 'embedded', serverVersion },
    describe: `a throwaway cluster on 127.0.0.1:${postgres.port} (pid ${postgres.pid})`,
    answering: async () => postgres.running() && (await databaseAnswers(postgres.url, 2_000)),
    close: () => postgres.stop(),
  };
}

/** The run's database: the one given, checked, or a throwaway cluster started now. */
export function openDatabase(given: string | undefined): Promise<RunDatabase> {
  return given === undefined ? embeddedDatabase() : givenDatabase(given);
}
