import type { HttpReply } from '@loopbench/contract';
import { describe, expect, it } from 'vitest';
import type { GeneratorHealth } from '../measure/generator.js';
import { answerProblems, generatorsProblems, loadProblems, runProblem } from './problems.js';

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
