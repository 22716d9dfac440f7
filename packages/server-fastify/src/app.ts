import http from 'node:http';
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
import Fastify, { type FastifyReply } from 'fastify';

/**
 * Fastify, non-blocking: a wait is awaited (`handle`: a timer, or a query on the pool). serve() owns the http.Server, so Fastify is
 * handed a server it never listens on and its request handler is taken from the factory.
 */
export async function createApp(stats: StatsRecorder, handle: RouteHandler): Promise<http.RequestListener> {
  let listener: http.RequestListener | undefined;
  const app = Fastify({
    serverFactory: (handler) => {
      listener = handler;
      return http.createServer();
    },
    // Errors before routing (a malformed percent-escape in the path) answer JSON too.
    frameworkErrors: (error, _request, reply) => {
      void (reply as FastifyReply).status(400).send({ error: error.message });
    },
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: notFoundError(request.url.split('?', 1)[0] as string) });
  });
  // Fastify's own refusals (body parsing, media types) become {"error": ...} like every other.
  app.setErrorHandler((error, _request, reply) => {
    const { status, body } = refusalOf(error);
    void reply.status(status).send(body);
  });

  for (const route of ROUTES) {
    app.get(route.path, async (request, reply) => {
      const { status, reply: answer } = await answerRoute(route, queryOf(request.url), stats, handle);
      void reply.status(status);
      return answer.type === 'text' ? reply.type('text/plain; charset=utf-8').send(answer.body) : reply.send(answer.body);
    });
    app.route({
      method: [...REFUSED_METHODS],
      url: route.path,
      handler: (request, reply) => {
        void reply
          .status(405)
          .header('allow', ALLOWED_METHODS.join(', '))
          .send({ error: methodNotAllowedError(request.method, route.path) });
      },
    });
  }

  await app.ready();
  if (!listener) throw new Error('Fastify did not hand over its request handler');
  return listener;
}
