import http from 'node:http';
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
import Fastify, { type FastifyReply } from 'fastify';

const OTHER_METHODS = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * Fastify, non-blocking: a wait is an awaited timer. serve() owns the http.Server, so Fastify is
 * handed a server it never listens on and its request handler is taken from the factory.
 */
export async function createApp(probe: Probe): Promise<http.RequestListener> {
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
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    void reply.status(status).send({ error: status === 500 ? 'internal error' : error.message });
  });

  for (const route of ROUTES) {
    app.get(route.path, async (request, reply) => {
      const parsed = parseQuery(route, queryOf(request.url));
      if (!parsed.ok) return reply.status(400).send({ error: parsed.error });
      const end = route.tracked ? probe.begin() : undefined;
      try {
        await sleepAsync(route.waitMs(parsed.params));
        const answer = route.reply(parsed.params, (reset) => probe.snapshot({ reset }));
        if (answer.type === 'text') return reply.type('text/plain; charset=utf-8').send(answer.body);
        return reply.send(answer.body);
      } finally {
        end?.();
      }
    });
    app.route({
      method: [...OTHER_METHODS],
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
