import type { MetricName } from '../catalogue/metrics.js';
import type { Results, ScenarioResult, ServerResult } from '../results/results.js';
import { atOnce, queryMsOf } from './findings.js';
import { formatNumber, formatPercent, formatRatio } from './format.js';
import { medianOf } from './stats.js';

export type ClaimVerdict = 'reproduced' | 'partly reproduced' | 'not reproduced' | 'reversed' | 'not measured';

/** One claim of the articles: their figure, what the originals and the Node analogues did here, and the verdict. */
export interface ClaimRow {
  id: string;
  /** The scenario that tests it. */
  scenario: string;
  claim: string;
  article: string;
  originals: string;
  analogue: string;
  verdict: ClaimVerdict;
  /** Why, from what was measured. */
  reason: string;
}

/** A ratio within this of 1 is no difference on these machines: neither reproduced nor reversed. */
export const CLAIM_NOISE = 0.1;

/** Of the article's effect (on a log scale: 2× against 1.41× is half), how much must show to call it reproduced. */
export const CLAIM_SHARE = 0.5;

/** /dummy: FastAPI's blocking index β under this is "answers at once"… */
const AT_ONCE_BETA = 0.1;
/** …and Flask's over this is "waits out the slow request". */
const BLOCKED_BETA = 0.9;
/** "The thread is utilised 100%": FastAPI's event loop occupied at least this share of the time. */
const FULL_THREAD = 0.9;
/** A synchronous driver gave "no boost" when fewer than this many queries overlapped (N = X·S): one at a time, as the probe calls blocking. */
const NO_BOOST = 1.5;

const NOISE_WORDS = `±${formatPercent(CLAIM_NOISE)}`;
const SHARE_WORDS = CLAIM_SHARE === 0.5 ? 'half' : formatPercent(CLAIM_SHARE);

/** The smallest measured ratio that ratioVerdict calls reproduced, for an article's `articleRatio` (over 1). */
export function reproducedFrom(articleRatio: number): number {
  return Math.max(1 + CLAIM_NOISE, articleRatio ** CLAIM_SHARE);
}

type Find = (server: string) => ServerResult | undefined;

/**
 * A claim that A beats B by `articleRatio`, judged on the measured ratio: reproduced when it goes the
 * same way beyond the noise and by at least half the article's effect (log scale); reversed when it
 * goes the other way beyond the noise; else not reproduced.
 */
export function ratioVerdict(measured: number | undefined, articleRatio: number): ClaimVerdict {
  if (measured === undefined || !Number.isFinite(measured)) return 'not measured';
  const effect = Math.log(measured) / Math.log(articleRatio);
  const noise = Math.abs(Math.log(measured)) < Math.log(1 + CLAIM_NOISE);
  if (noise) return 'not reproduced';
  if (effect < 0) return 'reversed';
  return effect >= CLAIM_SHARE ? 'reproduced' : 'not reproduced';
}

/** Why a ratio claim was not reproduced, or undefined when it was (or was reversed, or not measured). */
function shortfall(measured: number | undefined, articleRatio: number): string | undefined {
  if (ratioVerdict(measured, articleRatio) !== 'not reproduced' || measured === undefined) return undefined;
  return Math.abs(Math.log(measured)) < Math.log(1 + CLAIM_NOISE)
    ? `no difference beyond ${NOISE_WORDS}`
    : `the same way, but under ${SHARE_WORDS} the article's effect`;
}

const withShortfall = (measured: number | undefined, articleRatio: number) => {
  const why = shortfall(measured, articleRatio);
  return `${ratioVerdict(measured, articleRatio)}${why ? `: ${why}` : ''}`;
};

function ratioOf(find: Find, [a, b]: readonly [string, string], metric: MetricName = 'throughputRps'): number | undefined {
  const x = medianOf(find(a), metric);
  const y = medianOf(find(b), metric);
  return x === undefined || y === undefined ? undefined : x / y;
}

/** "fastapi 45.8 req/s, fastapi-def 43.9 req/s (1.04×)" for a pair that ran, else "did not run". */
function throughputPair(find: Find, pair: readonly [string, string]): string {
  const [a, b] = pair;
  if (!find(a) || !find(b)) return `${pair.filter((s) => !find(s)).join(' and ')} did not run`;
  return `${a} ${formatNumber(medianOf(find(a), 'throughputRps'))} req/s, ${b} ${formatNumber(medianOf(find(b), 'throughputRps'))} req/s (${formatRatio(ratioOf(find, pair))})`;
}

