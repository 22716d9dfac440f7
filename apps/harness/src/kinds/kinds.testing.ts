/**
 * One suite that every scenario kind runs, against a stub server of each model (in the spirit of k6's
 * executor tests and Hono's shared cases): what a kind reports adds up to what the server saw,
 * nothing reaches the server once a run is over, and an abort stops the load at once and leaves
 * nothing behind.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeHistogram } from '../results/histogram.js';
import type { RunOutcome, ScenarioKind } from './kind.js';
import { type StubLedger, type StubModel, type StubServer, startStub } from './stubServer.testing.js';

/** How many requests the stub must see on a path: exactly, or from–to. */
export type Expected = number | readonly [min: number, max: number];

export interface KindCase<S> {
  kind: ScenarioKind<S>;
  /** Small: one run takes well under a second or two against either stub. */
  settings: S;
  /** A run that would go on far past ABORT_SETTLE_MS unless aborted. */
  long: S;
  /**
   * What the stub must have seen of one run, by path (/stats included), from what the outcome
   * reports: every request of the run accounted for. A path left out must not have been requested.
   */
  ledger(outcome: RunOutcome, settings: S): Record<string, Expected>;
  /** The same for the warm-up, for kinds that have one. */
  warmupLedger?(settings: S): Record<string, Expected>;
  /**
   * When to abort a `long` run: this many ms after run() is called. By default, 100 ms after any
   * request but /stats has reached the stub (a blocking stub tells only once its thread is free, so
   * a kind whose one request blocks it for long gives a time instead).
   */
  abortAfterMs?: number;
  /** Load generator processes per run (--generators). */
  generators?: number;
  /**
   * Known bugs, by case: the case is declared to fail (it.fails) until the kind is fixed, when it
   * fails itself, so the marker goes with the bug.
   */
  knownIssues?: Partial<Record<'counts' | 'afterWindow' | 'warmup' | 'abort', string>>;
  /** Cases for this kind alone, against the stub of each model. */
  specific?(context: KindContext<S>): void;
}

export interface KindContext<S> {
  model: StubModel;
  settings: S;
  stub(): StubServer;
  server(): ReturnType<StubServer['asServer']>;
  /** The one ordinary run the shared cases look at (run on the first call, then shared). */
  firstRun(): Promise<Observed>;
}

/** A run as the stub saw it. */
export interface Observed {
  outcome: RunOutcome;
  /** Requests by path from the call until run() resolved. */
  seen: Record<string, number>;
  before: StubLedger;
  /** The stub's ledger as run() resolved, and when (performance.timeOrigin-based ms). */
  atSettle: StubLedger;
  settledAt: number;
}

/** An aborted run must settle within this: its load is stopped, not finished. */
export const ABORT_SETTLE_MS = 2_000;
/** How long after a run the stub is watched for stray requests and connections. */
export const QUIET_MS = 200;
/** How far two processes' performance.timeOrigin-based clocks may disagree. */
const CLOCKS_MS = 5;
/** Problems that are about the machine's noise (a generator's own timing), not about what was sent. */
const TIMING_PROBLEM = /generator-bound|stalled|fell behind its plan/;

/** Every generator process a run reported, so the test file can check each has gone after stopGenerators. */
export const generatorPids = new Set<number>();

/** One stub of each model for the whole file (each case counts from its own start), started when first needed. */
const stubs = new Map<StubModel, Promise<StubServer>>();
const stubOf = (model: StubModel): Promise<StubServer> => {
  let stub = stubs.get(model);
  if (!stub) {
    stub = startStub(model);
    stubs.set(model, stub);
  }
  return stub;
};

/** Stops the stubs describeKind started; call it in the test file's afterAll. */
export async function closeStubs(): Promise<void> {
  const started = [...stubs.values()];
  stubs.clear();
  await Promise.all(started.map(async (stub) => (await stub).close()));
}

export const now = (): number => performance.timeOrigin + performance.now();

export function since(after: StubLedger, before: StubLedger): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [path, n] of Object.entries(after.byPath)) {
    const d = n - (before.byPath[path] ?? 0);
    if (d > 0) delta[path] = d;
  }
  return delta;
}

