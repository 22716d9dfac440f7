import { QUERY, QUERY_TARGET } from './database.js';
import { IO_BOUND_TARGET, ioBoundEntry, type Scenario } from './scenarios.js';

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
  /** A synchronous driver inside async def, the same in def, an async driver; and their analogues. */
  database: ['fastapi-trap', 'fastapi-def', 'fastapi', 'express-blocking', 'worker-pool', 'koa'],
} as const;

/** The headline's pairs: Flask against FastAPI async def, and def against async def, each with its analogues. */
const FLASK_FASTAPI = { article: ['flask', 'fastapi'], analogues: ['express-blocking', 'koa'] } as const;
const DEF_ASYNC_DEF = { article: ['fastapi-def', 'fastapi'], analogues: ['worker-pool', 'koa'] } as const;
const SYNC_ASYNC_DRIVER = { article: ['fastapi-trap', 'fastapi'], analogues: ['express-blocking', 'koa'] } as const;

export const ARTICLE_SCENARIOS: readonly Scenario[] = [
  {
    id: 'article-dummy',
    kind: 'head-of-line',
    title: 'Articles 000/001: /dummy (/fast) sent while / (/sleep) waits',
    claim: 'while the slow request waits, FastAPI answers /dummy immediately; Flask makes it wait out the slow request',
    processes: 'one',
    headline: 'fastLatencyMs',
    finding: 'headOfLine',
    servers: ARTICLE_SERVERS.dummy,
    headlinePairs: FLASK_FASTAPI,
  },
  {
    ...ioBoundEntry(
      'article-utilisation',
      `Article 000: "100% thread utilisation": C connections on ${IO_BOUND_TARGET}`,
      'with asynchronous execution the thread is utilised 100%: it serves other requests while one waits; a blocking thread sits and waits',
      ARTICLE_SERVERS.utilisation,
    ),
    headlinePairs: FLASK_FASTAPI,
  },
  {
    id: 'article-hello',
    kind: 'fixed-count',
    title: 'Article 002: ab -n 1000 -c 100 on a trivial endpoint, async def against def',
    claim: 'on a trivial endpoint async def serves 85% more than def (13,190 against 7,103 req/s): def pays a hand-off to a thread',
    processes: 'one',
    headline: 'throughputRps',
    finding: 'hello',
    servers: ARTICLE_SERVERS.asyncDef,
    headlinePairs: DEF_ASYNC_DEF,
  },
  {
    id: 'article-cpu',
    kind: 'fixed-count',
    title: `Article 002: ab -n 1000 -c 100 on the ${ARTICLE.cpuIterations.toLocaleString('en')}-step loop, async def against def`,
    claim: 'on a CPU-bound endpoint async def is 2× def (31.47 against 15.56 req/s)',
    processes: 'one',
    headline: 'throughputRps',
    finding: 'cpuBound',
    servers: ARTICLE_SERVERS.asyncDef,
    headlinePairs: DEF_ASYNC_DEF,
  },
  {
    id: 'article-workers-cpu',
    kind: 'fixed-count',
    title: `Article 002: the same with workers = cores, async def against def`,
    claim: 'with a worker per CPU thread async def is 23% faster than def (454 against 368 req/s with 32 workers)',
    processes: 'workers',
    headline: 'throughputRps',
    finding: 'cpuBound',
    servers: ARTICLE_SERVERS.asyncDef,
    headlinePairs: DEF_ASYNC_DEF,
  },
  {
    id: 'article-database',
    kind: 'closed-loop',
    title: `Articles 000/001: "a synchronous database library gives no boost": ${QUERY.connections} connections on ${QUERY_TARGET}`,
    claim:
      'some database libraries for Python only have synchronous implementations, and with them async gives little boost: a synchronous query inside async def holds the event loop (1/S), the same driver in a plain def holds only its pool thread (min(threads, P)/S), an async driver its pool connection (P/S)',
    processes: 'one',
    headline: 'throughputRps',
    finding: 'database',
    servers: ARTICLE_SERVERS.database,
    headlinePairs: SYNC_ASYNC_DRIVER,
    database: {},
  },
];
