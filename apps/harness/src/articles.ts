import { fixedCount } from './kinds/fixedCount.js';
import { headOfLine } from './kinds/headOfLine.js';
import type { RunOptions } from './options.js';
import { cpuTheory, IO_SLEEP_MS, ioBoundEntry, type Scenario, scenario } from './scenarios.js';
import { verdicts } from './verdicts.js';

/**
 * The articles' own experiments with their own parameters, against the originals (Flask, FastAPI)
 * and their Node analogues in one run. Article 000/001 waited 20 s; here the slow request waits 3 s:
 * the blocking index and /dummy's answer time do not depend on it, and 20 s for each of six servers
 * and three repeats would take six minutes. Article 002 ran `ab -n 1000 -c 100`, and so do these.
 */
export const ARTICLE = {
  sleepMs: 3_000,
  offsetMs: 300,
  quick: { sleepMs: 1_000, offsetMs: 100, requests: 200 },
  requests: 1_000,
  connections: 100,
  /** The article's loop: `for i in range(0, 1000000): c += 1`. */
  cpuIterations: 1_000_000,
} as const;

/** Who each experiment is about: the article's pair, then its Node analogues. */
export const ARTICLE_SERVERS = {
  dummy: ['flask', 'flask-gunicorn', 'fastapi', 'fastapi-trap', 'express-blocking', 'koa'],
  asyncDef: ['fastapi', 'fastapi-def', 'koa', 'worker-pool'],
  utilisation: ['flask', 'fastapi', 'fastapi-trap', 'express-blocking', 'koa'],
} as const;

const abLoad = (target: string, theory: boolean) => (options: RunOptions, workers: number) => {
  const requests = options.quick ? ARTICLE.quick.requests : ARTICLE.requests;
  return {
    target,
    requests,
    connections: ARTICLE.connections,
    workers,
    warmupRequests: Math.min(200, requests),
    ...(theory ? { theory: cpuTheory } : {}),
  };
};

export const ARTICLE_SCENARIOS: readonly Scenario[] = [
  scenario(headOfLine, {
    id: 'article-dummy',
    title: 'Articles 000/001: /dummy (/fast) sent while / (/sleep) waits',
    claim: 'while the slow request waits, FastAPI answers /dummy immediately; Flask makes it wait out the slow request',
    processes: 'one',
    headline: 'fastLatencyMs',
    verdict: verdicts.headOfLine,
    servers: ARTICLE_SERVERS.dummy,
    settings: (o) =>
      o.quick
        ? { sleepMs: ARTICLE.quick.sleepMs, offsetMs: ARTICLE.quick.offsetMs }
        : { sleepMs: ARTICLE.sleepMs, offsetMs: ARTICLE.offsetMs },
  }),
  ioBoundEntry(
    'article-utilisation',
    `Article 000: "100% thread utilisation": C connections on /sleep?ms=${IO_SLEEP_MS}`,
    'with asynchronous execution the thread is utilised 100%: it serves other requests while one waits; a blocking thread sits and waits',
    ARTICLE_SERVERS.utilisation,
  ),
  scenario(fixedCount, {
    id: 'article-hello',
    title: 'Article 002: ab -n 1000 -c 100 on a trivial endpoint, async def against def',
    claim: 'on a trivial endpoint async def serves 85% more than def (13,190 against 7,103 req/s): def pays a hand-off to a thread',
    processes: 'one',
    headline: 'throughputRps',
    verdict: verdicts.hello,
    servers: ARTICLE_SERVERS.asyncDef,
    settings: abLoad('/hello', false),
  }),
  scenario(fixedCount, {
    id: 'article-cpu',
    title: `Article 002: ab -n 1000 -c 100 on the ${ARTICLE.cpuIterations.toLocaleString('en')}-step loop, async def against def`,
    claim: 'on a CPU-bound endpoint async def is 2× def (31.47 against 15.56 req/s)',
    processes: 'one',
    headline: 'throughputRps',
    verdict: verdicts.cpuBound,
    servers: ARTICLE_SERVERS.asyncDef,
    settings: abLoad(`/cpu?iterations=${ARTICLE.cpuIterations}`, true),
  }),
  scenario(fixedCount, {
    id: 'article-workers-cpu',
    title: `Article 002: the same with workers = cores, async def against def`,
    claim: 'with a worker per CPU thread async def is 23% faster than def (454 against 368 req/s with 32 workers)',
    processes: 'workers',
    headline: 'throughputRps',
    verdict: verdicts.cpuBound,
    servers: ARTICLE_SERVERS.asyncDef,
    settings: abLoad(`/cpu?iterations=${ARTICLE.cpuIterations}`, true),
  }),
];
