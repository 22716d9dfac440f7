/**
 * Load from Locust workers (--generator locust): a Locust master the harness runs (loopbench_locust.py)
 * and N workers, local processes or started by the user on other hosts. Each worker is given the job
 * a built-in generator process would have run (protocol.ts); its records come back through the
 * master and become the same results (locustRecords.ts), merged as the built-in generator's are.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { debuglog } from 'node:util';
import { freePort } from '@loopbench/contract';
import type { GeneratorHealth } from './generator.js';
import { ClosedLoopAccount, fixedCountResult, type LocustRecord, openLoopResult } from './locustRecords.js';
import type { OpenLoopOptions } from './openLoop.js';
import { endChildren } from './processes.js';
import type { GeneratorJob } from './protocol.js';

/**
 * Debian's interpreter, the one that sees python3-locust (`python3` on PATH may be another build);
 * LOOPBENCH_LOCUST_PYTHON names another.
 */
export const LOCUST_PYTHON = process.env.LOOPBENCH_LOCUST_PYTHON || '/usr/bin/python3';
export const LOCUST_INSTALL = 'sudo apt-get install python3-locust';

const log = debuglog('loopbench:locust');
const here = path.dirname(fileURLToPath(import.meta.url));
/** The locustfile, beside the package's src/ and dist/. */
export const LOCUSTFILE = path.resolve(here, '../../locust/loopbench_locust.py');

/** Whether Locust can run here; why not, with the command that installs it. */
export function locustAvailability(): { available: true; version: string } | { available: false; reason: string; install: string } {
  if (path.isAbsolute(LOCUST_PYTHON) && !existsSync(LOCUST_PYTHON))
    return { available: false, reason: `${LOCUST_PYTHON} not found`, install: LOCUST_INSTALL };
  const probe = spawnSync(LOCUST_PYTHON, ['-c', 'import locust, geventhttpclient; print("ok")'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.stdout.trim() !== 'ok') return { available: false, reason: 'python3-locust is not installed', install: LOCUST_INSTALL };
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
  const version = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'python3-locust'], { encoding: 'utf8' }).stdout.trim();
  return { available: true, version: version || 'unknown' };
}

export interface LocustSettings {
  /** Workers per run: each runs the job one built-in generator process would have. */
  workers: number;
  /** The address the master listens on for workers (loopback unless the user says otherwise). */
  bindHost: string;
  /** Its port; a free one when absent. */
  port?: number;
  /** Start the workers here (the default), or wait for ones the user starts on other hosts. */
  localWorkers: boolean;
  /** How long to wait for every worker to connect. */
  connectTimeoutS: number;
  /** Told the worker command line when the workers are the user's to start. */
  onWaiting?: (command: string) => void;
}

type MasterLine =
  | { type: 'listening'; host: string; port: number }
  | { type: 'workers'; ids: string[] }
  | { type: 'records'; run: number; worker: string; index: number; startedAt: number; now: number; records: LocustRecord[] }
  | {
      type: 'done';
      run: number;
      worker: string;
      index: number;
      startedAt: number;
      records: LocustRecord[];
      /** Its health (with `requests`, every one it recorded), and the boot id of its machine. */
      generator: GeneratorHealth & { machine: string };
    }
  | { type: 'lost'; worker: string };

/** This machine's kernel boot id, as a worker reports its own: the same one is a worker on this machine. */
const THIS_MACHINE = (() => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return os.hostname();
  }
})();

/** How long a run waits for every worker's last records once it has told them to stop. */
const STOP_WAIT_MS = 30_000;

/** What one worker sent during a run. */
interface WorkerRun {
  startedAt?: number;
  records: LocustRecord[];
  /** Its health, once it has sent its last records. */
  done?: GeneratorHealth & { machine: string };
}

/** The command that starts one worker, here or on another host (with the locustfile copied there). */
export function workerCommand(host: string, port: number, locustfile = LOCUSTFILE): string[] {
  return [
    LOCUST_PYTHON,
    '-m',
    'locust',
    '-f',
    locustfile,
    '--worker',
    '--master-host',
    host,
    '--master-port',
    String(port),
    '--loglevel',
    'WARNING',
  ];
}

