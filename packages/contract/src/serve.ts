import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type DatabaseSettings, readDatabaseEnv } from './database.js';
import { readServerPackage } from './declaration.js';
import { integerFromEnv } from './env.js';
import type { Model } from './model.js';
import { ALLOWED_METHODS, LIMITS, methodNotAllowedError, notFoundError, uriTooLongError } from './routes.js';
import { createStatsRecorder, type StatsRecorder } from './serverStats.js';
import { SHARED } from './shared.js';
import { TimedResponse, timeResponse } from './timing.js';

/**
 * The same socket settings for every server, so no framework wins by its defaults (contract.json):
 * a large backlog, so the kernel queues bursts instead of dropping connections (capped by
 * net.core.somaxconn); a slow client gets headersTimeoutMs to send its headers and requestTimeoutMs
 * for the whole request, enforced every connectionsCheckingIntervalMs (Node's default is 30 s).
 */
export const SERVER_SETTINGS = SHARED.settings;

/** In-flight requests may take up to the longest allowed sleep; past this a stop is forced. */
const STOP_DEADLINE_MS = LIMITS.sleepMsMax + 5_000;

export interface ServeEnv {
  host: string;
  port: number;
  workers: number;
  /** Whether answers carry Server-Timing (SERVER_TIMING=0 turns it off, to measure its cost). */
  serverTiming: boolean;
}

/**
 * PORT (0 = any free port), HOST (default 127.0.0.1), WORKERS (node:cluster processes, default 1),
 * SERVER_TIMING (1, the default: every answer carries Server-Timing; 0: none).
 */
export function readServeEnv(env: NodeJS.ProcessEnv = process.env): ServeEnv {
  return {
    host: env.HOST || '127.0.0.1',
    port: integerFromEnv('PORT', 0, { min: 0, max: 65_535, example: 3000 }, env),
    workers: integerFromEnv('WORKERS', 1, { min: 1, max: 64, example: 2 }, env),
    serverTiming: integerFromEnv('SERVER_TIMING', 1, { min: 0, max: 1, example: 0 }, env) === 1,
  };
}

/** RFC 3986's host (a bracketed IP literal or a reg-name of unreserved, sub-delims and %XX) and an optional port. */
const VALID_HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]*)?$/;

/**
 * Why the request's Host is refused (RFC 9112 §3.2: missing in HTTP/1.1, given twice, or not a
 * host[:port]), or undefined. Empty is valid. Read from the raw list: `req.headers` would build an
 * object per request that a fast framework never asks for.
 */
/** The last Host that passed: a client sends the same one on every request, so checking it again is a comparison. */
let lastValidHost = '';

function hostRefusal(rawHeaders: readonly string[], required: boolean): string | undefined {
  let host: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (host !== undefined) return 'a request may have one Host header, not two';
    host = rawHeaders[i + 1] as string;
  }
  if (host === undefined) return required ? 'an HTTP/1.1 request needs a Host header' : undefined;
  if (host === '' || host === lastValidHost) return undefined;
  if (!VALID_HOST.test(host)) return `Host must be a host name or address and an optional port (got ${JSON.stringify(host.slice(0, 100))})`;
  lastValidHost = host;
  return undefined;
}

const SPOKEN = 'this server speaks HTTP/1.0 and HTTP/1.1';

/** An HTTP version other than 1.x, by its major number: 505 (RFC 9112 §2.3), the contract's one 5xx. */
function versionNotSupported(version: string): [number, string] {
  return [505, `HTTP/${version} is not supported; ${SPOKEN}`];
}

/** The refusal of a request line without a version: an HTTP/0.9 answer would have no status line. */
const NO_VERSION: [number, string] = [400, `a request line needs an HTTP version; ${SPOKEN}`];

/**
 * What Node's parser refused, as the contract's status and error. Its codes are coarse, so the
 * packet that failed (`rawPacket`, the bytes of the read it failed in) tells apart what they lump
 * together: a version it does not know from a line that is not HTTP, a target too long from
 * headers too large.
 */
