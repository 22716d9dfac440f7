import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Postgres, postgresBinaries, type RunningServer, startPostgres, startServer } from '@loopbench/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeProbe } from '../cli/commands/probe.js';
import { discoverServers, findWorkspaceRoot } from '../run/discover.js';
import { loopbench, withWorkspaceServers } from '../run/loopbench.testing.js';
import { classify, type ProbeResult } from './probe.js';

/** Debian's interpreter where there is one; only the standard library is used. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/**
 * Servers the project did not write, from Python's standard library, each with a /slow that sleeps
 * 200 ms and a /fast; argv: the kind, and a pool's size.
 *   single     HTTPServer, HTTP/1.1: one connection at a time, kept open as long as the client keeps it
 *   threading  ThreadingHTTPServer, HTTP/1.1: a thread per connection, no limit
 *   pool       N threads, each serving one kept-alive connection at a time (the rest wait for one)
 *   close      a thread per connection, answers with no Content-Length, ended by closing (legal HTTP/1.1)
 *   deadlock   a thread per connection whose /slow never ends once two overlapped
 *   silent     accepts connections and never answers
 *   banner     not HTTP: writes an SSH banner
 * http.server writes headers and body in two small writes: on a kept-alive connection the body
 * waits for the client's delayed ACK (Nagle), about 40 ms, on every answer. Each listens with
 * socketserver's backlog of 5, as users' servers do.
 */
const STDLIB_SERVER = `
import socket, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

kind, size = sys.argv[1], int(sys.argv[2])
gate, stuck = threading.Lock(), threading.Event()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path not in ("/slow", "/fast"):
            return self.send_error(404)
        if self.path == "/slow":
            if kind == "deadlock" and not gate.acquire(blocking=False):
                stuck.set()
            while stuck.is_set():
                time.sleep(60)
            time.sleep(0.2)
            if kind == "deadlock":
                gate.release()
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass

class Pool(HTTPServer):
    def process_request(self, request, address):
        self.pool.submit(self.serve_one, request, address)

    def serve_one(self, request, address):
        try:
            self.finish_request(request, address)
        finally:
            self.shutdown_request(request)

def raw(serve):
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    print(listener.getsockname()[1], flush=True)
    while True:
        threading.Thread(target=serve, args=(listener.accept()[0],), daemon=True).start()

def close_delimited(conn):
    request = b""
    while b"\\r\\n\\r\\n" not in request:
        chunk = conn.recv(4096)
        if not chunk:
            return conn.close()
        request += chunk
    if request.split(b" ")[1] == b"/slow":
        time.sleep(0.2)
    conn.sendall(b"HTTP/1.1 200 OK\\r\\ncontent-type: text/plain\\r\\n\\r\\nok")
    conn.close()

def unfinished(conn):
    conn.recv(4096)
    conn.sendall(b"HTTP/1.1 200 OK\\r\\ncontent-length: 100\\r\\n\\r\\npart")
    time.sleep(3600)

if kind in ("close", "silent", "banner", "unfinished"):
    raw({"close": close_delimited, "silent": lambda conn: time.sleep(3600), "unfinished": unfinished,
         "banner": lambda conn: conn.sendall(b"SSH-2.0-OpenSSH_9.2\\r\\n") or time.sleep(3600)}[kind])
Server = {"single": HTTPServer, "pool": Pool}.get(kind, ThreadingHTTPServer)
Server.pool = ThreadPoolExecutor(size)
server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
`;

type StdlibKind = 'single' | 'threading' | 'pool' | 'close' | 'deadlock' | 'silent' | 'banner' | 'unfinished';

const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) child.kill('SIGKILL');
});

