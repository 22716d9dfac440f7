import type http from 'node:http';
import {
  ALLOWED_METHODS,
  answerRoute,
  methodNotAllowedError,
  notFoundError,
  type Probe,
  queryOf,
  type Reply,
  ROUTES,
  type RouteHandler,
  sleepAsync,
} from '@loopbench/contract';

function send(req: http.IncomingMessage, res: http.ServerResponse, status: number, reply: Reply, headers?: http.OutgoingHttpHeaders): void {
  const body = reply.type === 'text' ? reply.body : JSON.stringify(reply.body);
  const type = reply.type === 'text' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  // A literal, not a spread: every answer's headers then share one shape, which writeHead reads fast.
  const given = { 'content-type': type, 'content-length': Buffer.byteLength(body) };
  res.writeHead(status, headers ? { ...given, ...headers } : given);
  res.end(req.method === 'HEAD' ? undefined : body);
}

const refusal = (error: string): Reply => ({ type: 'json', body: { error } });

/** An ASGI async def endpoint: the wait is an awaited timer, so the event loop serves other requests meanwhile. */
export const awaitingHandler: RouteHandler = async (route, params) => {
  await sleepAsync(route.waitMs(params));
  return route.reply(params);
};

/**
 * Bare node:http: a Map from path to route and nothing else, the ceiling every framework is
 * measured against. `handle` lets a caller wait and work elsewhere (server-worker-pool hands both
 * to worker threads).
 */
export function createApp(probe: Probe, handle: RouteHandler = awaitingHandler): http.RequestListener {
  const byPath = new Map(ROUTES.map((route) => [route.path, route]));
  const allowed: readonly string[] = ALLOWED_METHODS;

  const respond = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = req.url ?? '/';
    const path = url.split('?', 1)[0] as string;
    const route = byPath.get(path);
    if (!route) return send(req, res, 404, refusal(notFoundError(path)));
    if (!allowed.includes(req.method ?? '')) {
      return send(req, res, 405, refusal(methodNotAllowedError(req.method ?? '', path)), { allow: ALLOWED_METHODS.join(', ') });
    }
    const { status, reply } = await answerRoute(route, queryOf(url), probe, handle);
    send(req, res, status, reply);
  };

  return (req, res) => {
    respond(req, res).catch((error: Error) => {
      if (!res.headersSent) send(req, res, 500, refusal('internal error'));
      else res.destroy(error);
    });
  };
}
