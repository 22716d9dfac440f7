import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ExceptionCase, ServerPackage } from '../declaration.js';
import { type LaunchOptions, processAlive, type RunningServer, startServer } from '../launch.js';

/** What each block of the suite is given: the server under test, its model and its declared exceptions. */
export interface SuiteContext {
  server: ServerPackage;
  blocking: boolean;
  exceptions: NonNullable<ServerPackage['exceptions']>;
  /** it() for a hardening case, or a skipped test that names the server's declared exception and its reason. */
  hardening: (name: ExceptionCase) => typeof it;
}

export function suiteContext(server: ServerPackage): SuiteContext {
  const exceptions = server.exceptions ?? {};
  return {
    server,
    blocking: server.model === 'blocking',
    exceptions,
    hardening: (name) => {
      const reason = exceptions[name];
      if (reason === undefined) return it;
      return ((title: string) => it.skip(`${title} — declared exception "${name}": ${reason}`, () => {})) as unknown as typeof it;
    },
  };
}

/** Starts the server for one block of tests and stops it after, checking it exited cleanly. */
export function withServer(server: ServerPackage, options: LaunchOptions = {}): () => RunningServer {
  let running: RunningServer | undefined;
  beforeAll(async () => {
    running = await startServer(server, options);
  });
  afterAll(async () => {
    if (!running) return;
    const status = await running.stop();
    expect(status).toEqual({ code: 0, signal: null });
    expect(processAlive(running.pid)).toBe(false);
  });
  return () => {
    if (!running) throw new Error(`${server.name} did not start`);
    return running;
  };
}

export async function concurrently<T>(count: number, make: () => Promise<T>): Promise<{ wallMs: number; results: T[] }> {
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: count }, make));
  return { wallMs: performance.now() - started, results };
}
