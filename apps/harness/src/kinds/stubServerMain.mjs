/**
 * A stub server for the scenario kinds' tests, in a process of its own (stubServer.testing.ts starts
 * it): the contract's own pieces (createHttpServer, answerRoute, /stats from a StatsRecorder) around
 * the two handlers the project's Node servers use. Blocking waits as server-express-blocking does,
 * stopping the thread, so the next request is not even read until this one is answered; non-blocking
 * awaits a timer, as every non-blocking server. It counts what arrives and tells its parent on request.
 *
 * Usage: node stubServerMain.mjs blocking|non-blocking (with an IPC channel).
 */
import { performance } from 'node:perf_hooks';
import {
  answerRoute,
  awaiting,
  createHttpServer,
  createStatsRecorder,
  notFoundError,
  pooledDatabase,
  queryOf,
  ROUTES,
  sleepBlocking,
} from '@loopbench/contract';

const model = process.argv[2];
if (model !== 'blocking' && model !== 'non-blocking') throw new Error(`stubServerMain: unknown model ${model}`);

/** As server-express-blocking's: the wait blocks the one thread. */
const blockingHandler = (route, params) => {
  sleepBlocking(route.waitMs(params));
  return route.reply(params);
};

const recorder = createStatsRecorder(model);
// No database: the kinds' suite sends nothing to /query.
const handle = model === 'blocking' ? blockingHandler : awaiting(pooledDatabase({ url: undefined, pool: 1 }));
const byPath = new Map(ROUTES.map((route) => [route.path, route]));
const ledger = { arrived: 0, byPath: {}, accepted: 0, lastArrivalAt: Number.NaN };
const sockets = new Set();

function send(req, res, status, reply) {
  const body = reply.type === 'text' ? reply.body : JSON.stringify(reply.body);
  const type = reply.type === 'text' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

const server = createHttpServer(
  (req, res) => {
    const url = req.url ?? '/';
    const route = byPath.get(url.split('?', 1)[0]);
    if (!route) return send(req, res, 404, { type: 'json', body: { error: notFoundError(url) } });
    const answer = answerRoute(route, queryOf(url), recorder, handle);
    if (!(answer instanceof Promise)) return send(req, res, answer.status, answer.reply);
    answer.then(
      ({ status, reply }) => send(req, res, status, reply),
      () => send(req, res, 500, { type: 'json', body: { error: 'internal error' } }),
    );
  },
  { model },
);
// Counted as they arrive, before the handler (which may block the thread) and before a blocking
// server's queue: a request counts, with its time, once it has reached the server.
server.prependListener('request', (req) => {
  const path = (req.url ?? '/').split('?', 1)[0];
  ledger.arrived += 1;
  ledger.byPath[path] = (ledger.byPath[path] ?? 0) + 1;
  ledger.lastArrivalAt = performance.timeOrigin + performance.now();
});
server.on('connection', (socket) => {
  ledger.accepted += 1;
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
});

process.on('message', (message) => {
  if (message?.type !== 'ledger') return;
  const { requestsHandled, inFlight } = recorder.snapshot();
  process.send?.({ type: 'ledger', id: message.id, ledger: { ...ledger, open: sockets.size, handled: requestsHandled, inFlight } });
});
// Its parent has gone, or is done with it.
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send?.({ type: 'listening', port: server.address().port }));