function parserRefusal(code: string | undefined, packet: Buffer | undefined, fallback: string): [number, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW': {
      // The head's limit counts the request line too. When this read began a request (a method, a
      // space) whose first line had not ended by the limit, it is the target that is too long. A
      // target that came in several reads is not seen here, and is refused as headers (431).
      const lineEnd = packet?.indexOf(10) ?? 0;
      const startsRequest = packet !== undefined && /^[A-Z]+ /.test(packet.subarray(0, 24).toString('latin1'));
      if (startsRequest && (lineEnd === -1 || lineEnd > SERVER_SETTINGS.maxHeaderSizeBytes)) {
        return [414, `request target is over ${SERVER_SETTINGS.maxHeaderSizeBytes} characters; the limit is ${LIMITS.urlLengthMax}`];
      }
      return [431, `request headers are over ${SERVER_SETTINGS.maxHeaderSizeBytes} bytes`];
    }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request not received in time'];
    case 'HPE_PAUSED_H2_UPGRADE':
      // "PRI * HTTP/2.0": an HTTP/2 client that assumed this server speaks it.
      return versionNotSupported('2.0');
    case 'HPE_INVALID_VERSION': {
      const version = /^[!-~]+ [!-~]+ HTTP\/(\d+\.\d+)\r?\n/.exec(packet?.toString('latin1', 0, 8_192) ?? '')?.[1];
      if (version !== undefined && !version.startsWith('1.')) return versionNotSupported(version);
      break;
    }
  }
  return [400, `malformed request (${fallback})`];
}

/**
 * Runs `answer` when it is `res`'s turn on its connection: at once, unless the request came pipelined
 * behind one whose answer is still on its way. Node parses every request a packet holds in one go
 * and queues their responses per connection, handing the next one the socket ('socket') once the
 * last has finished; so a handler that blocks the thread answers each request in turn, not all at
 * the end, and each answer is timed from its turn. A client that leaves closes the connection and
 * no turn comes: nothing else waits on it. The caller checked `res.socket === null`, so the common
 * case pays one comparison and allocates nothing.
 */
function whenItsTurn(req: http.IncomingMessage, res: http.ServerResponse, answer: http.RequestListener): void {
  res.once('socket', () => {
    if (!req.socket.destroyed) answer(req, res);
  });
}

