import type { Model, Probe } from './probe.js';
import { type Params, parseQuery, type Reply, type RouteSpec } from './routes.js';
import { sleepAsync, sleepBlocking } from './work.js';

/** Methods that routes refuse with 405, for frameworks that register them one by one. */
export const REFUSED_METHODS = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** Does a route's wait and work and returns its reply (server-worker-pool moves this to a thread). */
export type RouteRunner = (route: RouteSpec, params: Params) => Reply | Promise<Reply>;

export interface Answer {
  status: number;
  reply: Reply;
}

/** How a model waits: blocking the thread (time.sleep) or on a timer (asyncio.sleep). */
export function waitOf(model: Model): (ms: number) => void | Promise<void> {
  return model === 'blocking' ? sleepBlocking : sleepAsync;
}

/**
 * Everything a route's handler does, for every framework: validate the raw query (400 with the
 * allowed range), count the request in flight, wait in the declared model, reply. A blocking wait
 * happens before the first await, so the thread is held until the reply is ready.
 */
export async function answerRoute(route: RouteSpec, rawQuery: string, probe: Probe, run?: RouteRunner): Promise<Answer> {
  const parsed = parseQuery(route, rawQuery);
  if (!parsed.ok) return { status: 400, reply: { type: 'json', body: { error: parsed.error } } };
  const end = route.tracked ? probe.begin() : undefined;
  try {
    // /stats reads this process's probe, so it never leaves the main thread.
    if (run && route.name !== 'stats') return { status: 200, reply: await run(route, parsed.params) };
    await waitOf(probe.model)(route.waitMs(parsed.params));
    return { status: 200, reply: route.reply(parsed.params, (reset) => probe.snapshot({ reset })) };
  } finally {
    end?.();
  }
}

/** A framework's own error (bad escape, body it cannot parse) as the contract's refusal: 4xx stays, anything else is 500. */
export function refusalOf(error: unknown): { status: number; body: { error: string } } {
  const { status, statusCode, message } = (error ?? {}) as { status?: number; statusCode?: number; message?: string };
  const code = status ?? statusCode;
  return code !== undefined && code >= 400 && code < 500
    ? { status: code, body: { error: message ?? 'bad request' } }
    : { status: 500, body: { error: 'internal error' } };
}
