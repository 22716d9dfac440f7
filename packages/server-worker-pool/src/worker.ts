import { blockingDatabase, DatabaseUnavailable, type Params, type Reply, ROUTES, sleepBlocking } from '@loopbench/contract';
import { workerData } from 'piscina';

export interface Task {
  route: string;
  params: Params;
}

/** What the pool gives every thread: the database's URL, and the pool's free connections, shared by all threads. */
export interface PoolData {
  databaseUrl: string | undefined;
  /** One Int32: connections free; a thread takes one for each query and waits while there is none. */
  freeConnections: SharedArrayBuffer;
}

/** A reply, or why the database could not answer (an error's class does not cross threads). */
export type Outcome = { reply: Reply } | { unavailable: string };

const { databaseUrl, freeConnections } = workerData as PoolData;
const free = new Int32Array(freeConnections);
// This thread's own connection, opened on first use: a query holds one of the pool's P turns while it runs.
const database = blockingDatabase({ url: databaseUrl });

/** Blocks this thread until one of the pool's connections is free, as psycopg's ConnectionPool.getconn does. */
function takeConnection(): void {
  for (;;) {
    const left = Atomics.load(free, 0);
    if (left > 0) {
      if (Atomics.compareExchange(free, 0, left, left - 1) === left) return;
    } else {
      Atomics.wait(free, 0, left);
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
    takeConnection();
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
