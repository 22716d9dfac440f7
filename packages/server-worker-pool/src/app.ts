import type http from 'node:http';
import { type DatabaseSettings, DatabaseUnavailable, integerFromEnv, type StatsRecorder } from '@loopbench/contract';
import { createApp as createNodeApp } from '@loopbench/server-node-http';
import { Piscina } from 'piscina';
import type { Outcome, PoolData, Task } from './worker.js';

/** anyio's default thread limiter, which FastAPI uses for plain def endpoints. */
export const DEFAULT_POOL_THREADS = 40;

/**
 * The node:http app of server-node-http, with every route's wait and work handed to a pool of
 * worker threads (piscina): the event loop only routes and replies. This costs a dispatch per
 * request and buys parallel CPU work, as FastAPI's thread pool does for plain def endpoints.
 */
export function createApp(stats: StatsRecorder, database: DatabaseSettings, env: NodeJS.ProcessEnv = process.env): http.RequestListener {
  const threads = integerFromEnv('POOL_THREADS', DEFAULT_POOL_THREADS, { min: 1, max: 256 }, env);
  // DB_POOL connections shared by every thread: at most min(threads, DB_POOL) queries in the database at once.
  const freeConnections = new SharedArrayBuffer(4);
  Atomics.store(new Int32Array(freeConnections), 0, database.pool);
  const workerData: PoolData = { databaseUrl: database.url, freeConnections };
  const pool = new Piscina<Task, Outcome>({
    workerData,
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: Math.min(2, threads),
    maxThreads: threads,
    // Piscina ends an idle thread at once by default; a thread pool keeps its threads.
    idleTimeout: 60_000,
    // A queued task waits like a request queued for a busy thread pool; no limit but memory.
    maxQueue: Number.POSITIVE_INFINITY,
  });
  // FastAPI runs a plain def endpoint in its thread pool: here every route's wait and work go to the pool.
  return createNodeApp(stats, async (route, params) => {
    const outcome = await pool.run({ route: route.name, params });
    if ('unavailable' in outcome) throw new DatabaseUnavailable(outcome.unavailable);
    return outcome.reply;
  });
}
