import Router from '@koa/router';
import {
  ALLOWED_METHODS,
  answerRoute,
  methodNotAllowedError,
  notFoundError,
  type Probe,
  queryOf,
  ROUTES,
  refusalOf,
} from '@loopbench/contract';
import Koa from 'koa';

/**
 * The non-blocking model: a wait is an awaited timer, so the event loop serves other requests
 * meanwhile (FastAPI async def). The CPU loop still runs on that one thread.
 */
export function createApp(probe: Probe): Koa {
  const app = new Koa();
  const router = new Router();

  // Every refusal, Koa's own included, is JSON with a 4xx status.
  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
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
    router.get(route.path, async (ctx) => {
      const { status, reply } = await answerRoute(route, queryOf(ctx.url), probe);
      ctx.status = status;
      if (reply.type === 'text') ctx.type = 'text/plain';
      ctx.body = reply.body;
    });
    router.all(route.path, (ctx) => {
      ctx.status = 405;
      ctx.set('allow', ALLOWED_METHODS.join(', '));
      ctx.body = { error: methodNotAllowedError(ctx.method, route.path) };
    });
  }
  app.use(router.routes());
  return app;
}