/** CPU per request and cores used by each server of a pair: the measured reason for a throughput ratio. */
function cpuReason(find: Find, pair: readonly [string, string]): string {
  return pair
    .filter((s) => find(s))
    .map(
      (s) =>
        `${s} ${formatNumber(medianOf(find(s), 'cpuPerRequestMs'))} ms CPU per request on ${formatNumber(medianOf(find(s), 'cpuUtilization'))} cores`,
    )
    .join('; ');
}

function headOfLineSide(find: Find, [async, blocking]: readonly [string, string]): string {
  const one = (s: string) =>
    find(s)
      ? `${s} ${formatNumber(medianOf(find(s), 'fastLatencyMs'))} ms (β ${formatNumber(medianOf(find(s), 'blockingIndex'))})`
      : `${s} did not run`;
  return `${one(async)}; ${one(blocking)}`;
}

const ORIGINAL = { async: 'fastapi', def: 'fastapi-def', flask: 'flask', trap: 'fastapi-trap', gunicorn: 'flask-gunicorn' } as const;
const ANALOGUE = { async: 'koa', def: 'worker-pool', blocking: 'express-blocking' } as const;

interface ClaimSpec {
  id: string;
  scenario: string;
  claim: string;
  article: string;
  /** For a claim that A is N× B: N, which ratioVerdict judges the measured A/B against. */
  articleRatio?: number;
  row(find: Find, scenario: ScenarioResult): Omit<ClaimRow, 'id' | 'scenario' | 'claim' | 'article'>;
}

/** A throughput claim of article 002: async def against def, by `articleRatio`. */
function asyncDefClaim(id: string, scenario: string, claim: string, article: string, articleRatio: number, why: string): ClaimSpec {
  return {
    id,
    scenario,
    claim,
    article,
    articleRatio,
    row: (find) => {
      const originals: [string, string] = [ORIGINAL.async, ORIGINAL.def];
      const analogue: [string, string] = [ANALOGUE.async, ANALOGUE.def];
      const measured = ratioOf(find, originals);
      const missed = shortfall(measured, articleRatio);
      return {
        originals: throughputPair(find, originals),
        analogue: `${throughputPair(find, analogue)}: ${withShortfall(ratioOf(find, analogue), articleRatio)}`,
        verdict: ratioVerdict(measured, articleRatio),
        reason: `${missed ? `${missed[0]?.toUpperCase()}${missed.slice(1)}. ` : ''}${why}${[
          ['Measured', cpuReason(find, originals)],
          ['The analogues', cpuReason(find, analogue)],
        ]
          .filter(([, text]) => text)
          .map(([who, text]) => ` ${who}: ${text}.`)
          .join('')}`,
      };
    },
  };
}

/** A count theory gives (queries at once): a whole number as one, "10" not "10.0". */
const count = (value: number | undefined) => (value !== undefined && Number.isInteger(value) ? String(value) : formatNumber(value));

/** "fastapi-trap 19.9 req/s, 1.00 query at a time" for each server that ran, with its model's limit where theory gave one. */
function queriesAtOnce(find: Find, servers: readonly string[], queryMs: number | undefined): string {
  const ran = servers.filter((s) => find(s));
  if (ran.length === 0) return `${servers.join(', ')} did not run`;
  return ran
    .map((s) => {
      const limit = find(s)?.expected.databaseQueriesMax;
      return `${s} ${formatNumber(medianOf(find(s), 'throughputRps'))} req/s, ${formatNumber(atOnce(find(s), queryMs))} at a time${limit === undefined ? '' : ` (limit ${count(limit)})`}`;
    })
    .join('; ');
}

/** Whether a synchronous driver inside async def, and the same in def, gave a boost: the verdict of the database claim. */
function driverVerdict(inAsyncDef: number | undefined, inDef: number | undefined): ClaimVerdict {
  if (inAsyncDef === undefined || inDef === undefined) return 'not measured';
  if (inAsyncDef >= NO_BOOST) return 'not reproduced';
  return inDef < NO_BOOST ? 'reproduced' : 'partly reproduced';
}

