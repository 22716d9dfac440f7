import {
  type ExitStatus,
  type Model,
  type RunningServer,
  type ServerPackage,
  ServerStartError,
  startServer,
  verifyServer,
} from '@loopbench/contract';
import type { ServerUnderTest } from '../kinds/kind.js';
import { runProblem } from '../kinds/problems.js';
import type { MetricValues, RunRecord } from '../results/results.js';

/** What a contender needs to say while it starts. */
export interface StartReporter {
  step(text: string): void;
  warn(text: string): void;
}

export interface StartOptions {
  workers: number;
  host: string;
  readyTimeoutS: number;
  /** argv prefix, e.g. taskset for --pin. */
  wrap: string[];
  /** Ctrl-C or SIGTERM: once aborted, the harness is stopping every server, and no exit is the server's fault. */
  signal?: AbortSignal;
  /** The scenario's database: its URL as DATABASE_URL, and DB_POOL where the scenario sets the pool; absent, neither is set. */
  database?: { url: string; pool?: number };
}

/**
 * One server in one scenario: its process, what it measured, and whether it failed. Its state
 * changes only through its own methods, so the runner cannot leave it half-recorded.
 */
export class Contender implements ServerUnderTest {
  #running?: RunningServer;
  #exit?: ExitStatus;
  #failure?: string;
  /** The harness stopped it, or is stopping every server (Ctrl-C): an exit from then on is not a crash. */
  #stopped = false;
  #signal: AbortSignal | undefined;
  #databaseUrl: string | undefined;
  readonly #runs: RunRecord[] = [];
  readonly #warmup: MetricValues = {};
  readonly #pids = new Set<number>();

  constructor(
    readonly server: ServerPackage,
    readonly workers: number,
    readonly generators: number,
  ) {}

  get name(): string {
    return this.server.name;
  }

  get model(): Model {
    return this.server.model;
  }

  get url(): string {
    if (!this.running) throw new Error(`${this.name} is not running`);
    return this.running.url;
  }

  /** The database its /query waits in, in a scenario on /query. */
  get databaseUrl(): string | undefined {
    return this.#databaseUrl;
  }

  /** Its process, once started. */
  get running(): RunningServer | undefined {
    return this.#running;
  }

  get exited(): boolean {
    return this.#exit !== undefined;
  }

  /** Aborted once its process has exited: a run's load stops then, instead of waiting out its requests' timeout. */
  readonly #gone = new AbortController();

  get gone(): AbortSignal {
    return this.#gone.signal;
  }

  /** It exited on its own: not by the harness's SIGTERM at the scenario's end or on Ctrl-C. */
  get crashed(): boolean {
    return this.exited && !this.#stopping();
  }

  #stopping(): boolean {
    return this.#stopped || this.#signal?.aborted === true;
  }

  /** Why it cannot be measured any more: it did not start, broke the contract, or died. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** Its measured runs, in the order they ran. */
  get runs(): readonly RunRecord[] {
    return this.#runs;
  }

  /** What its warm-up measured for theory. */
  get warmup(): Readonly<MetricValues> {
    return this.#warmup;
  }

  /** Every process id seen: the one started, and workers that answered /stats. */
  get pids(): ReadonlySet<number> {
    return this.#pids;
  }

  seen(pids: Iterable<number>): void {
    for (const pid of pids) this.#pids.add(pid);
  }

  recordRun(run: RunRecord): void {
    this.#runs.push(run);
  }

  recordWarmup(values: MetricValues): void {
    Object.assign(this.#warmup, values);
  }

  /** Measured no more, for this reason; the first reason is kept. */
  fail(reason: string): void {
    this.#failure ??= reason;
  }

  /** Forgets the run of `repeat` if it was the last recorded: an interrupted run is nobody's figure. */
  dropRun(repeat: number): void {
    if (this.#runs.at(-1)?.repeat === repeat) this.#runs.pop();
  }

  /** Starts the server and checks every route against the contract; a failure is kept, not thrown. */
  async start(options: StartOptions, reporter: StartReporter): Promise<void> {
    this.#signal = options.signal;
    this.#databaseUrl = options.database?.url;
    const pool = options.database?.pool;
    reporter.step(
      `starting ${this.name}${this.workers > 1 ? ` with WORKERS=${this.workers}` : ''}${pool === undefined ? '' : ` with DB_POOL=${pool}`}`,
    );
    try {
      const running = await startServer(this.server, {
        // Set or unset here, never inherited: a DATABASE_URL or DB_POOL in the caller's shell is not the run's.
        env: {
          WORKERS: String(this.workers),
          HOST: options.host,
          DATABASE_URL: options.database?.url,
          DB_POOL: pool === undefined ? undefined : String(pool),
        },
        wrap: options.wrap,
        readyTimeoutMs: options.readyTimeoutS * 1000,
      });
      this.#running = running;
      this.#pids.add(running.pid);
      void running.exited.then((status) => {
        this.#exit = status;
        this.#gone.abort(new Error(`${this.name} exited`));
      });
      reporter.step(`verifying ${this.name}`);
      const problems = await verifyServer(running.url);
      // Stopped by the harness while it was checked: its refused connections are the stop's, not its own.
      if (problems.length > 0 && !this.#stopping()) this.fail(runProblem.brokeContract(this.name, problems));
    } catch (error) {
      if (error instanceof ServerStartError && error.pid !== undefined) this.#pids.add(error.pid);
      // Stopped by the harness before it was ready ("exited … signal SIGTERM"): not the server's failure.
      if (!this.#stopping()) this.fail(error instanceof ServerStartError ? error.message : runProblem.failed(this.name, error as Error));
    }
    if (this.failure) reporter.warn(this.failure);
  }

  /** Stops its process (SIGTERM to its group): whatever exit follows is the harness's doing. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running?.stop();
  }

  /** The server died on its own: in a run's problems briefly, in its failure with its output. */
  crashProblem(withOutput = false): string {
    return runProblem.crashed(this.name, this.#exit, withOutput ? (this.#running?.outputTail() ?? '') : '');
  }
}
