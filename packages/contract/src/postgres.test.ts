import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type * as Database from './database.js';
import { processAlive } from './launch.js';
import { postgresBinaries, startPostgres } from './postgres.js';

// The built module (the test task builds first): its synchronous driver runs databaseWorker.js on a thread, which Node loads from dist/ and not from src/*.ts.
const { blockingDatabase, pooledDatabase } = (await import(new URL('../dist/database.js', import.meta.url).href)) as typeof Database;

// Skipped only where PostgreSQL's server is not installed; CI installs it (.ci/run).
describe.skipIf(!postgresBinaries() && process.env.LOOPBENCH_REQUIRE_SERVERS !== '1')('a throwaway PostgreSQL', () => {
  it('starts on loopback, overlaps pooled queries, blocks the caller on a synchronous one, and is gone with its folder once stopped', async () => {
    const postgres = await startPostgres();
    const url = new URL(postgres.url);
    expect(url.hostname).toBe('127.0.0.1');
    const pooled = pooledDatabase({ url: postgres.url, pool: 4 });
    const blocking = blockingDatabase({ url: postgres.url });
    try {
      const started = performance.now();
      await Promise.all(Array.from({ length: 4 }, () => pooled.query(200)));
      // Four 200 ms sleeps on four connections overlap: well under the 800 ms of one after another.
      expect(performance.now() - started).toBeLessThan(600);
      let timerRan = false;
      setTimeout(() => {
        timerRan = true;
      }, 0);
      blocking.query(100);
      expect(timerRan).toBe(false);
    } finally {
      await pooled.end();
      await postgres.stop();
    }
    expect(postgres.running()).toBe(false);
    expect(processAlive(postgres.pid)).toBe(false);
    await expect(pooledDatabase({ url: postgres.url, pool: 1 }).query(0)).rejects.toThrow(/did not answer: connect ECONNREFUSED/);
    expect(() => blocking.query(0)).toThrow(/did not answer/);
  });

  it('names the install command when the binaries are missing', async () => {
    const saved = process.env.POSTGRES_BIN;
    process.env.POSTGRES_BIN = '/nonexistent';
    try {
      await expect(startPostgres()).rejects.toThrow('apt-get install postgresql');
    } finally {
      if (saved === undefined) delete process.env.POSTGRES_BIN;
      else process.env.POSTGRES_BIN = saved;
    }
    expect(existsSync('/nonexistent')).toBe(false);
  });
});
