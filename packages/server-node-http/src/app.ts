import type http from 'node:http';
import {
  ALLOWED_METHODS,
  answerRoute,
  methodNotAllowedError,
  notFoundError,
  queryOf,
  type Reply,
  ROUTES,
  type RouteHandler,
  type StatsRecorder,
  whenAnswered,
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

/**
 * Bare node:http: a Map from path to route and nothing else, the ceiling every framework is
 * measured against. `handle` waits and works: awaiting here, on worker threads in server-worker-pool.
 */
export function createApp(stats: StatsRecorder, handle: RouteHandler): http.RequestListener {
  const byPath = new Map(ROUTES.map((route) => [route.path, route]));
  const allowed: readonly string[] = ALLOWED_METHODS;

  const fail = (req: http.IncomingMessage, res: http.ServerResponse, error: Error) => {
    if (!res.headersSent) send(req, res, 500, refusal('internal error'));
    else res.destroy(error);
  };
  // The answer is written in the turn that read the request, unless the handler's reply is a promise (a wait).
  const respond = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = req.url ?? '/';
    const path = url.split('?', 1)[0] as string;
    const route = byPath.get(path);
    if (!route) return send(req, res, 404, refusal(notFoundError(path)));
    if (!allowed.includes(req.method ?? '')) {
      return send(req, res, 405, refusal(methodNotAllowedError(req.method ?? '', path)), { allow: ALLOWED_METHODS.join(', ') });
    }
    return whenAnswered(answerRoute(route, queryOf(url), stats, handle), ({ status, reply }) => send(req, res, status, reply));
  };

  return (req, res) => {
    try {
      respond(req, res)?.catch((error: Error) => fail(req, res, error));
    } catch (error) {
      fail(req, res, error as Error);
    }
  };
}
