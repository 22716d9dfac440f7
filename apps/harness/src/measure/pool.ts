import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { LocustSession, type LocustSettings } from './locust.js';
import { endChildren } from './processes.js';
import type { GeneratorJob, GeneratorReply, HarnessMessage } from './protocol.js';

/** Most generator processes a run may ask for: each takes CPU from the server it measures. */
export const MAX_GENERATORS = 8;

const here = fileURLToPath(import.meta.url);
/** Under vitest these sources run as TypeScript, but a child process needs the build (`test` depends on it). */
const MAIN = here.endsWith('.ts')
  ? path.resolve(path.dirname(here), '../../dist/measure/generatorMain.js')
  : path.join(path.dirname(here), 'generatorMain.js');

const READY_TIMEOUT_MS = 15_000;

function ready(child: ChildProcess, index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    const onMessage = (reply: GeneratorReply) =>
      done(reply.type === 'ready' ? undefined : new Error(`load generator ${index + 1} said ${reply.type} before it was ready`));
    const onExit = (code: number | null, signal: string | null) =>
      done(new Error(`load generator ${index + 1} exited before it was ready (code ${code}, signal ${signal})`));
    const timer = setTimeout(
      () => done(new Error(`load generator ${index + 1} was not ready after ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function result<R>(child: ChildProcess, index: number): Promise<R> {
  return new Promise((resolve, reject) => {
    const done = (outcome: () => void) => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      outcome();
    };
    const onMessage = (reply: GeneratorReply) => {
      if (reply.type === 'result') done(() => resolve(reply.result as R));
      if (reply.type === 'error') done(() => reject(new Error(`load generator ${index + 1}: ${reply.message}`)));
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(() => reject(new Error(`load generator ${index + 1} exited mid-run (code ${code}, signal ${signal})`)));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

const alive = (child: ChildProcess) => child.connected && child.exitCode === null && child.signalCode === null;

/**
 * The generator processes, kept from run to run (a fork per run cost ~0.2 s and a cold JIT) and
 * idle between runs. Between runs they do not keep the harness alive; if it goes, they exit.
 */
class GeneratorPool {
  private children: ChildProcess[] = [];

  private async take(count: number): Promise<ChildProcess[]> {
    this.children = this.children.filter(alive);
    const forked: ChildProcess[] = [];
    while (this.children.length + forked.length < count) {
      const child = fork(MAIN, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      forked.push(child);
    }
    try {
      await Promise.all(forked.map((child, i) => ready(child, this.children.length + i)));
    } catch (error) {
      for (const child of forked) child.kill('SIGKILL');
      throw error;
    } finally {
      this.children.push(...forked.filter(alive));
    }
    return this.children.slice(0, count);
  }

  /**
   * Runs each job on a generator of its own, all told to start at once, and resolves with their
   * results in order; an abort is passed on. A generator that fails is stopped and replaced next time.
   */
  async run<R>(jobs: (startAt: number) => GeneratorJob[], count: number, signal?: AbortSignal, onStart?: () => void): Promise<R[]> {
    const children = await this.take(count);
    const abort = () => {
      for (const child of children) if (child.connected) child.send({ type: 'abort' } satisfies HarnessMessage);
    };
    for (const child of children) child.channel?.ref();
    // Closed loops run together: each steps on (steady, close) once every one has said it could.
    const said = { warm: new Set<ChildProcess>(), closable: new Set<ChildProcess>() };
    const relays = children.map((child) => (reply: GeneratorReply) => {
      if (reply.type !== 'warm' && reply.type !== 'closable') return;
      said[reply.type].add(child);
      if (said[reply.type].size < children.length) return;
      for (const each of children)
        if (each.connected) each.send({ type: reply.type === 'warm' ? 'steady' : 'close' } satisfies HarnessMessage);
    });
    for (const [i, child] of children.entries()) child.on('message', relays[i] as (reply: GeneratorReply) => void);
    try {
      const results = children.map((child, i) => result<R>(child, i));
      // Sent together; an open-loop plan starts a little later, on every generator's clock at once.
      const planned = jobs(performance.timeOrigin + performance.now() + 50);
      for (const [i, child] of children.entries()) child.send({ type: 'run', job: planned[i] as GeneratorJob } satisfies HarnessMessage);
      onStart?.();
      signal?.addEventListener('abort', abort, { once: true });
      if (signal?.aborted) abort();
      const settled = await Promise.allSettled(results);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) {
        // Out of the pool at once, so the next run forks fresh ones rather than take a dying one.
        this.children = this.children.filter((child) => !children.includes(child));
        for (const child of children) child.kill('SIGKILL');
        throw failed.reason;
      }
      return settled.map((s) => (s as PromiseFulfilledResult<Awaited<R>>).value as R);
    } finally {
      for (const [i, child] of children.entries()) child.off('message', relays[i] as (reply: GeneratorReply) => void);
      signal?.removeEventListener('abort', abort);
      for (const child of children) {
        child.channel?.unref();
        child.unref();
      }
    }
  }

  /** Stops every generator process and waits until each has exited. */
  async close(): Promise<void> {
    const children = this.children;
    this.children = [];
    await endChildren(children, 2_000, (child) => {
      // Held again while it goes, so the harness waits for the exit it asked for.
      child.ref();
      if (child.connected) child.disconnect();
    });
  }
}

const pool = new GeneratorPool();
/** Set by --generator locust: the jobs go to Locust workers instead (measure/locust.ts). */
let locust: LocustSession | undefined;

/**
 * From now on every run's load comes from Locust workers, `settings.workers` of them: started (or
 * waited for) here, before any run, so no run's server-side figures include Locust's start.
 */
export async function useLocust(settings: LocustSettings): Promise<void> {
  locust = new LocustSession(settings);
  await locust.open();
}

/** Runs the jobs on `count` generator processes (or the Locust workers); see GeneratorPool.run. */
export function runInGenerators<R>(
  jobs: (startAt: number) => GeneratorJob[],
  count: number,
  signal?: AbortSignal,
  onStart?: () => void,
): Promise<R[]> {
  return locust ? locust.run<R>(jobs, signal, onStart) : pool.run<R>(jobs, count, signal, onStart);
}

/** Stops the generator processes, and Locust's (the harness calls it when a run ends, as it stops its servers). */
export async function stopGenerators(): Promise<void> {
  const session = locust;
  locust = undefined;
  await Promise.all([pool.close(), session?.close()]);
}
