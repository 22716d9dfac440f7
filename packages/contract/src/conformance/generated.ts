import fc from 'fast-check';
import { parseQuery, queryOf, ROUTES } from '../routes.js';

/** Generated request targets: mostly near-misses of valid input, some noise. */
export function targetArbitrary(): fc.Arbitrary<string> {
  const key = fc.oneof(fc.constantFrom('ms', 'iterations', 'reset'), fc.string({ maxLength: 6 }).map(encodeURIComponent));
  const value = fc.oneof(
    fc.integer({ min: -5, max: 40 }).map(String),
    fc.constantFrom('', '1e3', '0x1f', '1.5', '+1', '%20', '%31', '٣', 'NaN', '99999999999', '00', '-0'),
    fc.string({ maxLength: 8 }).map(encodeURIComponent),
    fc.string({ maxLength: 4, unit: fc.constantFrom('%', '&', '=', '+', ';', '?', '#', '[', ']') }).map((s) => s.replaceAll('#', '%23')),
  );
  const pair = fc.tuple(key, value).map(([k, v]) => `${k}=${v}`);
  const path = fc.oneof(
    fc.constantFrom(...ROUTES.map((r) => r.path)),
    fc.string({ maxLength: 10 }).map((s) => `/${encodeURIComponent(s)}`),
  );
  return fc.tuple(path, fc.array(pair, { maxLength: 4 })).map(([p, pairs]) => (pairs.length ? `${p}?${pairs.join('&')}` : p));
}

/** A generated target that would make the server work for long is replaced by a cheap check. */
export function isSlow(target: string): boolean {
  const path = target.split('?')[0];
  const route = ROUTES.find((r) => r.path === path);
  if (!route) return false;
  const parsed = parseQuery(route, queryOf(target));
  return parsed.ok && ((parsed.params.ms ?? 0) > 50 || (parsed.params.iterations ?? 0) > 2_000_000);
}

/**
 * The status the contract gives a target on a server started without a database: 400 for bad input,
 * 503 for a valid /query (there is no database to wait in), 200 for any other valid request;
 * undefined where the path is no route.
 */
export function statusWithoutDatabase(target: string): number | undefined {
  const route = ROUTES.find((r) => r.path === target.split('?')[0]);
  if (!route) return undefined;
  if (!parseQuery(route, queryOf(target)).ok) return 400;
  return route.waitsIn === 'database' ? 503 : 200;
}

export interface HostileRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: string;
}

const HEADER_VALUE = fc.string({ maxLength: 40, unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) });

/** Random methods, request targets (some oversized), headers (some oversized) and bodies. */
export function hostileRequestArbitrary(): fc.Arbitrary<HostileRequest> {
  const method = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE') },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,10}$/) },
  );
  const target = fc.oneof(
    { weight: 6, arbitrary: targetArbitrary() },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((s) => `/${encodeURIComponent(s).replace(/%2F/g, '/')}`) },
    { weight: 1, arbitrary: fc.constantFrom('/..', '//fast', '/fast/..', '/%2e%2e/stats', '/fast#frag', '/fast?%', '/fast?&&==') },
    { weight: 1, arbitrary: fc.integer({ min: 8_000, max: 20_000 }).map((n) => `/fast?pad=${'a'.repeat(n)}`) },
  );
  const headerName = fc
    .stringMatching(/^[a-z][a-z0-9-]{0,15}$/)
    .filter((n) => !['content-length', 'transfer-encoding', 'host', 'connection', 'expect', 'upgrade'].includes(n));
  const headers = fc.oneof(
    { weight: 8, arbitrary: fc.dictionary(headerName, HEADER_VALUE, { maxKeys: 6 }) },
    { weight: 1, arbitrary: fc.integer({ min: 17_000, max: 40_000 }).map((n) => ({ 'x-pad': 'a'.repeat(n) })) },
  );
  const body = fc.option(fc.oneof(fc.string({ maxLength: 200 }), fc.json()), { nil: undefined });
  return fc.record({ method, target, headers, body }, { requiredKeys: ['method', 'target', 'headers'] });
}
