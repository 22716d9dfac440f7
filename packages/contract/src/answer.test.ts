import { describe, expect, it } from 'vitest';
import { type Answer, answerRoute, awaiting as awaitingOn, type RouteHandler, refusalOf, whenAnswered } from './answer.js';
import { blockingDatabase, NO_DATABASE, pooledDatabase } from './database.js';
import { ROUTES, type RouteSpec } from './routes.js';
import { createStatsRecorder } from './serverStats.js';
import { sleepBlocking } from './work.js';

const route = (name: RouteSpec['name']) => ROUTES.find((r) => r.name === name) as RouteSpec;

const awaiting = awaitingOn(pooledDatabase({ url: undefined, pool: 1 }));
const blocking: RouteHandler = (r, params) => {
  sleepBlocking(r.waitMs(params));
  return r.reply(params);
};

describe('answerRoute', () => {
  it('answers /query 503 in JSON when the database cannot answer, awaited or blocking, and counts it done', async () => {
    const stats = createStatsRecorder('non-blocking');
    const unavailable = { status: 503, reply: { type: 'json', body: { error: NO_DATABASE } } };
    expect(await answerRoute(route('query'), 'ms=10', stats, awaiting)).toEqual(unavailable);
    const noConnection = blockingDatabase({ url: undefined });
    const blockingQuery: RouteHandler = (r, params) => {
      noConnection.query(r.waitMs(params));
      return r.reply(params);
    };
    expect(await answerRoute(route('query'), 'ms=10', stats, blockingQuery)).toEqual(unavailable);
    expect(stats.snapshot()).toMatchObject({ requestsHandled: 2, inFlight: 0 });
  });

  it('leaves any other failure to the framework (500)', async () => {
    const stats = createStatsRecorder('non-blocking');
    const broken: RouteHandler = () => Promise.reject(new Error('a bug'));
    await expect(answerRoute(route('fast'), '', stats, broken)).rejects.toThrow('a bug');
  });

  it('refuses bad input with 400 and does not count it', async () => {
    const stats = createStatsRecorder('non-blocking');
    expect(await answerRoute(route('sleep'), 'ms=1e3', stats, awaiting)).toEqual({
      status: 400,
      reply: { type: 'json', body: { error: expect.stringContaining('from 0 to 60000') } },
    });
    expect(stats.snapshot().requestsHandled).toBe(0);
  });

  it('waits, replies and counts the request', async () => {
    const stats = createStatsRecorder('non-blocking');
    const started = performance.now();
    expect(await answerRoute(route('sleep'), 'ms=30', stats, awaiting)).toEqual({
      status: 200,
      reply: { type: 'json', body: { message: 'done', ms: 30 } },
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
    expect(stats.snapshot()).toMatchObject({ requestsHandled: 1, inFlight: 0 });
  });

  it('holds the thread until a blocking handler returns: nothing else runs meanwhile', () => {
    const stats = createStatsRecorder('blocking');
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 0);
    const started = performance.now();
    void answerRoute(route('sleep'), 'ms=50', stats, blocking);
    expect(performance.now() - started).toBeGreaterThanOrEqual(49);
    expect(timerRan).toBe(false);
  });

  it('hands every route to the server’s handler, but answers /stats itself', async () => {
    const stats = createStatsRecorder('non-blocking');
    const ran: string[] = [];
    const run = (r: RouteSpec) => {
      ran.push(r.name);
      return { type: 'text' as const, body: 'from the runner' };
    };
    expect((await answerRoute(route('cpu'), '', stats, run)).reply).toEqual({ type: 'text', body: 'from the runner' });
    expect((await answerRoute(route('stats'), '', stats, run)).reply.body).toMatchObject({ model: 'non-blocking' });
    expect(ran).toEqual(['cpu']);
  });
});

describe('answering in the same turn', () => {
  it('answers a route with nothing to wait for at once, not as a promise, and counts it', () => {
    const stats = createStatsRecorder('non-blocking');
    expect(answerRoute(route('hello'), '', stats, awaiting)).toEqual({ status: 200, reply: { type: 'text', body: 'Hello' } });
    expect(answerRoute(route('sleep'), 'ms=0', stats, awaiting)).toEqual({
      status: 200,
      reply: { type: 'json', body: { message: 'done', ms: 0 } },
    });
    expect(stats.snapshot()).toMatchObject({ requestsHandled: 2, inFlight: 0 });
  });

  it('keeps a request in flight until its awaited wait is over', async () => {
    const stats = createStatsRecorder('non-blocking');
    const answer = answerRoute(route('sleep'), 'ms=20', stats, awaiting);
    expect(answer).toBeInstanceOf(Promise);
    expect(stats.snapshot()).toMatchObject({ inFlight: 1, requestsHandled: 0 });
    await answer;
    expect(stats.snapshot()).toMatchObject({ inFlight: 0, requestsHandled: 1 });
  });

  it('lets a handler’s error through, thrown or rejected, and leaves nothing in flight', async () => {
    const stats = createStatsRecorder('non-blocking');
    const thrown: RouteHandler = () => {
      throw new Error('thrown');
    };
    const rejected: RouteHandler = () => Promise.reject(new Error('rejected'));
    expect(() => answerRoute(route('fast'), '', stats, thrown)).toThrow('thrown');
    await expect(answerRoute(route('fast'), '', stats, rejected)).rejects.toThrow('rejected');
    expect(stats.snapshot()).toMatchObject({ inFlight: 0, requestsHandled: 2 });
  });

  it('writes a ready answer before returning, and a coming one when it comes', async () => {
    const written: number[] = [];
    const write = ({ status }: Answer) => {
      written.push(status);
    };
    expect(whenAnswered({ status: 200, reply: { type: 'text', body: 'x' } }, write)).toBeUndefined();
    expect(written).toEqual([200]);
    const later = whenAnswered(Promise.resolve({ status: 201, reply: { type: 'text', body: 'y' } }), write);
    expect(written).toEqual([200]);
    await later;
    expect(written).toEqual([200, 201]);
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
