import type pg from 'pg';
import { runAsWorker } from 'synckit';
import { loadPg, sleepQuery } from './database.js';

export interface QueryRequest {
  url: string;
  ms: number;
  timeoutMs: number;
}

/** The blocking driver's one connection, opened on first use and again after the database dropped it. */
let client: pg.Client | undefined;

async function connected(url: string, timeoutMs: number): Promise<pg.Client> {
  if (client) return client;
  const { Client } = await loadPg();
  const fresh = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  fresh.on('error', () => {
    if (client === fresh) client = undefined;
  });
  await fresh.connect();
  client = fresh;
  return fresh;
}

/** Answers null when the database slept, else what went wrong (an Error does not cross the thread whole). */
runAsWorker(async ({ url, ms, timeoutMs }: QueryRequest): Promise<string | null> => {
  try {
    const connection = await connected(url, timeoutMs);
    await connection.query(sleepQuery(ms, timeoutMs));
    return null;
  } catch (error) {
    const dropped = client;
    client = undefined;
    void dropped?.end().catch(() => {});
    return error instanceof Error ? error.message : String(error);
  }
});
