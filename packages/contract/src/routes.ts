import { limitValue, SHARED } from './shared.js';
import { countTo } from './work.js';

/**
 * Every server enforces these same limits (from contract.json, which the Python servers read too);
 * the harness reads them as well. A request target over urlLengthMax is refused with 414 before any routing.
 */
export const LIMITS = SHARED.limits;

export interface ParamSpec {
  readonly name: string;
  readonly max: number;
  /** Absent means the parameter is required. */
  readonly default?: number;
}

export type Params = Readonly<Record<string, number>>;

export type Reply = { readonly type: 'json'; readonly body: unknown } | { readonly type: 'text'; readonly body: string };

/** What a server needs to answer one route; the waiting itself is the server's own model. */
export interface RouteSpec {
  readonly name: 'health' | 'hello' | 'fast' | 'sleep' | 'cpu' | 'query' | 'stats';
  readonly path: string;
  readonly summary: string;
  readonly params: readonly ParamSpec[];
  /** Counted in requestsHandled and maxInFlight; /stats is not, so reading it does not disturb it. */
  readonly tracked: boolean;
  /** How long the server must wait before replying, in its own model (blocking or awaited). */
  readonly waitMs: (params: Params) => number;
  /** Where the wait happens: in the server (a timer or a blocked thread) or in the database, through the server's driver. */
  readonly waitsIn: 'server' | 'database';
  /** Work done on the thread in both models, then the reply; only /stats reads the server's StatsRecorder, which the contract passes. */
  readonly reply: (params: Params, stats?: (reset: boolean) => unknown) => Reply;
}

const noWait = () => 0;
const json = (body: unknown): Reply => ({ type: 'json', body });

/** What each route does, by name; its path, summary and parameters come from contract.json. */
const BEHAVIOUR: Record<RouteSpec['name'], Pick<RouteSpec, 'waitMs' | 'waitsIn' | 'reply'>> = {
  health: { waitMs: noWait, waitsIn: 'server', reply: () => json({ status: 'ok' }) },
  hello: { waitMs: noWait, waitsIn: 'server', reply: () => ({ type: 'text', body: 'Hello' }) },
  fast: { waitMs: noWait, waitsIn: 'server', reply: () => json({ message: 'fast' }) },
  sleep: { waitMs: (p) => p.ms ?? 0, waitsIn: 'server', reply: (p) => json({ message: 'done', ms: p.ms }) },
  cpu: { waitMs: noWait, waitsIn: 'server', reply: (p) => json({ iterations: countTo(p.iterations ?? 0) }) },
  query: { waitMs: (p) => p.ms ?? 0, waitsIn: 'database', reply: (p) => json({ message: 'done', ms: p.ms }) },
  stats: {
    waitMs: noWait,
    waitsIn: 'server',
    reply: (p, stats) => {
      if (!stats) throw new Error('/stats is answered by answerRoute, which reads the StatsRecorder');
      return json(stats(p.reset === 1));
    },
  },
};

export const ROUTES: readonly RouteSpec[] = SHARED.routes.map((route) => {
  const behaviour = BEHAVIOUR[route.name as RouteSpec['name']];
  if (!behaviour) throw new Error(`contract.json has a route "${route.name}" that the contract does not know`);
  return {
    name: route.name as RouteSpec['name'],
    path: route.path,
    summary: route.summary,
    tracked: route.tracked,
    params: route.params.map((p) => ({
      name: p.name,
      max: limitValue(p.max),
      ...(p.default === undefined ? {} : { default: limitValue(p.default) }),
    })),
    ...behaviour,
  };
});

export const ALLOWED_METHODS: readonly string[] = SHARED.allowedMethods;

export type ParseResult = { ok: true; params: Params } | { ok: false; error: string };

const PLAIN_INTEGER = /^\d{1,16}$/;

function range(spec: ParamSpec): string {
  return `an integer from 0 to ${spec.max}`;
}

function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/** What a route without parameters is given, whatever its query: one frozen object, none made per request. */
const NO_PARAMS: ParseResult = Object.freeze({ ok: true, params: Object.freeze({}) });

/** Validates a raw query string against a route; every server calls this, so all refuse alike. */
export function parseQuery(route: RouteSpec, rawQuery: string): ParseResult {
  // A route without parameters ignores its query; /hello then costs no URLSearchParams.
  if (route.params.length === 0) return NO_PARAMS;
  const search = new URLSearchParams(rawQuery);
  const params: Record<string, number> = {};
  for (const spec of route.params) {
    const given = search.getAll(spec.name);
    if (given.length > 1) {
      return { ok: false, error: `"${spec.name}" was given ${given.length} times; give it once, as ${range(spec)}` };
    }
    const [raw] = given;
    if (raw === undefined) {
      if (spec.default === undefined) {
        return {
          ok: false,
          error: `missing "${spec.name}": give ${range(spec)}, e.g. ${route.path}?${spec.name}=100`,
        };
      }
      params[spec.name] = spec.default;
      continue;
    }
    if (!PLAIN_INTEGER.test(raw)) {
      return { ok: false, error: `"${spec.name}" must be ${range(spec)} in plain digits (got ${shown(raw)})` };
    }
    const value = Number(raw);
    if (value > spec.max) {
      return { ok: false, error: `"${spec.name}" is over the limit: give ${range(spec)} (got ${raw})` };
    }
    params[spec.name] = value;
  }
  return { ok: true, params };
}

/** The query part of a request target, without the "?". */
export function queryOf(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at + 1);
}

export function notFoundError(path: string): string {
  return `no route ${shown(path)}; routes are ${ROUTES.map((r) => r.path).join(', ')}`;
}

export function methodNotAllowedError(method: string, path: string): string {
  return `${method} is not allowed on ${path}; use ${ALLOWED_METHODS.join(' or ')}`;
}

export function uriTooLongError(length: number): string {
  return `request target is ${length} characters; the limit is ${LIMITS.urlLengthMax}`;
}
