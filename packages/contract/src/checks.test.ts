import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { answerRoute, type RouteHandler } from './answer.js';
import { checkReply, ROUTE_CHECKS, type RouteCheck, verifyServer } from './checks.js';
import type { HttpReply } from './client.js';
import { ALLOWED_METHODS, queryOf, ROUTES } from './routes.js';
import { createStatsRecorder } from './serverStats.js';
import { sleepAsync } from './work.js';

const reply = (status: number, body: string, type = 'application/json; charset=utf-8'): HttpReply => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status, headers: { 'content-type': type }, body, latencyMs: 1, json };
};

describe('checkReply', () => {
  const fast: RouteCheck = { target: '/fast', status: 200, json: { message: 'fast' } };

  it('accepts the promised reply', () => {
    expect(checkReply(fast, reply(200, '{"message":"fast"}'))).toBeUndefined();
    expect(checkReply({ target: '/hello', status: 200, text: 'Hello' }, reply(200, 'Hello', 'text/plain'))).toBeUndefined();
    expect(checkReply({ target: '/nope', status: 404, error: true }, reply(404, '{"error":"no route"}'))).toBeUndefined();
  });

  it('names what is wrong', () => {
    expect(checkReply(fast, reply(500, 'boom'))).toMatch(/^status 500, expected 200/);
    expect(checkReply(fast, reply(200, '{"message":"slow"}'))).toMatch(/expected \{"message":"fast"\}/);
    expect(checkReply(fast, reply(200, '{"message":"fast"}', 'text/html'))).toMatch(/content-type "text\/html"/);
    expect(checkReply({ target: '/hello', status: 200, text: 'Hello' }, reply(200, 'Hi', 'text/plain'))).toMatch(/body "Hi"/);
    expect(checkReply({ target: '/nope', status: 404, error: true }, reply(404, '{"message":"x"}'))).toMatch(/expected \{"error"/);
  });
});

/** A bare server on the route table; `hello` lets a test make one route answer wrongly. */
async function withServer(hello: string, test: (url: string) => Promise<void>): Promise<void> {
  const stats = createStatsRecorder('non-blocking');
  const handle: RouteHandler = async (route, params) => {
    await sleepAsync(route.waitMs(params));
    return route.name === 'hello' ? { type: 'text', body: hello } : route.reply(params);
  };
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const route = ROUTES.find((r) => r.path === path);
    const allowed = (ALLOWED_METHODS as readonly string[]).includes(req.method ?? '');
    const { status, reply } = !route
      ? { status: 404, reply: { type: 'json' as const, body: { error: 'no route' } } }
      : !allowed
        ? { status: 405, reply: { type: 'json' as const, body: { error: 'GET only' } } }
        : await answerRoute(route, queryOf(req.url ?? ''), stats, handle);
    const text = reply.type === 'text';
    res.writeHead(status, { 'content-type': text ? 'text/plain' : 'application/json' });
    res.end(text ? reply.body : JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await test(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.close();
  }
}

describe('verifyServer', () => {
  it('finds nothing wrong with a server that answers every check as the contract says', async () => {
    await withServer('Hello', async (url) => expect(await verifyServer(url)).toEqual([]));
  });

  it('names the route and what is wrong with its answer', async () => {
    await withServer('Hi', async (url) => expect(await verifyServer(url)).toEqual(['GET /hello: body "Hi", expected "Hello"']));
  });

  it('reports every check when nothing answers', async () => {
    const problems = await verifyServer('http://127.0.0.1:1');
    expect(problems).toHaveLength(ROUTE_CHECKS.length);
    expect(problems[0]).toMatch(/^GET \/health: .*ECONNREFUSED/);
  });
});