/** A JSON refusal written straight to a socket that no ServerResponse owns, then the socket closes. */
function refuseOnSocket(socket: Duplex, status: number, body: string, headers = ''): void {
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${headers}connection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function refuse(res: http.ServerResponse, status: number, error: string, serverTiming: boolean): void {
  if (serverTiming) timeResponse(res);
  const body = JSON.stringify({ error });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export interface HttpServerOptions {
  /** Whether answers carry Server-Timing (the default). */
  serverTiming?: boolean;
  /** Called with each response as its request arrives, before its turn (serve() counts the answers in flight by it). */
  track?: (res: http.ServerResponse) => void;
}

/**
 * An unstarted http.Server with the shared settings around a framework's request listener. Every
 * server, whatever its declared model, gets a connection's requests one at a time: the next once the
 * last answer on that connection has left (whenItsTurn). Requests on different connections are
 * never held back: a server is blocking or not by how its own code waits, and its declaration only
 * describes it.
 *
 * Every answer carries `Server-Timing: app;dur=<ms>`, the time from when the request's turn came on
 * its connection to its answer's head, unless `serverTiming` is false.
 */
export function createHttpServer(listener: http.RequestListener, { serverTiming = true, track }: HttpServerOptions = {}): http.Server {
  const options = {
    maxHeaderSize: SERVER_SETTINGS.maxHeaderSizeBytes,
    connectionsCheckingInterval: SERVER_SETTINGS.connectionsCheckingIntervalMs,
    // Node's own refusal of a Host-less HTTP/1.1 request has an empty body; ours is JSON like the rest.
    requireHostHeader: false,
    ...(serverTiming ? { ServerResponse: TimedResponse } : {}),
  };
  // One function does the contract's part: each layer of closures on the way to a fast framework cost it throughput.
  const answer: http.RequestListener = (req, res) => {
    const url = req.url as string;
    if (url.length > LIMITS.urlLengthMax) return refuse(res, 414, uriTooLongError(url.length), serverTiming);
    // Node's parser takes HTTP/2.0 and a line without a version (as 0.9) and would answer them in 1.1.
    if (req.httpVersionMajor !== 1) {
      const [status, error] = req.httpVersionMajor === 0 ? NO_VERSION : versionNotSupported(req.httpVersion);
      return refuse(res, status, error, serverTiming);
    }
    const badHost = hostRefusal(req.rawHeaders, req.httpVersionMinor === 1);
    if (badHost !== undefined) return refuse(res, 400, badHost, serverTiming);
    // `*` (OPTIONS *) names no route; a framework that builds a URL from it would fail with an empty 400.
    if (url === '*') return refuse(res, 404, notFoundError(url), serverTiming);
    // No client sends a fragment; a URL parser drops one, so every framework sees the same path and query.
    const fragment = url.indexOf('#');
    if (fragment !== -1) req.url = url.slice(0, fragment);
    if (serverTiming) timeResponse(res);
    listener(req, res);
  };
  const server = http.createServer(options, (req, res) => {
    track?.(res);
    if (res.socket === null) whenItsTurn(req, res, answer);
    else answer(req, res);
  });
  // An Expect other than 100-continue: Node's own 417 has an empty body.
  const expectationFailed: http.RequestListener = (req, res) => {
    const expectation = JSON.stringify(String(req.headers.expect).slice(0, 100));
    refuse(res, 417, `the expectation ${expectation} cannot be met; only 100-continue is understood`, serverTiming);
  };
  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
    track?.(res);
    if (res.socket === null) whenItsTurn(req, res, expectationFailed);
    else expectationFailed(req, res);
  });
  // CONNECT never reaches a request listener: Node hands it over as a raw socket, closed unanswered unless answered here.
  server.on('connect', (req: http.IncomingMessage, socket: Duplex) => {
    const body = JSON.stringify({ error: methodNotAllowedError('CONNECT', req.url ?? '') });
    refuseOnSocket(socket, 405, body, `allow: ${ALLOWED_METHODS.join(', ')}\r\n`);
  });
  // Parser-level refusals (oversized heads, versions, malformed requests) get JSON too, then the socket closes.
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    if (!socket.writable) return socket.destroy();
    const [status, message] = parserRefusal(error.code, error.rawPacket, error.code ?? error.message);
    // A reply to HEAD has no body; the packet that failed to parse usually begins with the method.
    const body = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ' ? '' : JSON.stringify({ error: message });
    refuseOnSocket(socket, status, body);
  });
  server.keepAliveTimeout = SERVER_SETTINGS.keepAliveTimeoutMs;
  server.headersTimeout = SERVER_SETTINGS.headersTimeoutMs;
  server.requestTimeout = SERVER_SETTINGS.requestTimeoutMs;
  return server;
}

export interface ServeOptions {
  /** The display name, as in the package's "loopbench" field. */
  name: string;
  model: Model;
  /** Builds the app with its database (DATABASE_URL, DB_POOL); may be async for frameworks that must be made ready first. */
  createListener: (stats: StatsRecorder, database: DatabaseSettings) => http.RequestListener | Promise<http.RequestListener>;
  /** Connections the server's database pool holds unless DB_POOL says otherwise (the declaration's database.pool). */
  databasePool?: number;
}

/** The line a server prints on stdout once it accepts connections. */
export interface ReadyLine {
  event: 'listening';
  server: string;
  model: Model;
  host: string;
  port: number;
  pid: number;
  workers: number;
  backlog: number;
  keepAliveTimeoutMs: number;
}

