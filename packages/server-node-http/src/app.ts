import type http from 'node:http';
import {
  ALLOWED_METHODS,
  methodNotAllowedError,
  notFoundError,
  type Params,
  type Probe,
  parseQuery,
  queryOf,
  type Reply,
  ROUTES,
  type RouteSpec,
  sleepAsync,
  sleepBlocking,
} from '@loopbench/contract';

/** Does a route's wait and work and returns its reply; the default does both on this thread. */
export type RouteRunner = (route: RouteSpec, params: Params) => Reply | Promise<Reply>;

function send(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  reply: Reply,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const body = reply.type === 'text' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(status, {
    'content-type': reply.type === 'text' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

const refusal = (error: string): Reply => ({ type: 'json', body: { error } });

/**
 * Bare node:http: a Map from path to route and nothing else, the ceiling every framework is
 * measured against. Waits follow the declared model; `run` lets a caller move the work elsewhere
 * (server-worker-pool runs it on worker threads).
 */
export function createApp(probe: Probe, run?: RouteRunner): http.RequestListener {
  const wait = probe.model === 'blocking' ? sleepBlocking : sleepAsync;
  const stats = (reset: boolean) => probe.snapshot({ reset });
  const onThread: RouteRunner = async (route, params) => {
    await wait(route.waitMs(params));
    return route.reply(params, stats);
  };
  const byPath = new Map(ROUTES.map((route) => [route.path, route]));
  const allowed: readonly string[] = ALLOWED_METHODS;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = req.url ?? '/';
    const path = url.split('?', 1)[0] as string;
    const route = byPath.get(path);
    if (!route) return send(req, res, 404, refusal(notFoundError(path)));
    if (!allowed.includes(req.method ?? '')) {
      return send(req, res, 405, refusal(methodNotAllowedError(req.method ?? '', path)), { allow: ALLOWED_METHODS.join(', ') });
    }
    const parsed = parseQuery(route, queryOf(url));
    if (!parsed.ok) return send(req, res, 400, refusal(parsed.error));
    const end = route.tracked ? probe.begin() : undefined;
    try {
      const reply = route.name === 'stats' || !run ? await onThread(route, parsed.params) : await run(route, parsed.params);
      send(req, res, 200, reply);
    } finally {
      end?.();
    }
  };

  return (req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) send(req, res, 500, refusal('internal error'));
      else res.destroy(error);
    });
  };
}
