import { type AwaitedDatabase, DatabaseUnavailable } from './database.js';
import { type Params, parseQuery, type Reply, type RouteSpec } from './routes.js';
import type { StatsRecorder } from './serverStats.js';
import { SHARED } from './shared.js';
import { sleepAsync } from './work.js';

/** Methods that routes refuse with 405, for frameworks that register them one by one. */
export const REFUSED_METHODS: readonly string[] = SHARED.refusedMethods;

/**
 * What a server does with a valid request, in its own model: the route's wait (`route.waitMs`),
 * then its work and reply (`route.reply`). The non-blocking servers share awaitingHandler; a
 * blocking or pooled server writes its own, so its code shows how it waits.
 */
export type RouteHandler = (route: RouteSpec, params: Params) => Reply | Promise<Reply>;

export interface Answer {
  status: number;
  reply: Reply;
}

/**
 * The non-blocking model's handler (FastAPI's async def): a wait is an awaited timer, or an awaited
 * query on the server's pool (asyncpg), so the event loop serves other requests meanwhile. A route
 * with nothing to wait for replies at once: awaiting nothing still sent every /hello through the
 * microtask queue.
 */
export function awaiting(database: AwaitedDatabase): RouteHandler {
  return (route, params) => {
    const ms = route.waitMs(params);
    if (route.waitsIn === 'database') return database.query(ms).then(() => route.reply(params));
    return ms > 0 ? sleepAsync(ms).then(() => route.reply(params)) : route.reply(params);
  };
}

const SERVICE_UNAVAILABLE = 503;

/** The database's failure as the contract's 503; anything else is the framework's to answer. */
function databaseRefusal(error: unknown): Answer {
  if (error instanceof DatabaseUnavailable) return { status: SERVICE_UNAVAILABLE, reply: { type: 'json', body: { error: error.message } } };
  throw error;
}

/**
 * Everything around a route's handler, for every framework: validate the raw query (400 with the
 * allowed range), count the request in flight, call the server's handler, reply (503 when the
 * database could not answer). /stats reads this
 * process's StatsRecorder, so the contract answers it here, on the main thread.
 *
 * The answer is a promise only when the handler's reply is: a fast framework then answers /hello
 * in the turn that read it (whenAnswered), as its own minimal app does.
 */
export function answerRoute(route: RouteSpec, rawQuery: string, stats: StatsRecorder, handle: RouteHandler): Answer | Promise<Answer> {
  const parsed = parseQuery(route, rawQuery);
  if (!parsed.ok) return { status: 400, reply: { type: 'json', body: { error: parsed.error } } };
  if (route.name === 'stats') return { status: 200, reply: route.reply(parsed.params, (reset) => stats.snapshot({ reset })) };
  const end = route.tracked ? stats.begin() : undefined;
  let reply: Reply | Promise<Reply>;
  try {
    reply = handle(route, parsed.params);
  } catch (error) {
    end?.();
    return databaseRefusal(error);
  }
  if (reply instanceof Promise) return reply.then((value): Answer => ({ status: 200, reply: value }), databaseRefusal).finally(end);
  end?.();
  return { status: 200, reply };
}

/** Writes an answer: at once when it is there, else when it comes (then the promise says when it was written). */
export function whenAnswered(answer: Answer | Promise<Answer>, write: (answer: Answer) => void): void | Promise<void> {
  return answer instanceof Promise ? answer.then(write) : write(answer);
}

/** A framework's own error (bad escape, body it cannot parse) as the contract's refusal: 4xx stays, anything else is 500. */
export function refusalOf(error: unknown): { status: number; body: { error: string } } {
  const { status, statusCode, message } = (error ?? {}) as { status?: number; statusCode?: number; message?: string };
  const code = status ?? statusCode;
  return code !== undefined && code >= 400 && code < 500
    ? { status: code, body: { error: message ?? 'bad request' } }
    : { status: 500, body: { error: 'internal error' } };
}