async function startStdlib(kind: StdlibKind, size = 1): Promise<string> {
  // stderr ignored: the server logs a broken pipe whenever the load generator stops mid-request.
  const child = spawn(PYTHON, ['-c', STDLIB_SERVER, kind, String(size)], { stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(child);
  const [line] = await new Promise<string[]>((resolve, reject) => {
    child.once('error', reject);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (l) => resolve([l]));
  });
  return `http://127.0.0.1:${Number(line)}`;
}

async function probeJson(url: string, ...extra: string[]): Promise<{ code: number | null; result: ProbeResult; stderr: string }> {
  const { code, stdout, stderr } = await loopbench(['probe', url, '--slow', '/slow', '--fast', '/fast', '--json', ...extra]).done;
  return { code, result: JSON.parse(stdout || 'null') as ProbeResult, stderr };
}

describe('classify', () => {
  it('names one at a time, a limit, and overlap up to the connections', () => {
    expect(classify(1.02, 10)).toBe('blocking');
    expect(classify(2.1, 10)).toBe('limited');
    expect(classify(9.6, 10)).toBe('concurrent');
    expect(classify(8, 10)).toBe('concurrent');
  });
});

describe('describeProbe', () => {
  const result = (concurrency: number, connections: number): ProbeResult => ({
    verdict: classify(concurrency, connections),
    blockingIndex: 0,
    concurrency,
    limitEstimate: (concurrency * 199) / 200,
    fastLatencyMs: 1,
    slowLatencyMs: 200,
    fastBehindSlowMs: 1,
    throughputRps: (concurrency / 200) * 1000,
    keepAlive: true,
    fastKeptAliveMs: 1,
    unansweredConnections: 0,
    settings: { url: 'http://127.0.0.1:8000', slow: '/slow', fast: '/fast', connections, durationS: 3, offsetMs: 20, warmupS: 0.4 },
  });

  it('says when the connections were too few to see a limit, and how many to try', () => {
    const text = describeProbe(result(8.1, 10));
    expect(text).toMatch(/^concurrent: /m);
    expect(text).toContain('a limit of 8 or more would read the same');
    expect(text).toContain('--connections 20');
  });

  it('does not ask for more connections than the probe opens', () => {
    const text = describeProbe(result(250, 256));
    expect(text).toContain('No limit shows up to 256 connections, the most the probe opens');
    expect(text).not.toContain('more --connections');
  });
});

// Each probe here runs 1 s of load (--duration 1): these tests run in CI.
describe('loopbench probe against servers the project did not write', { timeout: 60_000 }, () => {
  it('finds the single-threaded HTTPServer blocking, and says it left all but one connection unanswered', async () => {
    const { code, result, stderr } = await probeJson(await startStdlib('single'), '--duration', '1', '--expect', 'blocking');
    expect(code, stderr).toBe(0);
    expect(result.verdict).toBe('blocking');
    expect(result.concurrency).toBeGreaterThan(0.7);
    expect(result.concurrency).toBeLessThan(1.5);
    expect(result.blockingIndex).toBeGreaterThan(0.7);
    expect(result.unansweredConnections).toBe(9);
    expect(describeProbe(result)).toContain('9 of 10 connections got no answer');
  });

  it('finds ThreadingHTTPServer concurrent on kept-alive connections, names the stall, and --expect fails on a mismatch', async () => {
    const url = await startStdlib('threading');
    const { code, result, stderr } = await probeJson(url, '--connections', '50', '--duration', '1', '--expect', 'blocking');
    expect(result).toMatchObject({ verdict: 'concurrent', keepAlive: true, unansweredConnections: 0, settings: { connections: 50 } });
    expect(result.concurrency).toBeGreaterThan(0.8 * 50);
    expect(result.blockingIndex).toBeLessThan(0.3);
    // S is timed on a kept-alive connection, as the load sends it: with the ~40 ms stall.
    expect(result.networkStallMs).toBeGreaterThan(20);
    expect(describeProbe(result)).toMatch(/stall.*TCP_NODELAY/s);
    // --expect makes a mismatch fail, for a project's own CI.
    expect(code).toBe(1);
    expect(stderr).toContain('expected blocking, but the server is concurrent');
  });

  it.each([
    [4, 10],
    [8, 16],
  ])('finds a pool of %i threads limited at %i connections, and the connections it left waiting', async (size, connections) => {
    const url = await startStdlib('pool', size);
    const { code, result, stderr } = await probeJson(url, '--connections', String(connections), '--duration', '1', '--expect', 'limited');
    expect(code, stderr).toBe(0);
    expect(Math.round(result.concurrency)).toBe(size);
    expect(result.unansweredConnections).toBe(connections - size);
    expect(describeProbe(result)).toContain(`a pool or worker count of about ${size}`);
  });

  it('counts answers that end when the server closes the connection', async () => {
    const { code, result, stderr } = await probeJson(await startStdlib('close'), '--duration', '1', '--expect', 'concurrent');
    expect(code, stderr).toBe(0);
    expect(result).toMatchObject({ verdict: 'concurrent', keepAlive: false, unansweredConnections: 0 });
    expect(result.concurrency).toBeGreaterThan(8);
  });

  it('gives no verdict, and exits 1, when nothing was answered under load', async () => {
    const { code, stderr } = await loopbench([
      'probe',
      await startStdlib('deadlock'),
      '--slow',
      '/slow',
      '--fast',
      '/fast',
      '--duration',
      '1',
    ]).done;
    expect(stderr).toMatch(/error: under 10 connections no \/slow answer arrived in the 1 s measured/);
    expect(code).toBe(1);
  });

  it.each([
    ['silent', /error: nothing answers at http:\S+: it accepted the connection, but GET \/fast got no answer within 5 s/],
    ['banner', /error: http:\S+ answers, but not in HTTP: it sent "SSH-2\.0-OpenSSH_9\.2"; give the URL of the HTTP server/],
    ['unfinished', /error: GET \/fast began an answer but did not finish it within 5 s: its body never ended/],
  ] as const)('exits 1 when a %s server gives no HTTP answer', async (kind, message) => {
    const { code, stderr } = await loopbench(['probe', await startStdlib(kind), '--slow', '/slow', '--fast', '/fast']).done;
    expect(stderr).toMatch(message);
    expect(code).toBe(1);
  });

  it('quotes an HTML error page as words, whole or cut at a word', async () => {
    const { code, stderr } = await loopbench(['probe', await startStdlib('threading'), '--slow', '/slow', '--fast', '/nope']).done;
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^error: GET \/nope answered 404 Not Found \("Error response Error response Error code: 404 Message: Not Found\.[^"<]*…"\); give a --fast path that answers 2xx$/m,
    );
  });
});