/** A master and its workers, kept from run to run as the built-in generator processes are. */
export class LocustSession {
  private master?: ChildProcess;
  private channel?: net.Socket;
  private readonly workers: ChildProcess[] = [];
  private workerIds: string[] = [];
  private listeners = new Set<(line: MasterLine) => void>();
  private port = 0;
  private failure?: Error;
  /** Numbers each run: a worker's late message from an earlier run is known by it, and left out. */
  private runs = 0;

  constructor(private readonly settings: LocustSettings) {}

  /** The local workers' process ids, in the order they were started (none when the workers are remote). */
  get workerPids(): readonly number[] {
    return this.workers.flatMap((worker) => (worker.pid === undefined ? [] : [worker.pid]));
  }

  /** Starts the master and the local workers, and waits until every worker has connected. */
  async open(): Promise<void> {
    if (this.master) return;
    const { bindHost } = this.settings;
    this.port = this.settings.port ?? (await freePort(bindHost));
    const master = spawn(
      LOCUST_PYTHON,
      [LOCUSTFILE, '--bind-host', bindHost, '--port', String(this.port), '--workers', String(this.settings.workers)],
      {
        stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      },
    );
    this.master = master;
    let stderr = '';
    master.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    master.once('exit', (code, signal) =>
      this.fail(new Error(`the Locust master exited (code ${code}, signal ${signal}): ${stderr.trim().split('\n').slice(-3).join(' / ')}`)),
    );
    this.channel = master.stdio[3] as net.Socket;
    createInterface({ input: this.channel }).on('line', (text) => {
      const line = JSON.parse(text) as MasterLine;
      if (line.type === 'workers') this.workerIds = line.ids;
      // A remote worker gone silent, as its master sees it: the session fails as when a local one exits.
      if (line.type === 'lost')
        this.fail(new Error(`Locust worker ${line.worker} was lost: its master heard no heartbeat from it for about 4 s`));
      else for (const listener of this.listeners) listener(line);
    });
    await this.until(
      (line) => line.type === 'listening',
      15_000,
      () => `the Locust master did not listen on ${bindHost}:${this.port} within 15 s`,
    );
    const command = workerCommand(bindHost, this.port);
    if (this.settings.localWorkers) {
      for (let i = 0; i < this.settings.workers; i++) {
        const worker = spawn(command[0] as string, command.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
        worker.once('exit', (code, signal) =>
          this.fail(
            new Error(
              `Locust worker ${i + 1} of ${this.settings.workers} (pid ${worker.pid}) exited mid-run (code ${code}, signal ${signal})`,
            ),
          ),
        );
        this.workers.push(worker);
      }
    } else this.settings.onWaiting?.(command.join(' '));
    await this.waitForWorkers(command);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const listener of this.listeners) listener({ type: 'lost', worker: error.message });
  }

  private send(command: object): void {
    this.channel?.write(`${JSON.stringify(command)}\n`);
  }

