import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { loopbench, withWorkspaceServers } from '../run/loopbench.testing.js';
import { classify, type ProbeResult } from './probe.js';

/** Debian's interpreter where there is one; only the standard library is used. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/**
 * A server the project did not write: Python's standard library, one request at a time
 * (HTTPServer) or a thread per request (ThreadingHTTPServer), with a path that sleeps 200 ms.
 */
const STDLIB_SERVER = `
import sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/slow":
            time.sleep(0.2)
        body = b"ok"
        self.send_response(200 if self.path in ("/slow", "/fast") else 404)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

Server = ThreadingHTTPServer if sys.argv[1] == "threading" else HTTPServer
Server.request_queue_size = 128
server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
`;

async function startStdlib(kind: 'threading' | 'single'): Promise<{ url: string; child: ChildProcess }> {
  // stderr ignored: the server logs a broken pipe whenever the load generator stops mid-request.
  const child = spawn(PYTHON, ['-c', STDLIB_SERVER, kind], { stdio: ['ignore', 'pipe', 'ignore'] });
  const [line] = await new Promise<string[]>((resolve, reject) => {
    child.once('error', reject);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (l) => resolve([l]));
  });
  return { url: `http://127.0.0.1:${Number(line)}`, child };
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

describe('loopbench probe against servers the project did not write', { timeout: 60_000 }, () => {
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const child of started) child.kill('SIGKILL');
  });

  it('finds Python’s single-threaded HTTPServer blocking, about one request at a time', async () => {
    const server = await startStdlib('single');
    started.push(server.child);
    const { code, result, stderr } = await probeJson(server.url, '--connections', '8', '--expect', 'blocking');
    expect(code, stderr).toBe(0);
    expect(result.verdict).toBe('blocking');
    expect(result.concurrency).toBeGreaterThan(0.7);
    expect(result.concurrency).toBeLessThan(1.5);
    expect(result.blockingIndex).toBeGreaterThan(0.7);
    expect(result.slowLatencyMs).toBeGreaterThan(190);
  });

  it('finds ThreadingHTTPServer concurrent, about as many at a time as connections', async () => {
    const server = await startStdlib('threading');
    started.push(server.child);
    const { code, result, stderr } = await probeJson(server.url, '--connections', '8');
    expect(code, stderr).toBe(0);
    expect(result).toMatchObject({ verdict: 'concurrent', settings: { connections: 8, slow: '/slow', fast: '/fast' } });
    expect(result.concurrency).toBeGreaterThan(0.8 * 8);
    expect(result.blockingIndex).toBeLessThan(0.3);
    // --expect makes a mismatch fail, for a project's own CI.
    const mismatch = await probeJson(server.url, '--connections', '8', '--expect', 'blocking');
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('expected blocking, but the server is concurrent');
  });
});

describe('loopbench probe against the workspace servers', { timeout: 60_000 }, () => {
  const server = withWorkspaceServers(['express-blocking', 'koa']);

  it.each([
    ['express-blocking', 'blocking'],
    ['koa', 'concurrent'],
  ])('%s is %s', async (name, verdict) => {
    const { url } = server(name);
    const { code, stdout, stderr } = await loopbench(['probe', url, '--slow', '/sleep?ms=200', '--fast', '/fast', '--expect', verdict])
      .done;
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
  });

  it('exits 1 when nothing answers', async () => {
    const { code, stderr } = await loopbench(['probe', 'http://127.0.0.1:1', '--slow', '/slow', '--fast', '/fast']).done;
    expect(code).toBe(1);
    expect(stderr).toMatch(/nothing answers at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  });
});
