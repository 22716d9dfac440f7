import { type ExitStatus, type RunningServer, type ServerPackage, ServerStartError, startServer, verifyServer } from '@loopbench/contract';
import type { ServerUnderTest } from '../kinds/kind.js';
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
}

/** One server in one scenario: its process, what it measured, and whether it failed. */
export class Contender implements ServerUnderTest {
  running?: RunningServer;
  exit?: ExitStatus;
  /** Why it cannot be measured any more: it did not start, broke the contract, or died. */
  failure?: string;
  readonly runs: RunRecord[] = [];
  warmup: MetricValues = {};
  /** Every process id seen: the one started, and workers that answered /stats. */
  readonly pids = new Set<number>();

  constructor(
    readonly server: ServerPackage,
    readonly workers: number,
    readonly generators: number,
  ) {}

  get name(): string {
    return this.server.name;
  }

  get url(): string {
    if (!this.running) throw new Error(`${this.name} is not running`);
    return this.running.url;
  }

  get exited(): boolean {
    return this.exit !== undefined;
  }

  seen(pids: Iterable<number>): void {
    for (const pid of pids) this.pids.add(pid);
  }

  /** Starts the server and checks every route against the contract; a failure is kept, not thrown. */
  async start(options: StartOptions, reporter: StartReporter): Promise<void> {
    reporter.step(`starting ${this.name}${this.workers > 1 ? ` with WORKERS=${this.workers}` : ''}`);
    try {
      const running = await startServer(this.server, {
        env: { WORKERS: String(this.workers), HOST: options.host },
        wrap: options.wrap,
        readyTimeoutMs: options.readyTimeoutS * 1000,
      });
      this.running = running;
      this.pids.add(running.pid);
      void running.exited.then((status) => {
        this.exit = status;
      });
      reporter.step(`verifying ${this.name}`);
      const problems = await verifyServer(running.url);
      if (problems.length > 0) this.failure = `${this.name} does not follow the contract: ${problems.join('; ')}`;
    } catch (error) {
      if (error instanceof ServerStartError && error.pid !== undefined) this.pids.add(error.pid);
      this.failure = error instanceof ServerStartError ? error.message : `${this.name}: ${(error as Error).message}`;
    }
    if (this.failure) reporter.warn(this.failure);
  }

  /** The server died on its own: in a run's problems briefly, in its failure with its output. */
  crashProblem(withOutput = false): string {
    const how = this.exit ? ` (code ${this.exit.code}, signal ${this.exit.signal})` : '';
    const tail = withOutput ? (this.running?.outputTail() ?? '') : '';
    return `${this.name} exited during the run${how}${tail ? `; its last output:\n${tail}` : ''}`;
  }
}
