import { describe, expect, it } from 'vitest';
import { LIMITS, parseQuery, queryOf, ROUTES, type RouteSpec } from './routes.js';

const route = (name: RouteSpec['name']) => ROUTES.find((r) => r.name === name) as RouteSpec;

describe('parseQuery', () => {
  it('accepts plain integers within the limit', () => {
    expect(parseQuery(route('sleep'), 'ms=0')).toEqual({ ok: true, params: { ms: 0 } });
    expect(parseQuery(route('sleep'), `ms=${LIMITS.sleepMsMax}`)).toEqual({ ok: true, params: { ms: LIMITS.sleepMsMax } });
    expect(parseQuery(route('sleep'), 'ms=007')).toEqual({ ok: true, params: { ms: 7 } });
  });

  it('fills defaults for optional parameters and ignores unknown ones', () => {
    expect(parseQuery(route('cpu'), 'other=1')).toEqual({ ok: true, params: { iterations: LIMITS.cpuIterationsDefault } });
    expect(parseQuery(route('fast'), 'ms=abc')).toEqual({ ok: true, params: {} });
  });

  it.each([
    ['', /missing "ms": give an integer from 0 to 60000, e\.g\. \/sleep\?ms=100/],
    ['ms=', /"ms" must be an integer from 0 to 60000 in plain digits \(got ""\)/],
    ['ms=-1', /plain digits \(got "-1"\)/],
    ['ms=1.5', /plain digits/],
    ['ms=1e3', /plain digits/],
    ['ms=0x10', /plain digits/],
    ['ms=+1', /plain digits/],
    ['ms=%201', /plain digits/],
    ['ms=60001', /over the limit: give an integer from 0 to 60000 \(got 60001\)/],
    ['ms=99999999999999999', /plain digits/],
    ['ms=1&ms=1', /"ms" was given 2 times; give it once/],
  ])('refuses ms from %j', (query, message) => {
    const result = parseQuery(route('sleep'), query);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
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
    expect(ROUTES.map((r) => r.path)).toEqual(['/health', '/hello', '/fast', '/sleep', '/cpu', '/stats']);
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