/** Requests that go through a handler: all but /stats. */
const tracked = (seen: Record<string, number>) =>
  Object.entries(seen)
    .filter(([path]) => path !== '/stats')
    .reduce((n, [, k]) => n + k, 0);

export async function until(condition: () => Promise<boolean>, timeoutMs: number, stepMs = 5): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > end) return false;
    await delay(stepMs);
  }
  return true;
}

function expectLedger(seen: Record<string, number>, expected: Record<string, Expected>): void {
  const what = `(seen ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)})`;
  for (const path of new Set([...Object.keys(seen), ...Object.keys(expected)])) {
    const n = seen[path] ?? 0;
    const want = expected[path];
    if (want === undefined) expect(n, `requests to ${path}, which the run should not send ${what}`).toBe(0);
    else if (typeof want === 'number') expect(n, `requests to ${path} ${what}`).toBe(want);
    else {
      expect(n, `requests to ${path} ${what}`).toBeGreaterThanOrEqual(want[0]);
      expect(n, `requests to ${path} ${what}`).toBeLessThanOrEqual(want[1]);
    }
  }
}

/**
 * TCP sockets process `pid` holds to `port` (Linux: its fds against /proc/net/tcp); undefined when
 * it has gone or there is no /proc.
 */
function socketsTo(pid: number, port: number): number | undefined {
  try {
    const inodes = new Set(
      readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
        try {
          return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? ''];
        } catch {
          return [];
        }
      }),
    );
    const table = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
      existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(1) : [],
    );
    return table.filter((line) => {
      const fields = line.trim().split(/\s+/);
      const remotePort = Number.parseInt(fields[2]?.split(':').at(-1) ?? '', 16);
      return remotePort === port && inodes.has(fields[9] ?? '-');
    }).length;
  } catch {
    return undefined;
  }
}

/** Answers in a latency histogram (µs) that took `ms` or longer. */
export function countAtLeast(encoded: string | undefined, ms: number): number {
  if (!encoded) return 0;
  const h = decodeHistogram(encoded);
  const total = h.totalCount;
  let n = 0;
  for (let k = 1; k <= total; k++) if (h.getValueAtPercentile((100 * k) / total) >= ms * 1000) n += 1;
  return n;
}

/** 2xx answers in a run's latency histogram. */
export const measured = (outcome: RunOutcome): number =>
  outcome.latencyHistogram ? decodeHistogram(outcome.latencyHistogram).totalCount : 0;