function announce(options: ServeOptions, env: ServeEnv, address: { address: string; port: number }): void {
  const line: ReadyLine = {
    event: 'listening',
    server: options.name,
    model: options.model,
    host: address.address,
    port: address.port,
    pid: process.pid,
    workers: env.workers,
    backlog: SERVER_SETTINGS.backlog,
    keepAliveTimeoutMs: SERVER_SETTINGS.keepAliveTimeoutMs,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** `action` on the first call only: for events that may come twice or from two sources. */
function onlyOnce(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}

function onStopSignal(stop: () => void): void {
  // `on`, not `once`: a second signal (group kill plus the primary's own) must not kill mid-drain.
  const once = onlyOnce(stop);
  process.on('SIGTERM', once);
  process.on('SIGINT', once);
}

async function listen(options: ServeOptions, env: ServeEnv, database: DatabaseSettings, announceWhenReady: boolean): Promise<void> {
  const listener = await options.createListener(createStatsRecorder(options.model), database);
  // Requests being answered; once none is left, connections that never sent a whole request are dropped.
  let answering = 0;
  let stopping = false;
  // One listener for every response ('close' comes once): once() would wrap a new closure per request.
  const closed = () => {
    answering -= 1;
    if (stopping && answering === 0) server.closeAllConnections();
  };
  const track = (res: http.ServerResponse) => {
    answering += 1;
    if (res.socket !== null) {
      res.on('close', closed);
      return;
    }
    // Queued behind another answer on a pipelined connection: if its client leaves first, the
    // response never closes, so the connection's close ends it too (once).
    const once = onlyOnce(closed);
    res.on('close', once);
    res.req.socket.once('close', once);
  };
  const server = createHttpServer(listener, { serverTiming: env.serverTiming, track });
  server.on('error', (error: NodeJS.ErrnoException) => {
    process.stderr.write(`${options.name}: cannot listen on ${env.host}:${env.port}: ${error.message}\n`);
    process.exit(1);
  });
  server.listen({ host: env.host, port: env.port, backlog: SERVER_SETTINGS.backlog }, () => {
    if (announceWhenReady) announce(options, env, server.address() as AddressInfo);
  });
  onStopSignal(() => {
    // close() stops accepting and drops idle keep-alive sockets; in-flight requests finish first.
    stopping = true;
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    if (answering === 0) server.closeAllConnections();
    setTimeout(() => {
      process.stderr.write(`${options.name}: requests still in flight after ${STOP_DEADLINE_MS} ms; exiting\n`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
  });
}

function runPrimary(options: ServeOptions, env: ServeEnv): void {
  let listening = 0;
  let stopping = false;
  let failed = false;
  const stopAll = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === env.workers) announce(options, env, { address: address.address ?? env.host, port: address.port });
  });
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      process.stderr.write(`${options.name}: worker ${worker.process.pid} exited (code ${code}, signal ${signal}); stopping\n`);
      failed = true;
      stopAll();
    }
    if (code !== 0) failed = true;
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
  });
  onStopSignal(stopAll);
  for (let i = 0; i < env.workers; i++) cluster.fork();
}

/**
 * Starts a server process: reads PORT, HOST, WORKERS, DATABASE_URL and DB_POOL, listens, prints the ready line, and on
 * SIGTERM or SIGINT lets in-flight requests finish, then exits 0. Bad settings exit 2.
 */
export function serve(options: ServeOptions): void {
  let env: ServeEnv;
  let database: DatabaseSettings;
  try {
    env = readServeEnv();
    database = readDatabaseEnv(options.databasePool ?? 1);
  } catch (error) {
    process.stderr.write(`${options.name}: ${(error as Error).message}\n`);
    process.exit(2);
  }
  if (env.workers > 1 && cluster.isPrimary) {
    runPrimary(options, env);
    return;
  }
  // A worker whose primary is gone must not linger as an orphan.
  if (cluster.isWorker) process.once('disconnect', () => process.exit(1));
  listen(options, env, database, cluster.isPrimary).catch((error: Error) => {
    process.stderr.write(`${options.name}: cannot start: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}

/**
 * serve() with the name and model a server package declares in its package.json, found from the
 * calling module's URL, so a server's main names nothing twice.
 */
export function serveFromPackage(moduleUrl: string, createListener: ServeOptions['createListener']): void {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  while (!existsSync(path.join(dir, 'package.json'))) {
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${moduleUrl}`);
    dir = path.dirname(dir);
  }
  const declared = readServerPackage(dir);
  if (!declared) throw new Error(`${path.join(dir, 'package.json')} has no "loopbench" field`);
  serve({
    name: declared.name,
    model: declared.model,
    createListener,
    ...(declared.database?.pool ? { databasePool: declared.database.pool } : {}),
  });
}
