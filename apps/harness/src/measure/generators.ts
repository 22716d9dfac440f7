import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { encodeHistogram, latencyFields, mergeHistograms, summarizeHistogram } from '../analysis/histogram.js';
import type { ClosedLoopOptions, ClosedLoopResult } from './closedLoop.js';
import type { FixedCountOptions, FixedCountResult } from './fixedCount.js';
import type { GeneratorHealth } from './generator.js';
import { type KindResult, kindResult, type OpenLoopOptions, type OpenLoopResult } from './openLoop.js';
import { QueueSplit } from './queueSplit.js';

type Sendable<O> = Omit<O, 'signal'>;

/** What one generator process is asked to do: one of the measure functions, with its options. */
export type GeneratorJob =
  | { kind: 'closed-loop'; options: Sendable<ClosedLoopOptions> }
  | { kind: 'open-loop'; options: Sendable<OpenLoopOptions> }
  | { kind: 'fixed-count'; options: Sendable<FixedCountOptions> };

export type HarnessMessage = { type: 'run'; job: GeneratorJob } | { type: 'abort' };
export type GeneratorReply = { type: 'ready' } | { type: 'result'; result: unknown } | { type: 'error'; message: string };

/** One generator's result type, as several generators' merge into: each one's health in place of the one. */
export type Merged<R extends { generator: GeneratorHealth }> = Omit<R, 'generator'> & { generators: GeneratorHealth[] };

/** Most generator processes a run may ask for: each takes CPU from the server it measures. */
export const MAX_GENERATORS = 8;

const here = fileURLToPath(import.meta.url);
/** Under vitest these sources run as TypeScript, but a child process needs the build (`test` depends on it). */
const MAIN = here.endsWith('.ts')
  ? path.resolve(path.dirname(here), '../../dist/measure/generatorMain.js')
  : path.join(path.dirname(here), 'generatorMain.js');

const READY_TIMEOUT_MS = 15_000;

/** `total` in `parts` near-equal whole shares, larger ones first: 10 over 3 is 4, 3, 3. */
export function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

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
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            // Held again while it goes, so the harness waits for the exit it asked for.
            child.ref();
            if (child.connected) child.disconnect();
            setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
          }),
      ),
    );
  }
}

const pool = new GeneratorPool();

/** Runs the jobs on `count` generator processes; see GeneratorPool.run. */
export function runInGenerators<R>(
  jobs: (startAt: number) => GeneratorJob[],
  count: number,
  signal?: AbortSignal,
  onStart?: () => void,
): Promise<R[]> {
  return pool.run<R>(jobs, count, signal, onStart);
}

/** Stops the generator processes (the harness calls it when a run ends, as it stops its servers). */
export function stopGenerators(): Promise<void> {
  return pool.close();
}

const sum = <T>(all: readonly T[], of: (one: T) => number) => all.reduce((total, one) => total + of(one), 0);

/** Generators' closed-loop results as one run: counts and per-connection throughput add, histograms add. */
export function mergeClosedLoop(results: readonly ClosedLoopResult[]): Merged<ClosedLoopResult> {
  const timeline = results[0]?.timeline;
  return {
    responses: sum(results, (r) => r.responses),
    non2xx: sum(results, (r) => r.non2xx),
    errors: sum(results, (r) => r.errors),
    timeouts: sum(results, (r) => r.timeouts),
    resets: sum(results, (r) => r.resets),
    windowMs: Math.max(...results.map((r) => r.windowMs)),
    throughputRps: sum(results, (r) => r.throughputRps),
    measured: sum(results, (r) => r.measured),
    ...latencyFields(mergeHistograms(results.map((r) => r.latencyHistogram))),
    ...QueueSplit.merge(results.map((r) => r.splitSums)).fields(),
    ...(timeline ? { timeline } : {}),
    generators: results.map((r) => r.generator),
  };
}

