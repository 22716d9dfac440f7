import type { HttpReply } from '@loopbench/contract';
import { describe, expect, it } from 'vitest';
import type { GeneratorHealth } from '../measure/generator.js';
import { answerProblems, generatorsProblems, loadProblems, runProblem, sharedMachineProblem } from './problems.js';

const health = (busy: number, delayMs = 1): GeneratorHealth => ({
  eventLoopUtilization: busy,
  eventLoopDelayP99Ms: delayMs,
  cpuUtilization: busy / 2,
  pid: 1,
});

const reply = (status: number, json: unknown): HttpReply => ({ status, headers: {}, json, body: JSON.stringify(json), latencyMs: 1 });

describe('run problems', () => {
  it('words every failed answer the same way, whichever generator counted it', () => {
    expect(answerProblems({ errors: 3, timeouts: 2, non2xx: 1 })).toEqual([
      '3 connection errors',
      '2 requests timed out after 30 s',
      '1 non-2xx answers',
    ]);
    expect(loadProblems({ errors: 0, timeouts: 0, non2xx: 0, generators: [health(0.5)] })).toEqual([]);
  });

  it('calls a run generator-bound when its generator was over the limit, and names which of several', () => {
    expect(loadProblems({ errors: 0, timeouts: 0, non2xx: 0, generators: [health(0.97)] })).toEqual([
      "generator-bound: the load generator was 97% busy (over 90%), so the figures are its limit, not the server's",
    ]);
    expect(generatorsProblems([health(0.2), health(0.2, 80)])).toEqual(['load generator 2 of 2 stalled (its event-loop delay p99 80 ms)']);
  });

  it('checks an answer against the contract: the status first, then the body', () => {
    expect(runProblem.wrongAnswer('/fast', reply(200, { message: 'fast' }), { message: 'fast' })).toBeUndefined();
    expect(runProblem.wrongAnswer('/fast', reply(503, { error: 'busy' }), { message: 'fast' })).toBe('/fast answered 503');
    expect(runProblem.wrongAnswer('/sleep', reply(200, { message: 'done' }), { message: 'done', ms: 5 })).toBe(
      '/sleep answered {"message":"done"}',
    );
  });

  it('says a crash briefly in a run, and with its last output in the failure', () => {
    expect(runProblem.crashed('koa', { code: 7, signal: null })).toBe('koa exited during the run (code 7, signal null)');
    expect(runProblem.crashed('koa', undefined, 'giving up')).toBe('koa exited during the run; its last output:\ngiving up');
  });

  it('says which step of a run a problem came from', () => {
    expect(runProblem.during('the closed-loop view', runProblem.wrongStatus('/sleep', 500))).toBe(
      'the closed-loop view: /sleep answered 500',
    );
  });
});

describe('a server short of CPU beside its load generators', () => {
  const worker = (cpu: number, remote?: boolean): GeneratorHealth => ({
    eventLoopUtilization: cpu,
    eventLoopDelayP99Ms: 1,
    cpuUtilization: cpu,
    pid: 2,
    ...(remote ? { remote } : {}),
  });
  // The figures of a --generator locust hello on koa here: two Python workers took 1.2 of the 2 cores, koa 0.58.
  const starved = { machineCpuUtilization: 1.87, cpuUtilization: 0.58, workersServing: 1 };

  it('flags the run when the machine was saturated, the server used less than it could, and the generators took the rest', () => {
    expect(sharedMachineProblem(starved, [worker(0.6), worker(0.6)], 2)).toBe(
      "generator-bound: this machine's 2 cores were 1.87 busy, of which the load generators here took 1.20 and the server 0.58 (it could use 1), so the figures are the shared machine's limit, not the server's",
    );
  });

  it('not when the server had the cores it could use (the built-in generator on koa: 0.98 of 1)', () => {
    expect(
      sharedMachineProblem({ machineCpuUtilization: 1.79, cpuUtilization: 0.98, workersServing: 1 }, [worker(0.78)], 2),
    ).toBeUndefined();
    expect(sharedMachineProblem({ machineCpuUtilization: 2, cpuUtilization: 1.93, workersServing: 2 }, [worker(0.05)], 2)).toBeUndefined();
  });

  it('not when the machine had cores to spare, nor when the generators ran on other hosts', () => {
    expect(sharedMachineProblem({ ...starved, machineCpuUtilization: 1.2 }, [worker(0.6), worker(0.6)], 2)).toBeUndefined();
    expect(sharedMachineProblem(starved, [worker(0.6, true), worker(0.6, true)], 2)).toBeUndefined();
    expect(sharedMachineProblem(starved, [worker(0.1)], 2)).toBeUndefined();
    expect(sharedMachineProblem(undefined, [worker(0.6)], 2)).toBeUndefined();
  });
});
