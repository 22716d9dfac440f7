import Router from '@koa/router';
import {
  ALLOWED_METHODS,
  answerRoute,
  methodNotAllowedError,
  notFoundError,
  queryOf,
  ROUTES,
  type RouteHandler,
  refusalOf,
  type StatsRecorder,
  whenAnswered,
} from '@loopbench/contract';
import Koa from 'koa';

const PATHS = new Set(ROUTES.map((route) => route.path));

/** Koa, non-blocking: many requests wait at once on one thread; the CPU loop still runs on it. `handle` awaits every wait. */
export function createApp(stats: StatsRecorder, handle: RouteHandler): Koa {
  const app = new Koa();
  const router = new Router();

  // Every refusal, Koa's own included, is JSON with a 4xx status.
  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        // A route's path with another method: the router matched no GET or HEAD for it.
        if (PATHS.has(ctx.path)) {
          ctx.status = 405;
          ctx.set('allow', ALLOWED_METHODS.join(', '));
          ctx.body = { error: methodNotAllowedError(ctx.method, ctx.path) };
          return;
        }
        ctx.status = 404;
        ctx.body = { error: notFoundError(ctx.path) };
      }
    } catch (error) {
      const { status, body } = refusalOf(error);
      ctx.status = status;
      ctx.body = body;
    }
  });

  for (const route of ROUTES) {
    // GET, and HEAD with it; Koa types a string body text/plain and an object JSON.
    // The wait is awaited (a timer, or a query on the pool); with none, the answer is written at once.
    router.get(route.path, (ctx) =>
      whenAnswered(answerRoute(route, queryOf(ctx.url), stats, handle), ({ status, reply }) => {
        ctx.status = status;
        ctx.body = reply.body;
      }),
    );
  }
  app.use(router.routes());
  return app;
}
