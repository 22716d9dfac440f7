import { describe, expect, it } from 'vitest';
import { checkReply, type RouteCheck } from './checks.js';
import type { HttpReply } from './client.js';

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
