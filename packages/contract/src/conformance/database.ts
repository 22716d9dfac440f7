import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../client.js';
import { DATABASE_WAIT_MS } from '../database.js';
import { watchDatabase } from '../databaseActivity.js';
import { processAlive, type RunningServer, startServer } from '../launch.js';
import { type Postgres, startPostgres } from '../postgres.js';
import { concurrently, type SuiteContext } from './context.js';

/** The pool the server is started with: small, so a pooled server's limit shows with a few requests. */
const DB_POOL = 2;
const QUERY_MS = 400;
const QUERIES = 4;

/** How many of its queries the server's model lets into the database at once, started with DB_POOL=2 and one process. */
function concurrencyOf({ server, blocking }: SuiteContext): number {
  if (blocking) return 1;
  return Math.min(server.poolSize ?? Number.POSITIVE_INFINITY, DB_POOL);
}

/** /query in a real database: the server's driver, its model's concurrency there, and 503 once the database is gone. */
export function describeDatabase(context: SuiteContext): void {
  const { server } = context;
  const expected = concurrencyOf(context);
  describe(`${server.name}: /query waits in PostgreSQL through its driver`, () => {
    let postgres: Postgres | undefined;
    let running: RunningServer | undefined;
    beforeAll(async () => {
      postgres = await startPostgres();
      running = await startServer(server, { env: { DATABASE_URL: postgres.url, DB_POOL: String(DB_POOL) } });
    }, 45_000);
    afterAll(async () => {
      try {
        if (running) {
          expect(await running.stop()).toEqual({ code: 0, signal: null });
          expect(processAlive(running.pid)).toBe(false);
        }
      } finally {
        await postgres?.stop();
      }
    });
    const live = () => {
      if (!running || !postgres) throw new Error(`${server.name} or its database did not start`);
      return { url: running.url, database: postgres };
    };

    it('answers /query?ms=0 like /sleep', async () => {
      const reply = await request(`${live().url}/query?ms=0`);
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ message: 'done', ms: 0 });
    });

    it(`${QUERIES} concurrent /query?ms=${QUERY_MS} with DB_POOL=${DB_POOL}: ${expected} at once in pg_stat_activity, the rest wait their turn (200, no 5xx)`, async () => {
      const { url, database } = live();
      const watch = watchDatabase(database.url);
      await watch.ready;
      const result = await concurrently(QUERIES, () => request(`${url}/query?ms=${QUERY_MS}`, { timeoutMs: 20_000 }));
      const activity = await watch.stop();
      expect(result.results.map((reply) => reply.status)).toEqual(Array(QUERIES).fill(200));
      expect(activity?.maxQueries).toBe(expected);
      // ceil(4 / k) turns of 400 ms: the waits really were in the database, k at a time.
      expect(result.wallMs).toBeGreaterThanOrEqual(Math.ceil(QUERIES / expected) * QUERY_MS * 0.95);
    });

    it('answers 503 in JSON once the database stops mid-query, at once, and keeps serving', async () => {
      const { url, database } = live();
      const pending = request(`${url}/query?ms=5000`, { timeoutMs: DATABASE_WAIT_MS + 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await database.stop();
      const cut = await pending;
      expect(cut.status).toBe(503);
      expect(cut.json).toEqual({ error: expect.any(String) });
      expect(cut.latencyMs).toBeLessThan(5_000);
      const after = await request(`${url}/query?ms=10`, { timeoutMs: DATABASE_WAIT_MS + 10_000 });
      expect(after.status).toBe(503);
      expect(after.latencyMs).toBeLessThan(5_000);
      expect((await request(`${url}/health`)).status).toBe(200);
    });
  });
}
