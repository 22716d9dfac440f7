import type http from 'node:http';
import { integerFromEnv, type StatsRecorder } from '@loopbench/contract';
import { createApp as createNodeApp } from '@loopbench/server-node-http';
import { Piscina } from 'piscina';
import type { Task } from './worker.js';

/** anyio's default thread limiter, which FastAPI uses for plain def endpoints. */
export const DEFAULT_POOL_THREADS = 40;

/**
 * The node:http app of server-node-http, with every route's wait and work handed to a pool of
 * worker threads (piscina): the event loop only routes and replies. This costs a dispatch per
 * request and buys parallel CPU work, as FastAPI's thread pool does for plain def endpoints.
 */
export function createApp(stats: StatsRecorder, env: NodeJS.ProcessEnv = process.env): http.RequestListener {
  const threads = integerFromEnv('POOL_THREADS', DEFAULT_POOL_THREADS, { min: 1, max: 256 }, env);
  const pool = new Piscina<Task>({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: Math.min(2, threads),
    maxThreads: threads,
    // Piscina ends an idle thread at once by default; a thread pool keeps its threads.
    idleTimeout: 60_000,
    // A queued task waits like a request queued for a busy thread pool; no limit but memory.
    maxQueue: Number.POSITIVE_INFINITY,
  });
  // FastAPI runs a plain def endpoint in its thread pool: here every route's wait and work go to the pool.
  return createNodeApp(stats, (route, params) => pool.run({ route: route.name, params }));
}