const CLAIMS: readonly ClaimSpec[] = [
  {
    id: 'dummy',
    scenario: 'article-dummy',
    claim: 'while / waits, /dummy answers immediately on FastAPI and waits out the slow request on Flask',
    article: 'FastAPI: at once; Flask: after the 20 s',
    row: (find, scenario) => {
      const fast = medianOf(find(ORIGINAL.async), 'blockingIndex');
      const flask = medianOf(find(ORIGINAL.flask), 'blockingIndex');
      const verdict: ClaimVerdict =
        fast === undefined || flask === undefined
          ? 'not measured'
          : fast < AT_ONCE_BETA && flask > BLOCKED_BETA
            ? 'reproduced'
            : fast > BLOCKED_BETA && flask < AT_ONCE_BETA
              ? 'reversed'
              : 'not reproduced';
      const others = [ORIGINAL.gunicorn, ORIGINAL.trap]
        .filter((s) => find(s))
        .map((s) => `${s} β ${formatNumber(medianOf(find(s), 'blockingIndex'))}`)
        .join(', ');
      return {
        originals: headOfLineSide(find, [ORIGINAL.async, ORIGINAL.flask]),
        analogue: headOfLineSide(find, [ANALOGUE.async, ANALOGUE.blocking]),
        verdict,
        reason:
          `With a ${formatNumber(Number(scenario.parameters.sleepMs))} ms sleep (the article's 20 s), the blocking index β = (L_fast − baseline) / (S − Δ) is 1 when /dummy waits out the sleep and 0 when it does not: ` +
          `Flask serves one request at a time, FastAPI awaits the sleep on its event loop.${others ? ` Also: ${others} (gunicorn's sync worker blocks like app.run; an async def that calls time.sleep blocks the loop).` : ''}`,
      };
    },
  },
  {
    id: 'utilisation',
    scenario: 'article-utilisation',
    claim: 'with asynchronous execution the thread is utilised 100% ("less waiting and more doing")',
    article: '100% of the thread',
    row: (find) => {
      const elu = medianOf(find(ORIGINAL.async), 'eventLoopUtilization');
      const served = ratioOf(find, [ORIGINAL.async, ORIGINAL.flask]);
      const side = (async: string, blocking: string) =>
        [async, blocking]
          .filter((s) => find(s))
          .map(
            (s) =>
              `${s} ${formatNumber(medianOf(find(s), 'throughputRps'))} req/s, thread occupied ${medianOf(find(s), 'eventLoopUtilization') === undefined ? 'not measured' : formatPercent(medianOf(find(s), 'eventLoopUtilization'))}, CPU ${formatPercent(medianOf(find(s), 'cpuUtilization'))} of a core`,
          )
          .join('; ') || 'did not run';
      const trap = find(ORIGINAL.trap);
      return {
        originals: side(ORIGINAL.async, ORIGINAL.flask),
        analogue: side(ANALOGUE.async, ANALOGUE.blocking),
        verdict: elu === undefined ? 'not measured' : elu >= FULL_THREAD ? 'reproduced' : 'not reproduced',
        reason:
          (elu === undefined
            ? 'FastAPI did not run here, so its thread was not measured.'
            : `FastAPI served ${formatRatio(served)} Flask's requests by overlapping their waits, but its thread was not 100% used: its event loop was occupied ${formatPercent(elu)} of the time.`) +
          (trap
            ? ` The thread that is occupied 100% is the blocked one: fastapi-trap's loop (an async def calling time.sleep) was ${formatPercent(medianOf(trap, 'eventLoopUtilization'))} occupied while using ${formatPercent(medianOf(trap, 'cpuUtilization'))} of a core.`
            : ''),
      };
    },
  },
  asyncDefClaim(
    'async-hello',
    'article-hello',
    'on a trivial endpoint async def is 85% faster than def',
    '13,190 against 7,103 req/s (1.86×)',
    13_190.52 / 7_103.43,
    'A def endpoint is handed to a pool thread and back for every request (anyio.to_thread.run_sync).',
  ),
  asyncDefClaim(
    'async-cpu',
    'article-cpu',
    'on the 1,000,000-step loop async def is 2× def',
    '31.47 against 15.56 req/s (2.02×)',
    31.47 / 15.56,
    "Both compute on one core per process: def's pool threads take turns under the GIL. Node's worker threads have no GIL, so the analogue's pool computes on every core.",
  ),
  asyncDefClaim(
    'async-workers',
    'article-workers-cpu',
    'with one worker per CPU thread async def is 23% faster than def',
    '454 against 368 req/s with 32 workers (1.23×)',
    454.22 / 367.9,
    'With workers = cores both use every core; what is left between them is the hand-off cost per request.',
  ),
  {
    id: 'sync-driver',
    scenario: 'article-database',
    claim: 'with a synchronous database library async gives little boost',
    article:
      '"Certain database libraries for Python only have synchronous implementations. In such cases you likely won\'t get much of a performance boost." (no figure)',
    row: (find, scenario) => {
      const queryMs = queryMsOf(scenario);
      const n = (server: string) => atOnce(find(server), queryMs);
      const [trap, def, async] = [n(ORIGINAL.trap), n(ORIGINAL.def), n(ORIGINAL.async)];
      const limitOf = (server: string) => count(find(server)?.expected.databaseQueriesMax);
      const oneAtATime = queryMs === undefined ? '1/S' : `1/S = ${formatNumber(1000 / queryMs)} req/s`;
      const right =
        trap === undefined
          ? 'fastapi-trap did not run, so a synchronous driver inside async def was not measured.'
          : trap < NO_BOOST
            ? `The article is right about a synchronous call inside async def: fastapi-trap (psycopg2 in async def) made ${formatNumber(trap)} query at a time, ${formatNumber(medianOf(find(ORIGINAL.trap), 'throughputRps'))} req/s ≈ ${oneAtATime}: the driver holds the event loop for the whole query, as time.sleep does, so async gave no boost at all.`
            : `fastapi-trap (psycopg2 in async def) made ${formatNumber(trap)} queries at a time: more than one, so it did not hold its event loop as the article expects.`;
      const wrong =
        def === undefined
          ? ' fastapi-def did not run, so the same driver in a plain def was not measured.'
          : def >= NO_BOOST
            ? ` It is not right about the library itself: the same kind of synchronous driver in a plain def (fastapi-def, psycopg's pool) made ${formatNumber(def)} queries at a time, ${formatNumber(medianOf(find(ORIGINAL.def), 'throughputRps'))} req/s, up to min(threads, pool) = ${limitOf(ORIGINAL.def)}: each query blocks only its pool thread, and the waits overlap.`
            : ` The same kind of driver in a plain def (fastapi-def) made ${formatNumber(def)} query at a time: no boost either.`;
      const awaited =
        async === undefined
          ? ''
          : ` An async driver (fastapi, asyncpg) made ${formatNumber(async)} at a time, its pool of ${limitOf(ORIGINAL.async)}: the boost the article means, and no more than the pool.`;
      return {
        originals: queriesAtOnce(find, [ORIGINAL.trap, ORIGINAL.def, ORIGINAL.async], queryMs),
        analogue: `${queriesAtOnce(find, [ANALOGUE.blocking, ANALOGUE.def, ANALOGUE.async], queryMs)}: ${driverVerdict(n(ANALOGUE.blocking), n(ANALOGUE.def))}`,
        verdict: driverVerdict(trap, def),
        reason: `${right}${wrong}${awaited}`,
      };
    },
  },
];

/**
 * How the claims table's verdicts are given, in words made from the same constants: the renderers print
 * it under the table, and the harness's README quotes it (a test keeps the two the same).
 */
export const CLAIM_RULE =
  `How each verdict is given: a claim that A is N× B is judged on the ratio A/B the originals measured here. ` +
  `It is reproduced when that ratio goes the same way beyond ${NOISE_WORDS} and by at least ${SHARE_WORDS} the article's effect on a log scale ` +
  `(${CLAIMS.flatMap((c) => (c.articleRatio ? [c.articleRatio] : []))
    .map(
      (ratio, i) =>
        `${formatRatio(reproducedFrom(ratio))}${i === 0 ? " or more against the article's" : ' against its'} ${formatRatio(ratio)}`,
    )
    .join(', ')}); ` +
  `reversed when it goes the other way beyond ${NOISE_WORDS} (under ${formatRatio(1 / (1 + CLAIM_NOISE))}); ` +
  `not reproduced otherwise: within ${NOISE_WORDS}, or the same way but under ${SHARE_WORDS} the effect. ` +
  `/dummy is reproduced when FastAPI's blocking index β is under ${AT_ONCE_BETA} and Flask's over ${BLOCKED_BETA} (reversed the other way round); ` +
  `the thread is "utilised 100%" when FastAPI's event loop was occupied ${formatPercent(FULL_THREAD)} of the time or more. ` +
  `A synchronous database library gives "no boost" when fewer than ${NO_BOOST} queries overlapped (N = X·S): reproduced when that holds inside async def (fastapi-trap) and in a plain def (fastapi-def), partly reproduced when it holds only inside async def, not reproduced otherwise. ` +
  `Not measured: the servers a claim needs did not run. The row's verdict is the originals'; the Node analogues' column judges their ratio by the same rule.`;

/** The claims table: one row per claim whose scenario ran, judged from its numbers. */
export function claimsTable(results: Pick<Results, 'scenarios'>): ClaimRow[] {
  return CLAIMS.flatMap((spec) => {
    const scenario = results.scenarios.find((s) => s.id === spec.scenario);
    if (!scenario) return [];
    const find: Find = (server) => {
      const result = scenario.results.find((r) => r.server === server);
      return result && Object.keys(result.metrics).length > 0 ? result : undefined;
    };
    return [{ id: spec.id, scenario: spec.scenario, claim: spec.claim, article: spec.article, ...spec.row(find, scenario) }];
  });
}
