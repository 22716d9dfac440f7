import type http from 'node:http';
import { getRequestListener } from '@hono/node-server';
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
import { Hono } from 'hono';

const OTHER_METHODS = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/** Hono on @hono/node-server, non-blocking: a wait is an awaited timer. HEAD is served by GET routes. */
export function createApp(probe: Probe): http.RequestListener {
  const app = new Hono();
  for (const route of ROUTES) {
    app.get(route.path, async (c) => {
      const parsed = parseQuery(route, queryOf(c.req.url));
      if (!parsed.ok) return c.json({ error: parsed.error }, 400);
      const end = route.tracked ? probe.begin() : undefined;
      try {
        await sleepAsync(route.waitMs(parsed.params));
        const answer = route.reply(parsed.params, (reset) => probe.snapshot({ reset }));
        return answer.type === 'text' ? c.text(answer.body) : c.json(answer.body as object);
      } finally {
        end?.();
      }
    });
    app.on(OTHER_METHODS, route.path, (c) =>
      c.json({ error: methodNotAllowedError(c.req.method, route.path) }, 405, { allow: ALLOWED_METHODS.join(', ') }),
    );
  }
  app.notFound((c) => c.json({ error: notFoundError(c.req.path) }, 404));
  app.onError((_error, c) => c.json({ error: 'internal error' }, 500));
  return getRequestListener(app.fetch);
}
