import Router from '@koa/router';
import {
  ALLOWED_METHODS,
  methodNotAllowedError,
  notFoundError,
  type Probe,
  parseQuery,
  queryOf,
  ROUTES,
  sleepAsync,
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
      const { status, message } = error as { status?: number; message?: string };
      ctx.status = status !== undefined && status >= 400 && status < 500 ? status : 500;
      ctx.body = { error: ctx.status === 500 ? 'internal error' : (message ?? 'bad request') };
    }
  });

  for (const route of ROUTES) {
    router.get(route.path, async (ctx) => {
      const parsed = parseQuery(route, queryOf(ctx.url));
      if (!parsed.ok) {
        ctx.status = 400;
        ctx.body = { error: parsed.error };
        return;
      }
      const end = route.tracked ? probe.begin() : undefined;
      try {
        await sleepAsync(route.waitMs(parsed.params));
        const reply = route.reply(parsed.params, (reset) => probe.snapshot({ reset }));
        if (reply.type === 'text') ctx.type = 'text/plain';
        ctx.body = reply.body;
      } finally {
        end?.();
      }
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
