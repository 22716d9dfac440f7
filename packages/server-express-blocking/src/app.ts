import {
  ALLOWED_METHODS,
  methodNotAllowedError,
  notFoundError,
  type Probe,
  parseQuery,
  queryOf,
  type Reply,
  ROUTES,
  sleepAsync,
  sleepBlocking,
} from '@loopbench/contract';
import express, { type ErrorRequestHandler, type Response } from 'express';

function send(res: Response, reply: Reply): void {
  if (reply.type === 'text') res.type('text/plain').send(reply.body);
  else res.json(reply.body);
}

/**
 * The blocking model (the default): each handler runs start to finish on the one thread, waits
 * included, so the next request is not even read until this one is answered (Flask,
 * threaded=False). Declared non-blocking (server-express-async), the same app awaits a timer
 * instead: the control that shows the difference is the I/O model, not Express.
 */
export function createApp(probe: Probe): express.Express {
  const wait = probe.model === 'blocking' ? sleepBlocking : sleepAsync;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  for (const route of ROUTES) {
    app.get(route.path, async (req, res) => {
      const parsed = parseQuery(route, queryOf(req.originalUrl));
      if (!parsed.ok) {
        res.status(400).json({ error: parsed.error });
        return;
      }
      const end = route.tracked ? probe.begin() : undefined;
      try {
        // sleepBlocking returns nothing: the await then only yields after the thread was blocked.
        await wait(route.waitMs(parsed.params));
        send(
          res,
          route.reply(parsed.params, (reset) => probe.snapshot({ reset })),
        );
      } finally {
        end?.();
      }
    });
    app.all(route.path, (req, res) => {
      res
        .status(405)
        .set('allow', ALLOWED_METHODS.join(', '))
        .json({ error: methodNotAllowedError(req.method, route.path) });
    });
  }

  app.use((req, res) => {
    res.status(404).json({ error: notFoundError(req.path) });
  });

  // Express's own errors (e.g. a malformed percent-escape) become JSON like every other refusal.
  const onError: ErrorRequestHandler = (error: { status?: number; message?: string }, _req, res, _next) => {
    const status = error.status !== undefined && error.status >= 400 && error.status < 500 ? error.status : 500;
    res.status(status).json({ error: status === 500 ? 'internal error' : (error.message ?? 'bad request') });
  };
  app.use(onError);
  return app;
}