/** The cases every kind runs, once against a blocking stub and once against a non-blocking one. */
export function describeKind<S>(c: KindCase<S>, models: readonly StubModel[] = ['blocking', 'non-blocking']): void {
  const { kind } = c;
  const known = (name: keyof NonNullable<KindCase<S>['knownIssues']>) => {
    const issue = c.knownIssues?.[name];
    return issue ? { test: it.fails, note: ` [known issue: ${issue}]` } : { test: it, note: '' };
  };
  const record = (outcome: RunOutcome) => {
    for (const g of outcome.generators ?? []) generatorPids.add(g.pid);
  };

  for (const model of models) {
    describe(`${kind.name} against a ${model} stub`, () => {
      let stub: StubServer;
      let server: ReturnType<StubServer['asServer']>;
      let first: Promise<Observed> | undefined;

      beforeAll(async () => {
        stub = await stubOf(model);
        server = stub.asServer(c.generators ?? 1);
      });

      const firstRun = () => {
        first ??= (async () => {
          const before = await stub.ledger();
          const outcome = await kind.run(c.settings, server, 1);
          const settledAt = now();
          const atSettle = await stub.ledger();
          record(outcome);
          return { outcome, seen: since(atSettle, before), before, atSettle, settledAt };
        })();
        return first;
      };

      const counts = known('counts');
      counts.test(`counts add up: what the run reports is what the stub saw, and the stub handled all of it${counts.note}`, async () => {
        const { outcome, seen, before } = await firstRun();
        expect(outcome.problems.filter((p) => !TIMING_PROBLEM.test(p))).toEqual([]);
        expectLedger(seen, c.ledger(outcome, c.settings));
        // /stats came from the stub's process, and the kind told the server which pids it saw.
        if (seen['/stats']) expect([...server.seenPids]).toEqual([stub.pid]);
        // Every request that reached the stub went through a handler, a blocking stub's queue included.
        let handled = 0;
        await until(async () => {
          handled = (await stub.ledger()).handled - before.handled;
          return handled >= tracked(seen);
        }, 3_000);
        expect(handled, 'requests the stub handled').toBe(tracked(seen));
      });

      const afterWindow = known('afterWindow');
      afterWindow.test(`sends no request once run() has resolved, and leaves no connection open${afterWindow.note}`, async () => {
        const { settledAt, atSettle } = await firstRun();
        await delay(Math.max(0, settledAt + QUIET_MS - now()));
        const later = await stub.ledger();
        expect(later.arrived - atSettle.arrived, `requests after run() resolved ${JSON.stringify(since(later, atSettle))}`).toBe(0);
        expect(later.lastArrivalAt, 'the last request arrived before run() resolved').toBeLessThanOrEqual(settledAt + CLOCKS_MS);
        expect(later.open, 'connections open after run() resolved').toBe(0);
      });

      const { warmupLedger } = c;
      if (kind.warmup && warmupLedger) {
        const warmup = known('warmup');
        warmup.test(`the warm-up's counts add up, and it leaves nothing behind${warmup.note}`, async () => {
          const before = await stub.ledger();
          const result = await kind.warmup?.(c.settings, server);
          const settledAt = now();
          const atSettle = await stub.ledger();
          expect(result?.problems.filter((p) => !TIMING_PROBLEM.test(p))).toEqual([]);
          const seen = since(atSettle, before);
          expectLedger(seen, warmupLedger(c.settings));
          await delay(QUIET_MS);
          const later = await stub.ledger();
          expect(later.arrived - atSettle.arrived, 'requests after warmup() resolved').toBe(0);
          expect(later.lastArrivalAt, 'the last request arrived before warmup() resolved').toBeLessThanOrEqual(settledAt + CLOCKS_MS);
          expect(later.open, 'connections open after warmup() resolved').toBe(0);
          expect(later.handled - before.handled, 'requests the stub handled').toBe(tracked(seen));
        });
      }

      const abort = known('abort');
      abort.test(
        `an abort mid-run settles within ${ABORT_SETTLE_MS} ms, stops the load and closes every connection${abort.note}`,
        async () => {
          const before = await stub.ledger();
          const controller = new AbortController();
          const running = kind.run(c.long, server, 1, controller.signal).then(
            (outcome) => ({ outcome }),
            (error: Error) => ({ error }),
          );
          if (c.abortAfterMs !== undefined) await delay(c.abortAfterMs);
          else {
            const underWay = async () => tracked(since(await stub.ledger(), before)) > 0;
            expect(await until(underWay, 5_000), 'the load reached the stub').toBe(true);
            await delay(100);
          }
          const abortedAt = performance.now();
          controller.abort();
          const settled = await running;
          const settleMs = performance.now() - abortedAt;
          const settledAt = now();
          const atSettle = await stub.ledger();
          if ('outcome' in settled) record(settled.outcome);
          const pids = 'outcome' in settled ? (settled.outcome.generators ?? []).map((g) => g.pid) : [];
          expect(settleMs, `run() settled ${settleMs.toFixed(0)} ms after the abort`).toBeLessThan(ABORT_SETTLE_MS);

          await delay(QUIET_MS);
          const later = await stub.ledger();
          expect(
            later.arrived - atSettle.arrived,
            `requests after the aborted run() settled ${JSON.stringify(since(later, atSettle))}`,
          ).toBe(0);
          expect(later.lastArrivalAt, 'the last request arrived before run() settled').toBeLessThanOrEqual(settledAt + CLOCKS_MS);
          expect(later.open, 'connections open after the aborted run() settled').toBe(0);
          // The pool keeps its generators between runs, idle: none may still hold a connection to the stub.
          const port = Number(new URL(stub.url).port);
          for (const pid of pids) expect(socketsTo(pid, port) ?? 0, `sockets generator ${pid} holds to the stub`).toBe(0);
        },
      );

      c.specific?.({ model, settings: c.settings, stub: () => stub, server: () => server, firstRun });
    });
  }
}
