import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from './client.js';
import { milliseconds, parseServerTiming, timeResponse } from './timing.js';

describe('parseServerTiming', () => {
  it.each([
    ['app;dur=12.345', 12.345],
    ['db;dur=3, app;dur=7', 7],
    ['app;desc="handler";dur=0.5', 0.5],
    ['app;dur=20', 20],
  ])('%s → %d ms', (value, ms) => {
    expect(parseServerTiming(value)).toBe(ms);
  });

  it.each([[undefined], [''], ['db;dur=3'], ['app'], ['application;dur=3']])('%j has no app duration', (value) => {
    expect(parseServerTiming(value)).toBeUndefined();
  });

  it('reads a header that came as several values', () => {
    expect(parseServerTiming(['db;dur=1', 'app;dur=2.5'])).toBe(2.5);
  });
});

/** Server-Timing's durations, shared with the Python contract's tests (python/tests/test_vectors.py). */
const DURATIONS = JSON.parse(readFileSync(new URL('../test/vectors/server-timing.json', import.meta.url), 'utf8')) as {
  cases: { ms: number; text: string }[];
};

describe('milliseconds', () => {
  it.each(DURATIONS.cases.map((c) => [c.ms, c.text] as const))('%s ms → %s', (ms, text) => {
    expect(milliseconds(ms)).toBe(text);
  });

  it('writes what toFixed(3) writes, to the µs', () => {
    for (let i = 0; i < 2_000; i++) {
      const ms = Math.random() * 10 ** (i % 5);
      const text = milliseconds(ms);
      expect(text).toMatch(/^\d+\.\d{3}$/);
      expect(Math.abs(Number(text) - ms)).toBeLessThanOrEqual(0.0005 + 1e-9);
    }
  });
});

describe('timeResponse', () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  const serve = async (listener: http.RequestListener) => {
    server = http.createServer((req, res) => {
      timeResponse(res);
      listener(req, res);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  it('times an implicit head, from the call to the answer', async () => {
    const url = await serve((_req, res) => {
      setTimeout(() => res.end('late'), 30);
    });
    const reply = await request(url);
    const ms = parseServerTiming(reply.headers['server-timing']);
    expect(ms).toBeGreaterThanOrEqual(29);
    expect(ms).toBeLessThanOrEqual(reply.latencyMs);
  });

  it('keeps the headers a framework passes to writeHead (an object, with or without a reason or headers set before, or a raw list)', async () => {
    const shared = { 'x-three': '3' };
    const url = await serve((req, res) => {
      if (req.url === '/raw') res.writeHead(201, ['x-one', '1', 'content-type', 'text/plain']).end('raw');
      else if (req.url === '/reason') res.writeHead(203, 'Custom', shared).end('reason');
      else if (req.url === '/both') {
        res.setHeader('x-set', 'before');
        res.writeHead(204, { 'x-two': '2' }).end();
      } else res.writeHead(202, { 'x-two': '2' }).end('object');
    });
    const raw = await request(`${url}/raw`);
    expect([raw.status, raw.headers['x-one'], raw.body]).toEqual([201, '1', 'raw']);
    expect(parseServerTiming(raw.headers['server-timing'])).toBeGreaterThanOrEqual(0);
    const object = await request(`${url}/object`);
    expect([object.status, object.headers['x-two'], object.body]).toEqual([202, '2', 'object']);
    expect(parseServerTiming(object.headers['server-timing'])).toBeGreaterThanOrEqual(0);
    const reason = await request(`${url}/reason`);
    expect([reason.status, reason.headers['x-three'], reason.body]).toEqual([203, '3', 'reason']);
    expect(parseServerTiming(reason.headers['server-timing'])).toBeGreaterThanOrEqual(0);
    // The object a framework passes may be its own constant: it is read, never changed.
    expect(shared).toEqual({ 'x-three': '3' });
    const both = await request(`${url}/both`);
    expect([both.status, both.headers['x-set'], both.headers['x-two']]).toEqual([204, 'before', '2']);
    expect(parseServerTiming(both.headers['server-timing'])).toBeGreaterThanOrEqual(0);
  });
});
