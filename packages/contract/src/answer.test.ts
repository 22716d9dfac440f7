import { describe, expect, it } from 'vitest';
import { answerRoute, refusalOf } from './answer.js';
import { createProbe } from './probe.js';
import { ROUTES, type RouteSpec } from './routes.js';

const route = (name: RouteSpec['name']) => ROUTES.find((r) => r.name === name) as RouteSpec;

describe('answerRoute', () => {
  it('refuses bad input with 400 and does not count it', async () => {
    const probe = createProbe('non-blocking');
    expect(await answerRoute(route('sleep'), 'ms=1e3', probe)).toEqual({
      status: 400,
      reply: { type: 'json', body: { error: expect.stringContaining('from 0 to 60000') } },
    });
    expect(probe.snapshot().requestsHandled).toBe(0);
  });

  it('waits, replies and counts the request', async () => {
    const probe = createProbe('non-blocking');
    const started = performance.now();
    expect(await answerRoute(route('sleep'), 'ms=30', probe)).toEqual({
      status: 200,
      reply: { type: 'json', body: { message: 'done', ms: 30 } },
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
    expect(probe.snapshot()).toMatchObject({ requestsHandled: 1, inFlight: 0 });
  });

  it('blocks the thread before its first await in the blocking model', () => {
    const probe = createProbe('blocking');
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 0);
    const started = performance.now();
    void answerRoute(route('sleep'), 'ms=50', probe);
    expect(performance.now() - started).toBeGreaterThanOrEqual(49);
    expect(timerRan).toBe(false);
  });

  it('hands work to a runner, but answers /stats itself', async () => {
    const probe = createProbe('non-blocking');
    const ran: string[] = [];
    const run = (r: RouteSpec) => {
      ran.push(r.name);
      return { type: 'text' as const, body: 'from the runner' };
    };
    expect((await answerRoute(route('cpu'), '', probe, run)).reply).toEqual({ type: 'text', body: 'from the runner' });
    expect((await answerRoute(route('stats'), '', probe, run)).reply.body).toMatchObject({ model: 'non-blocking' });
    expect(ran).toEqual(['cpu']);
  });
});

describe('refusalOf', () => {
  it('keeps a framework’s 4xx with its message and hides anything else as 500', () => {
    expect(refusalOf({ status: 400, message: 'Failed to decode param' })).toEqual({
      status: 400,
      body: { error: 'Failed to decode param' },
    });
    expect(refusalOf({ statusCode: 415, message: 'Unsupported Media Type' })).toEqual({
      status: 415,
      body: { error: 'Unsupported Media Type' },
    });
    expect(refusalOf(new Error('boom'))).toEqual({ status: 500, body: { error: 'internal error' } });
    expect(refusalOf(undefined)).toEqual({ status: 500, body: { error: 'internal error' } });
  });
});