describe('loopbench probe --help', () => {
  it('names each default once', async () => {
    const { stdout } = await loopbench(['probe', '--help']).done;
    expect(stdout).toContain('(default: 10)');
    expect(stdout).not.toMatch(/\(default \d+\)/);
  });
});

describe('loopbench probe against the workspace servers', { timeout: 60_000 }, () => {
  const server = withWorkspaceServers(['express-blocking', 'koa']);

  it.each([
    ['express-blocking', 'blocking'],
    ['koa', 'concurrent'],
  ])('%s is %s', async (name, verdict) => {
    const { url } = server(name);
    const { code, stdout, stderr } = await loopbench([
      'probe',
      url,
      '--slow',
      '/sleep?ms=200',
      '--fast',
      '/fast',
      '--duration',
      '1',
      '--expect',
      verdict,
    ]).done;
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(new RegExp(`^${verdict}: `, 'm'));
    expect(stdout).toContain('Next: ');
  });

  it.each([
    [['not a url'], /is not a URL/],
    [['https://127.0.0.1:1'], /https: is not supported/],
    [['http://10.0.0.1:8000'], /not a loopback address/],
    [['http://127.0.0.1:1', '--slow', 'slow'], /must be a path starting with \//],
    [['http://127.0.0.1:1', '--connections', '1'], /give a whole number from 2 to 256/],
  ])('refuses %j with exit 2 and what to type', async (args, message) => {
    const [url, ...rest] = args as [string, ...string[]];
    const flags = { '--slow': '/slow', '--fast': '/fast' } as Record<string, string>;
    for (let i = 0; i < rest.length; i += 2) flags[rest[i] as string] = rest[i + 1] as string;
    const { code, stderr } = await loopbench(['probe', url, ...Object.entries(flags).flat()]).done;
    expect(stderr).toMatch(message);
    expect(code).toBe(2);
  });

  it('says what to change when the server answers, but not as asked', async () => {
    const { url } = server('koa');
    const notFound = await loopbench(['probe', url, '--slow', '/sleep?ms=200', '--fast', '/nope']).done;
    expect(notFound.code).toBe(2);
    expect(notFound.stderr).toMatch(/GET \/nope answered 404 .*give a --fast path that answers 2xx/);
    const notSlower = await loopbench(['probe', url, '--slow', '/fast', '--fast', '/hello']).done;
    expect(notSlower.code).toBe(2);
    expect(notSlower.stderr).toMatch(/is not slower than GET \/hello .* give a --slow path that waits/);
    // Started without DATABASE_URL: /query says so, and the probe quotes it.
    const noDatabase = await loopbench(['probe', url, '--slow', '/query?ms=50', '--fast', '/fast']).done;
    expect(noDatabase.code).toBe(2);
    expect(noDatabase.stderr).toMatch(/GET \/query\?ms=50 answered 503 .*no database: this server was started without DATABASE_URL/);
  });

  it('exits 1 when nothing answers', async () => {
    const { code, stderr } = await loopbench(['probe', 'http://127.0.0.1:1', '--slow', '/slow', '--fast', '/fast']).done;
    expect(code).toBe(1);
    expect(stderr).toMatch(/nothing answers at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  });
});

describe.skipIf(!postgresBinaries() && process.env.LOOPBENCH_REQUIRE_SERVERS !== '1')(
  "loopbench probe on /query, koa with DB_POOL=5 (skipped where PostgreSQL's server is not installed, unless LOOPBENCH_REQUIRE_SERVERS=1)",
  { timeout: 60_000 },
  () => {
    let postgres: Postgres;
    let koa: RunningServer;
    beforeAll(async () => {
      postgres = await startPostgres();
      const server = discoverServers(findWorkspaceRoot()).servers.find((s) => s.name === 'koa');
      if (!server) throw new Error('koa is not in the workspace');
      koa = await startServer(server, { env: { DATABASE_URL: postgres.url, DB_POOL: '5' } });
    });
    afterAll(async () => {
      await koa?.stop();
      await postgres?.stop();
    });

    it('finds it limited ≈ 5, as pg_stat_activity counts it, and list finds the database it is given', async () => {
      const { code, stdout, stderr } = await loopbench([
        'probe',
        koa.url,
        '--slow',
        '/query?ms=50',
        '--fast',
        '/fast',
        '--duration',
        '1',
        '--database-url',
        postgres.url,
        '--json',
      ]).done;
      expect(code, stderr).toBe(0);
      const result = JSON.parse(stdout) as ProbeResult;
      expect(result.verdict).toBe('limited');
      // Requests at once count each one's time outside the pool too; the pool's size leaves it out.
      expect(result.concurrency).toBeGreaterThanOrEqual(4.5);
      expect(Math.round(result.limitEstimate)).toBe(5);
      expect(result.databaseQueriesMax).toBe(5);
      expect(result.blockingIndex).toBeLessThan(0.1);
      expect(describeProbe(result)).toMatch(
        /^limited: about 5\.\d+ requests at a time of 10 connections; a pool or worker count of about 5$/m,
      );
      expect(describeProbe(result)).toMatch(/in the database meanwhile +5\.00 queries at once at most \(pg_stat_activity\)/);

      const listed = await loopbench(['list', '--database-url', postgres.url]).done;
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(/they wait in postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres \(PostgreSQL \d+/);
    });
  },
);
