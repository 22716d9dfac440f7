import type { Scenario } from './scenarios.js';

/**
 * The database suite's load: C connections on /query?ms=S, each request holding one of the server's
 * database connections while PostgreSQL sleeps S (pg_sleep). Twenty connections outnumber a pool of
 * ten, so the pool, not the connections, sets a pooled server's pace.
 */
export const QUERY = {
  ms: 50,
  /**
   * --quick's query: a blocking server's cycle is C·S (20 × 20 ms = 0.4 s) and a window holds three
   * of each connection's, so a run takes about 1.5 s, not 3.5.
   */
  quickMs: 20,
  connections: 20,
  /** db-bound's DB_POOL: the drivers' usual default. */
  pool: 10,
  /** pool-limited's DB_POOL: half of it. */
  limitedPool: 5,
  /**
   * Rounds of C requests at once before a server's first run, thrown away: a driver opens its
   * connections (and a thread pool its threads) on first use. Two: the second finds what the first left.
   */
  primeRounds: 2,
} as const;

export const QUERY_TARGET = `/query?ms=${QUERY.ms}`;

/** The query and its target for a run: --quick waits less. */
export const queryWait = (quick: boolean) => {
  const queryMs = quick ? QUERY.quickMs : QUERY.ms;
  return { queryMs, target: `/query?ms=${queryMs}` };
};

/**
 * Who each scenario is about: one thread with one connection (express-blocking, flask, fastapi-trap:
 * psycopg2 inside async def), an awaited pool (koa, fastapi: asyncpg), and a synchronous driver on a
 * thread pool (worker-pool, fastapi-def: psycopg's pool in def endpoints). pool-limited keeps one
 * blocking server beside the pooled ones: a pool it does not have cannot limit it.
 */
export const DATABASE_SERVERS = {
  bound: ['express-blocking', 'flask', 'fastapi-trap', 'koa', 'fastapi', 'worker-pool', 'fastapi-def'],
  limited: ['express-blocking', 'koa', 'fastapi', 'worker-pool', 'fastapi-def'],
} as const;

const dbEntry = (id: string, title: string, claim: string, servers: readonly string[], pool: number): Scenario => ({
  id,
  kind: 'closed-loop',
  title,
  claim,
  processes: 'one',
  headline: 'throughputRps',
  finding: 'database',
  servers,
  database: { pool },
});

/** The database suite (`run --suite database`), in the order it runs. */
export const DATABASE_SCENARIOS: readonly Scenario[] = [
  dbEntry(
    'db-bound',
    `Database-bound: ${QUERY.connections} connections on ${QUERY_TARGET}, a pool of ${QUERY.pool}`,
    'a query holds a database connection while it waits: one thread with one connection serves 1/S, a pool of P min(C, P)/S, a thread pool min(C, threads, P)/S; the requests beyond the pool wait in it, inside the server',
    DATABASE_SERVERS.bound,
    QUERY.pool,
  ),
  dbEntry(
    'pool-limited',
    `Pool-limited: ${QUERY.connections} connections on ${QUERY_TARGET}, DB_POOL=${QUERY.limitedPool}`,
    `the pool is a limit like a thread count: halve it and a pooled server serves half as much (P/S), however many connections wait; a server with one connection per process has no pool to limit it`,
    DATABASE_SERVERS.limited,
    QUERY.limitedPool,
  ),
];
