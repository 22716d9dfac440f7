/**
 * Every run problem, worded in one place. A problem makes its run invalid; results.json keeps the
 * sentence and every renderer quotes it, so one thing is said one way whichever kind or step found it.
 * Here, not in measure/: the instruments report what they saw, the kinds and the runner judge it.
 */
import os from 'node:os';
import type { ExitStatus, HttpReply } from '@loopbench/contract';
import { busyShare, GENERATOR_LIMITS, type GeneratorHealth } from '../measure/generator.js';
import { REQUEST_TIMEOUT_S, SEND_LAG_LIMIT_MS } from './limits.js';

/** What any load generator counts of its answers. */
export interface AnswerCounts {
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Of the non-2xx, 503s, where the generator counts them: /query's answer when the database cannot answer. */
  unavailable?: number;
}

/** Requests that got no good answer: connection errors, timeouts after REQUEST_TIMEOUT_S, non-2xx. */
export function answerProblems(load: AnswerCounts): string[] {
  const found: string[] = [];
  if (load.errors > 0) found.push(`${load.errors} connection errors`);
  if (load.timeouts > 0) found.push(`${load.timeouts} requests timed out after ${REQUEST_TIMEOUT_S} s`);
  if (load.non2xx > 0) {
    const unavailable = load.unavailable ? ` (${load.unavailable} of them 503 Service Unavailable)` : '';
    found.push(`${load.non2xx} non-2xx answers${unavailable}`);
  }
  return found;
}

/** Why one generator's reading makes a run untrustworthy, or undefined when it does not. */
export function generatorProblem(health: GeneratorHealth, which = 'the load generator'): string | undefined {
  const busy = busyShare(health);
  if (busy > GENERATOR_LIMITS.busy) {
    return `generator-bound: ${which} was ${(busy * 100).toFixed(0)}% busy (over ${GENERATOR_LIMITS.busy * 100}%), so the figures are its limit, not the server's`;
  }
  if (health.eventLoopDelayP99Ms > GENERATOR_LIMITS.eventLoopDelayP99Ms) {
    return `${which} stalled (its event-loop delay p99 ${health.eventLoopDelayP99Ms.toFixed(0)} ms)`;
  }
  return undefined;
}

/** Every generator's problem, each named when there were several. */
export function generatorsProblems(healths: readonly GeneratorHealth[]): string[] {
  return healths.flatMap((health, i) => {
    const problem = generatorProblem(health, healths.length > 1 ? `load generator ${i + 1} of ${healths.length}` : undefined);
    return problem ? [problem] : [];
  });
}

/**
 * A server the load generators on its own machine left short of CPU: the machine's cores were
 * saturated, the server used less than its processes could, and the generators here took a share of
 * a core or more. Its figures are the shared machine's limit, not the server's, however idle each
 * generator looked (a starved Locust worker waits on its answers). Generators on other hosts
 * (`remote`) take nothing from it. Undefined when the run was not so bound.
 */
export function sharedMachineProblem(
  signals: { cpuUtilization?: number; machineCpuUtilization?: number; workersServing?: number } | undefined,
  generators: readonly GeneratorHealth[],
  cores = os.availableParallelism(),
): string | undefined {
  if (signals?.machineCpuUtilization === undefined || signals.cpuUtilization === undefined || signals.workersServing === undefined)
    return undefined;
  const generatorCores = generators.filter((g) => !g.remote).reduce((sum, g) => sum + g.cpuUtilization, 0);
  const usable = Math.min(Math.max(1, signals.workersServing), cores);
  const saturated = signals.machineCpuUtilization >= GENERATOR_LIMITS.busy * cores;
  const starved = signals.cpuUtilization < GENERATOR_LIMITS.busy * usable;
  if (!saturated || !starved || generatorCores < SHARED_MACHINE_GENERATOR_CORES) return undefined;
  const share = (n: number) => n.toFixed(2);
  return (
    `generator-bound: this machine's ${cores} cores were ${share(signals.machineCpuUtilization)} busy, of which the load generators ` +
    `here took ${share(generatorCores)} and the server ${share(signals.cpuUtilization)} (it could use ${usable}), so the figures are the shared machine's limit, not the server's`
  );
}

/** Cores the generators on the server's machine must take before they count as its competition. */
const SHARED_MACHINE_GENERATOR_CORES = 0.25;

/** What makes a load run untrustworthy, whatever generator sent it. */
export function loadProblems(load: AnswerCounts & { generators: readonly GeneratorHealth[] }): string[] {
  return [...answerProblems(load), ...generatorsProblems(load.generators)];
}

/** The rest of the run's wording, one function per problem. */
export const runProblem = {
  noAnswer: () => 'no request was answered',
  someAnswered: (answered: number, requests: number) => `${answered} of ${requests} requests answered`,
  neverSent: (unsent: number, planned: number) => `${unsent} of ${planned} planned requests were never sent`,
  sendLag: (p99Ms: number) => `the generator fell behind its plan (send lag p99 ${p99Ms.toFixed(1)} ms > ${SEND_LAG_LIMIT_MS} ms)`,
  listenOverflows: (connections: number) => `${connections} connections overflowed a listen backlog (TcpExt ListenOverflows)`,
  statsMissing: () => 'server-side /stats did not answer from every worker',
  /** Requests the server still held after the load: its next run would count them in flight as its own. */
  notDrained: (seconds: number) => `the server still had requests in flight ${seconds} s after the load stopped`,
  /** The database stopped answering during the run: the server's /query answered 503 without it. */
  databaseLost: (database: string) =>
    `the database (${database}) stopped answering during this run: /query answers 503 without it, so the figures are not the server's`,
  /** A run not made, because the database had stopped answering before it. */
  databaseGone: (database: string) => `not run: the database (${database}) had stopped answering during an earlier run`,
  wrongStatus: (route: string, status: number) => `${route} answered ${status}`,
  /** A route that answered, but not as the contract says; undefined when it did. */
  wrongAnswer(route: string, reply: HttpReply, expected: unknown): string | undefined {
    if (reply.status !== 200) return runProblem.wrongStatus(route, reply.status);
    if (JSON.stringify(reply.json) !== JSON.stringify(expected)) return `${route} answered ${reply.body.slice(0, 80)}`;
    return undefined;
  },
  /** A problem of one step of a run (the warm-up, the closed-loop view), said as such. */
  during: (step: string, problem: string) => `${step}: ${problem}`,
  /** The server died on its own: briefly in a run's problems, with its last output in its failure. */
  crashed(server: string, exit: ExitStatus | undefined, output = ''): string {
    const how = exit ? ` (code ${exit.code}, signal ${exit.signal})` : '';
    return `${server} exited during the run${how}${output ? `; its last output:\n${output}` : ''}`;
  },
  brokeContract: (server: string, found: readonly string[]) => `${server} does not follow the contract: ${found.join('; ')}`,
  /** A run or start that threw, for a reason of its own. */
  failed: (server: string, error: Error) => `${server}: ${error.message}`,
} as const;
