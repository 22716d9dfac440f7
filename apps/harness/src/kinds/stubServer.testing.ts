import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Model } from '@loopbench/contract';
import type { ServerUnderTest } from './kind.js';

/** What a stub server has seen since it started, counted where requests arrive (before a blocking stub's queue). */
export interface StubLedger {
  /** Every request that arrived, /stats included. */
  arrived: number;
  /** By path, without the query: /fast, /sleep, /stats … */
  byPath: Record<string, number>;
  /** Connections accepted. */
  accepted: number;
  /** Connections open now. */
  open: number;
  /** Requests its handlers finished: the contract's requestsHandled (every route but /stats). */
  handled: number;
  /** Requests inside a handler now. */
  inFlight: number;
  /** performance.timeOrigin-based ms of the last request that arrived; NaN before the first. */
  lastArrivalAt: number;
}

export type StubModel = Extract<Model, 'blocking' | 'non-blocking'>;

export interface StubServer {
  readonly model: StubModel;
  readonly url: string;
  readonly pid: number;
  /** Its counts now (a blocking stub answers once its thread is free). */
  ledger(): Promise<StubLedger>;
  /** The stub as a scenario kind sees it; `seenPids` collects the pids the kind reports through `seen`. */
  asServer(generators?: number): ServerUnderTest & { readonly seenPids: Set<number> };
  close(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./stubServerMain.mjs', import.meta.url));

type StubMessage = { type: 'listening'; port: number } | { type: 'ledger'; id: number; ledger: StubLedger };

/**
 * Starts a stub server of the contract (stubServerMain.mjs) in a process of its own, as the harness
 * starts real servers: its waits may block its own thread without blocking the test's.
 */
export async function startStub(model: StubModel): Promise<StubServer> {
  const child: ChildProcess = fork(MAIN, [model], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    const onMessage = (message: StubMessage) => {
      if (message.type !== 'listening') return;
      child.off('exit', onExit);
      child.off('message', onMessage);
      resolve(message.port);
    };
    const onExit = (code: number | null) => reject(new Error(`the ${model} stub exited before it listened (code ${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  const url = `http://127.0.0.1:${port}`;
  let asked = 0;

  return {
    model,
    url,
    pid: child.pid as number,
    ledger() {
      const id = ++asked;
      return new Promise((resolve, reject) => {
        const onMessage = (message: StubMessage) => {
          if (message.type !== 'ledger' || message.id !== id) return;
          child.off('message', onMessage);
          resolve(message.ledger);
        };
        child.on('message', onMessage);
        child.send({ type: 'ledger', id }, (error) => {
          if (error) {
            child.off('message', onMessage);
            reject(error);
          }
        });
      });
    },
    asServer(generators = 1) {
      const seenPids = new Set<number>();
      return {
        name: `stub-${model}`,
        url,
        model,
        workers: 1,
        generators,
        get exited() {
          return child.exitCode !== null || child.signalCode !== null;
        },
        seenPids,
        seen(pids) {
          for (const pid of pids) seenPids.add(pid);
        },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
