import { describe, expect, it } from 'vitest';
import { answerRoute, type RouteHandler, refusalOf } from './answer.js';
import { createProbe } from './probe.js';
import { ROUTES, type RouteSpec } from './routes.js';
import { sleepAsync, sleepBlocking } from './work.js';

const route = (name: RouteSpec['name']) => ROUTES.find((r) => r.name === name) as RouteSpec;

const awaiting: RouteHandler = async (r, params) => {
  await sleepAsync(r.waitMs(params));
  return r.reply(params);
};
const blocking: RouteHandler = (r, params) => {
  sleepBlocking(r.waitMs(params));
  return r.reply(params);
};

describe('answerRoute', () => {
  it('refuses bad input with 400 and does not count it', async () => {
    const probe = createProbe('non-blocking');
    expect(await answerRoute(route('sleep'), 'ms=1e3', probe, awaiting)).toEqual({
      status: 400,
      reply: { type: 'json', body: { error: expect.stringContaining('from 0 to 60000') } },
    });
    expect(probe.snapshot().requestsHandled).toBe(0);
  });

  it('waits, replies and counts the request', async () => {
    const probe = createProbe('non-blocking');
    const started = performance.now();
    expect(await answerRoute(route('sleep'), 'ms=30', probe, awaiting)).toEqual({
      status: 200,
      reply: { type: 'json', body: { message: 'done', ms: 30 } },
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
    expect(probe.snapshot()).toMatchObject({ requestsHandled: 1, inFlight: 0 });
  });

  it('holds the thread until a blocking handler returns: nothing else runs meanwhile', () => {
    const probe = createProbe('blocking');
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 0);
    const started = performance.now();
    void answerRoute(route('sleep'), 'ms=50', probe, blocking);
    expect(performance.now() - started).toBeGreaterThanOrEqual(49);
    expect(timerRan).toBe(false);
  });

  it('hands every route to the server’s handler, but answers /stats itself', async () => {
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
