import type http from 'node:http';
import { getRequestListener, RequestError } from '@hono/node-server';
import {
  ALLOWED_METHODS,
  answerRoute,
  methodNotAllowedError,
  notFoundError,
  queryOf,
  REFUSED_METHODS,
  ROUTES,
  type RouteHandler,
  refusalOf,
  type StatsRecorder,
} from '@loopbench/contract';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Hono on @hono/node-server, non-blocking: a wait is awaited (`handle`: a timer, or a query on the pool). HEAD is served by GET routes. */
export function createApp(stats: StatsRecorder, handle: RouteHandler): http.RequestListener {
  const app = new Hono();
  for (const route of ROUTES) {
    app.get(route.path, async (c) => {
      const { status, reply } = await answerRoute(route, queryOf(c.req.url), stats, handle);
      const code = status as ContentfulStatusCode;
      return reply.type === 'text' ? c.text(reply.body, code) : c.json(reply.body as object, code);
    });
    app.on([...REFUSED_METHODS], route.path, (c) =>
      c.json({ error: methodNotAllowedError(c.req.method, route.path) }, 405, { allow: ALLOWED_METHODS.join(', ') }),
    );
  }
  app.notFound((c) => c.json({ error: notFoundError(c.req.path) }, 404));
  // Hono's own errors keep their 4xx status and become JSON like every other refusal.
  app.onError((error, c) => {
    const { status, body } = refusalOf(error);
    return c.json(body, status as ContentfulStatusCode);
  });
  return getRequestListener(app.fetch, {
    // A request without a Host (HTTP/1.0 may omit it; HTTP/1.1 may send it empty) is still served:
    // the adapter builds each Request's URL from Host, and would refuse it with an empty 400.
    hostname: 'localhost',
    // What the adapter cannot make a Request of (a backslash in the path, say) is refused in JSON too.
    errorHandler: (error) =>
      error instanceof RequestError
        ? Response.json({ error: `bad request (${error.message})` }, { status: 400 })
        : Response.json({ error: 'internal error' }, { status: 500 }),
  });
}
