import {
  ALLOWED_METHODS,
  answerRoute,
  type BlockingDatabase,
  methodNotAllowedError,
  notFoundError,
  queryOf,
  ROUTES,
  type RouteHandler,
  refusalOf,
  type StatsRecorder,
  sleepBlocking,
} from '@loopbench/contract';
import express, { type ErrorRequestHandler } from 'express';

/**
 * Flask with threaded=False: the wait blocks the one thread (Atomics.wait, like time.sleep; a
 * synchronous query, like psycopg2), so the next request is not even read until this one is answered.
 */
export function blocking(database: BlockingDatabase): RouteHandler {
  return (route, params) => {
    if (route.waitsIn === 'database') database.query(route.waitMs(params));
    else sleepBlocking(route.waitMs(params));
    return route.reply(params);
  };
}

/**
 * Express with the handler it is given: blocking here, awaiting in server-express-async, the very
 * same app: the control that shows the difference is the I/O model, not Express.
 */
export function createApp(stats: StatsRecorder, handle: RouteHandler): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  for (const route of ROUTES) {
    app.get(route.path, async (req, res) => {
      const { status, reply } = await answerRoute(route, queryOf(req.originalUrl), stats, handle);
      res.status(status);
      if (reply.type === 'text') res.type('text/plain').send(reply.body);
      else res.json(reply.body);
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
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const { status, body } = refusalOf(error);
    res.status(status).json(body);
  };
  app.use(onError);
  return app;
}
