import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Params, parseQuery, queryOf, ROUTES, type RouteSpec } from './routes.js';

const route = (name: RouteSpec['name']) => ROUTES.find((r) => r.name === name) as RouteSpec;

/** parseQuery's cases, shared with the Python contract's tests (python/tests/test_vectors.py). */
interface QueryVector {
  note?: string;
  route: RouteSpec['name'];
  query: string;
  params?: Params;
  error?: string;
}

const VECTORS = JSON.parse(readFileSync(new URL('../test/vectors/parse-query.json', import.meta.url), 'utf8')) as { cases: QueryVector[] };

const title = (c: QueryVector) => `${c.route} ${JSON.stringify(c.query.length > 40 ? `${c.query.slice(0, 40)}…` : c.query)}`;

describe('parseQuery', () => {
  it.each(VECTORS.cases.map((c) => [title(c), c] as const))('%s', (_title, { route: name, query, params, error }) => {
    expect(parseQuery(route(name), query)).toEqual(error === undefined ? { ok: true, params } : { ok: false, error });
  });

  it('shortens a long bad value in the message', () => {
    const result = parseQuery(route('sleep'), `ms=${'x'.repeat(500)}`);
    expect(result.ok || result.error.length).toBeLessThan(150);
  });
});

describe('queryOf', () => {
  it('returns what follows the first "?"', () => {
    expect(queryOf('/sleep?ms=1&x=?')).toBe('ms=1&x=?');
    expect(queryOf('/sleep')).toBe('');
  });
});

describe('the route table', () => {
  it('has the contract routes, each path once', () => {
    expect(ROUTES.map((r) => r.path)).toEqual(['/health', '/hello', '/fast', '/sleep', '/cpu', '/query', '/stats']);
  });

  it('waits only on /sleep and counts on /cpu', () => {
    expect(route('sleep').waitMs({ ms: 25 })).toBe(25);
    expect(route('fast').waitMs({})).toBe(0);
    expect(route('cpu').reply({ iterations: 1234 }, () => ({}))).toEqual({ type: 'json', body: { iterations: 1234 } });
  });

  it('passes reset=1 through to the stats reader', () => {
    const seen: boolean[] = [];
    route('stats').reply({ reset: 1 }, (reset) => seen.push(reset));
    route('stats').reply({ reset: 0 }, (reset) => seen.push(reset));
    expect(seen).toEqual([true, false]);
  });
});