  /** Resolves at the first line `matches` takes; rejects after `timeoutMs`, or when the session fails. */
  private until(matches: (line: MasterLine) => boolean, timeoutMs: number, timeoutMessage: () => string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        if (error) reject(error);
        else resolve();
      };
      const listener = (line: MasterLine) => {
        if (line.type === 'lost' && this.failure) done(this.failure);
        else if (matches(line)) done();
      };
      const timer = setTimeout(() => done(new Error(timeoutMessage())), timeoutMs);
      this.listeners.add(listener);
    });
  }

  private async waitForWorkers(command: string[]): Promise<void> {
    const { workers, connectTimeoutS } = this.settings;
    if (this.workerIds.length >= workers) return;
    await this.until(
      () => this.workerIds.length >= workers,
      connectTimeoutS * 1000,
      () =>
        `${this.workerIds.length} of ${workers} Locust workers connected to ${this.settings.bindHost}:${this.port} within ${connectTimeoutS} s; ` +
        `each worker host should have run: ${command.join(' ')}`,
    );
  }

  /**
   * Runs each job on a worker of its own and resolves with their results in job order, as the built-in
   * generators' (pool.ts). A worker lost mid-run rejects, naming it, once the others have stopped.
   */
  async run<R>(jobs: (startAt: number) => GeneratorJob[], signal?: AbortSignal, onStart?: () => void): Promise<R[]> {
    const entered = Date.now();
    await this.open();
    // A worker or the master gone for good: no later run can be made either (and the survivors' last
    // records, sent after the failed run stopped waiting, would be taken for this one's).
    if (this.failure) throw this.failure;
    await this.waitForWorkers(workerCommand(this.settings.bindHost, this.port));
    // Locust hands each worker its job and spawns its user: an open-loop plan starts after that.
    const planned = jobs(performance.timeOrigin + performance.now() + 1_000);
    this.runs += 1;
    const id = this.runs;
    const runs: WorkerRun[] = planned.map(() => ({ records: [] }));
    // A closed loop's connections, every worker's in one account at its offset: they share one window.
    const connections = planned.map((job) => (job.kind === 'closed-loop' ? job.options.connections : 0));
    const offsets = connections.map((_, i) => connections.slice(0, i).reduce((a, b) => a + b, 0));
    const first = planned[0];
    const account =
      first?.kind === 'closed-loop'
        ? new ClosedLoopAccount({ ...first.options, connections: connections.reduce((a, b) => a + b, 0) })
        : undefined;
    let lost: string | undefined;
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      log('stop at +%d ms', Date.now() - entered);
      this.send({ type: 'stop', run: id });
      // Workers that never answer the stop fail the session, rather than hold the run for ever.
      stopTimer = setTimeout(
        () => this.fail(new Error(`Locust workers did not send their last records within ${STOP_WAIT_MS / 1000} s of the stop`)),
        STOP_WAIT_MS,
      );
    };
    let stopTimer: NodeJS.Timeout | undefined;
    const finished = new Promise<void>((resolve) => {
      const listener = (line: MasterLine) => {
        if (line.type === 'lost') {
          lost ??= line.worker;
          stop();
          // The others' results are not waited for: the run is invalid, and what was measured is in the records.
          this.listeners.delete(listener);
          resolve();
          return;
        }
        if ((line.type !== 'records' && line.type !== 'done') || line.run !== id) return;
        const run = runs[line.index];
        if (!run) return;
        if (run.startedAt === undefined) log('worker %d started its job at +%d ms', line.index, line.startedAt - entered);
        run.startedAt ??= line.startedAt;
        run.records.push(...line.records);
        if (account) {
          account.add(line.records, line.type === 'records' ? line.now : Number.NEGATIVE_INFINITY, {
            offset: offsets[line.index] as number,
            startedAt: line.startedAt,
          });
          if (runs.every((r) => r.startedAt !== undefined) && account.settled()) stop();
        }
        if (line.type === 'done') run.done = line.generator;
        if (runs.every((r) => r.done)) {
          this.listeners.delete(listener);
          resolve();
        }
      };
      this.listeners.add(listener);
    });
    log('jobs sent at +%d ms', Date.now() - entered);
    this.send({ type: 'run', run: id, jobs: planned });
    onStart?.();
    signal?.addEventListener('abort', stop, { once: true });
    if (signal?.aborted) stop();
    try {
      await finished;
    } finally {
      clearTimeout(stopTimer);
      signal?.removeEventListener('abort', stop);
      log('ended at +%d ms', Date.now() - entered);
    }
    if (lost) throw new Error(lost);
    for (const [i, run] of runs.entries()) {
      if (run.records.length !== run.done?.requests) {
        throw new Error(`Locust worker ${i + 1} recorded ${run.done?.requests} requests but ${run.records.length} reached the harness`);
      }
    }
    return runs.map((run, i) => {
      const job = planned[i] as GeneratorJob;
      const { machine, ...health } = run.done as GeneratorHealth & { machine: string };
      // A worker on another machine takes no CPU from the servers (network namespaces are one machine).
      const generator = machine === THIS_MACHINE ? health : { ...health, remote: true };
      if (account) return account.result(generator, offsets[i], (offsets[i] as number) + (connections[i] as number)) as R;
      if (job.kind === 'fixed-count') return fixedCountResult(run.records, run.startedAt as number, generator) as R;
      return openLoopResult(job.options as OpenLoopOptions, run.records, generator) as R;
    });
  }

  /** Tells the master to quit (its workers with it), and stops whatever is left. */
  async close(): Promise<void> {
    const children = [this.master, ...this.workers].filter(
      (c): c is ChildProcess => c !== undefined && c.exitCode === null && c.signalCode === null,
    );
    for (const child of children) child.removeAllListeners('exit');
    this.send({ type: 'quit' });
    await endChildren(children, 3_000);
    this.master = undefined;
    this.workers.length = 0;
  }
}
