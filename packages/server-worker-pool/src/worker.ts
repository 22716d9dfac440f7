import {
  blockingDatabase,
  DATABASE_WAIT_MS,
  DatabaseUnavailable,
  type Params,
  type Reply,
  ROUTES,
  sleepBlocking,
} from '@loopbench/contract';
import { workerData } from 'piscina';

export interface Task {
  route: string;
  params: Params;
}

/** What the pool gives every thread: the database's URL, and the pool's free turns, shared by all threads. */
export interface PoolData {
  databaseUrl: string | undefined;
  /** One Int32: DB_POOL turns free; a thread takes one for each query and waits while there is none. */
  freeConnections: SharedArrayBuffer;
}

/** A reply, or why the database could not answer (an error's class does not cross threads). */
export type Outcome = { reply: Reply } | { unavailable: string };

const { databaseUrl, freeConnections } = workerData as PoolData;
const free = new Int32Array(freeConnections);
// This thread's own connection, opened on first use: a query holds one of the pool's DB_POOL turns while it runs,
// so at most min(threads, DB_POOL) queries are in the database at once (the connections open number up to the threads).
const database = blockingDatabase({ url: databaseUrl });

/**
 * Blocks this thread until one of the pool's turns is free, as psycopg's ConnectionPool.getconn
 * does, for at most DATABASE_WAIT_MS as the other drivers' pools; whether it got one.
 */
function takeConnection(): boolean {
  const deadline = performance.now() + DATABASE_WAIT_MS;
  for (;;) {
    const left = Atomics.load(free, 0);
    if (left > 0) {
      if (Atomics.compareExchange(free, 0, left, left - 1) === left) return true;
    } else {
      const remaining = deadline - performance.now();
      if (remaining <= 0) return false;
      Atomics.wait(free, 0, left, remaining);
    }
  }
}

function giveBack(): void {
  Atomics.add(free, 0, 1);
  Atomics.notify(free, 0, 1);
}

/** Runs one route's wait and work on a pool thread: a wait blocks this thread only, like time.sleep or psycopg in a def endpoint. */
export default function run({ route, params }: Task): Outcome {
  const spec = ROUTES.find((r) => r.name === route);
  if (!spec) throw new Error(`no route named ${route}`);
  if (spec.waitsIn === 'database') {
    if (!takeConnection()) return { unavailable: `no database connection was free within ${DATABASE_WAIT_MS / 1000} s` };
    try {
      database.query(spec.waitMs(params));
    } catch (error) {
      if (error instanceof DatabaseUnavailable) return { unavailable: error.message };
      throw error;
    } finally {
      giveBack();
    }
  } else {
    sleepBlocking(spec.waitMs(params));
  }
  return { reply: spec.reply(params) };
}