/** Generators' fixed-count results as one run: the wall from the first start to the last answer. */
export function mergeFixedCount(results: readonly FixedCountResult[]): Merged<FixedCountResult> {
  const responses = sum(results, (r) => r.responses);
  const non2xx = sum(results, (r) => r.non2xx);
  const startedAt = Math.min(...results.map((r) => r.startedAt));
  const lastAnswerAt = Math.max(...results.map((r) => r.lastAnswerAt));
  const wallMs = lastAnswerAt - startedAt;
  return {
    responses,
    non2xx,
    errors: sum(results, (r) => r.errors),
    timeouts: sum(results, (r) => r.timeouts),
    wallMs,
    throughputRps: ((responses - non2xx) / wallMs) * 1000,
    ...latencyFields(mergeHistograms(results.map((r) => r.latencyHistogram))),
    ...QueueSplit.merge(results.map((r) => r.splitSums)).fields(),
    startedAt,
    lastAnswerAt,
    generators: results.map((r) => r.generator),
  };
}

function mergeKind(kinds: readonly KindResult[]): KindResult {
  return kindResult({
    planned: sum(kinds, (k) => k.planned),
    answered: sum(kinds, (k) => k.answered),
    latency: mergeHistograms(kinds.map((k) => k.latencyHistogram)),
    service: mergeHistograms(kinds.map((k) => k.serviceHistogram)),
    split: QueueSplit.merge(kinds.map((k) => k.splitSums)),
  });
}

/** Generators' open-loop results as one run: each sent its share of one plan on one clock. */
export function mergeOpenLoop(results: readonly OpenLoopResult[]): Merged<OpenLoopResult> {
  const sendLag = mergeHistograms(results.map((r) => r.sendLagHistogram));
  const timeline = results[0]?.timeline;
  return {
    planned: sum(results, (r) => r.planned),
    sent: sum(results, (r) => r.sent),
    answered: sum(results, (r) => r.answered),
    errors: sum(results, (r) => r.errors),
    timeouts: sum(results, (r) => r.timeouts),
    non2xx: sum(results, (r) => r.non2xx),
    fast: mergeKind(results.map((r) => r.fast)),
    slow: mergeKind(results.map((r) => r.slow)),
    sendLagMs: summarizeHistogram(sendLag),
    sendLagHistogram: encodeHistogram(sendLag),
    elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
    ...(timeline ? { timeline } : {}),
    generators: results.map((r) => r.generator),
  };
}

/** Closed-loop load from `count` generator processes, the connections shared out (at least one each). */
export async function generateClosedLoop(
  options: ClosedLoopOptions,
  count = 1,
  /** Called as the generators are told to start. */
  onStart?: () => void,
): Promise<Merged<ClosedLoopResult>> {
  const { signal, timeline, ...rest } = options;
  const parts = shares(options.connections, Math.max(1, Math.min(count, options.connections)));
  const results = await runInGenerators<ClosedLoopResult>(
    () =>
      parts.map((connections, i) => ({
        kind: 'closed-loop',
        options: { ...rest, connections, ...(timeline && i === 0 ? { timeline } : {}) },
      })),
    parts.length,
    signal,
    onStart,
  );
  return mergeClosedLoop(results);
}

/** A fixed count from `count` generator processes, requests and connections shared out. */
export async function generateFixedCount(options: FixedCountOptions, count = 1): Promise<Merged<FixedCountResult>> {
  const { signal, ...rest } = options;
  const n = Math.max(1, Math.min(count, options.connections, options.requests));
  const requests = shares(options.requests, n);
  const connections = shares(options.connections, n);
  const results = await runInGenerators<FixedCountResult>(
    () => requests.map((r, i) => ({ kind: 'fixed-count', options: { ...rest, requests: r, connections: connections[i] as number } })),
    n,
    signal,
  );
  return mergeFixedCount(results);
}

/** An open-loop plan from `count` generator processes, request i from generator i mod count, on one clock. */
export async function generateOpenLoop(options: OpenLoopOptions, count = 1): Promise<Merged<OpenLoopResult>> {
  const { signal, timeline, plan, ...rest } = options;
  const n = Math.max(1, Math.min(count, plan.length));
  const results = await runInGenerators<OpenLoopResult>(
    (startAt) =>
      Array.from({ length: n }, (_, i) => ({
        kind: 'open-loop',
        options: { ...rest, startAt, plan: plan.filter((_, k) => k % n === i), ...(timeline && i === 0 ? { timeline } : {}) },
      })),
    n,
    signal,
  );
  return mergeOpenLoop(results);
}
