import http from 'node:http';
import { watchDatabase } from '@loopbench/contract';
import { median } from '../analysis/stats.js';
import { generatorsProblems } from '../kinds/problems.js';
import { blockingIndex, type HeadOfLineTrial, headOfLineTrial } from '../measure/headOfLine.js';
import { readListenOverflows } from '../measure/listenOverflows.js';
import { type Answer, excerpt, get, NoAnswer } from './client.js';
import { runLoad } from './load.js';

/** What a probe finds: one request at a time, a fixed limit, or requests that overlap freely. */
export type Behaviour = 'blocking' | 'limited' | 'concurrent';
export const BEHAVIOURS: readonly Behaviour[] = ['blocking', 'limited', 'concurrent'];

export interface ProbeSettings {
  /** The server's base URL, e.g. http://127.0.0.1:8000. */
  url: string;
  /** A path that waits (e.g. one that sleeps or queries a database), and one that answers at once. */
  slow: string;
  fast: string;
  connections: number;
  durationS: number;
  /** The PostgreSQL the server queries: pg_stat_activity is read during the load, a second view of the limit. */
  databaseUrl?: string;
}

export interface ProbeResult {
  /** Called verdict in --json and --expect, as users know it. */
  verdict: Behaviour;
  /** β: the share of the slow request's remaining time the fast one waited (1 behind it, 0 beside it). */
  blockingIndex: number;
  /** Requests served at once, by Little's law: N = X·S (X·(S − networkStallMs) when `stallOutside`). */
  concurrency: number;
  /**
   * The size of the limit, a pool's or a worker count's: N − X·F, F the fast path alone. A pool
   * holds a request while it waits, and what every request costs besides (parsing, routing, about
   * F) goes on outside it: N counts that too, and read 5.3 to 5.6 requests at once on a pool of 5.
   */
  limitEstimate: number;
  /** The fast path alone, median. */
  fastLatencyMs: number;
  /** The slow path alone, median, on the kind of connection the load sends on (kept alive when the server keeps it): S. */
  slowLatencyMs: number;
  /** The fast path sent while the slow one was in flight. */
  fastBehindSlowMs: number;
  /** Throughput X of the slow path under `connections` closed-loop connections, over whole cycles (load.ts, windowFigures). */
  throughputRps: number;
  /** Whether the server keeps a connection open after an answer: then the load reuses its connections, and S is timed on one. */
  keepAlive: boolean;
  /** The fast path on a kept-alive connection, median; absent when the server closes each connection after its answer. */
  fastKeptAliveMs?: number;
  /**
   * How much longer an answer takes on a kept-alive connection than on a new one, when it is over
   * PROBE_LIMITS.stallMs: the answer stalls on the network (the server writes it in more than one
   * small write, and Nagle's algorithm holds the last until the client's delayed ACK).
   */
  networkStallMs?: number;
  /**
   * N leaves the stall out of S: every connection was answered in turn, so the limit holds requests
   * and frees its place before the stall (one that holds connections keeps them through it).
   */
  stallOutside?: true;
  /**
   * Connections of the load that got no answer at all while the others were answered without
   * waiting: the server left them waiting (it holds each kept-alive connection, or its queue is unfair).
   */
  unansweredConnections: number;
  /** How much Linux's TcpExt ListenOverflows (this machine's count of connection attempts dropped at a full listen backlog) rose during the load; absent where it cannot be read. */
  listenOverflows?: number;
  /** Why the load figure may be the generator's, not the server's; absent when it is not. */
  generatorWarning?: string;
  /** With --database-url: the most sleeping queries pg_stat_activity showed at once during the load (the database's view of N). */
  databaseQueriesMax?: number;
  settings: Omit<ProbeSettings, 'databaseUrl'> & { offsetMs: number; warmupS: number };
}

/** What went wrong, with the exit code: 2 when the user can change a setting, 1 when the server cannot be reached or measured. */
export class ProbeError extends Error {
  override name = 'ProbeError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

export const PROBE_LIMITS = {
  connections: { min: 2, max: 256, default: 10 },
  durationS: { min: 1, max: 60, default: 3 },
  /** A slow path longer than this is not one to probe with. */
  slowMsMax: 10_000,
  /** A fast path answers at once: a server that sends nothing to it for this long is not answering. */
  fastTimeoutMs: 5_000,
  /** Requests of each path alone. */
  fastSamples: 5,
  slowSamples: 3,
  /** The load opens its connections this far apart: a burst overflows a short listen backlog (Python's socketserver listens with 5). */
  connectSpacingMs: 2,
  /** A kept-alive answer this much slower than a new connection's has stalled on the network (a delayed ACK is 40 ms on Linux). */
  stallMs: 20,
  /**
   * After its window the load waits for the requests the window's end cut (they count once they
   * end), but no longer once the server has answered nothing for this many C·S, and a second: a
   * server that shares its time among all C (CPU work under threads) answers them together, C·S apart.
   */
  silentCycles: 2,
} as const;

/** Few requests at a time overlap: 1.5 or fewer is one at a time; 80% of the connections or more is no limit up to C. */
export function classify(concurrency: number, connections: number): Behaviour {
  if (concurrency < 1.5) return 'blocking';
  if (concurrency >= 0.8 * connections) return 'concurrent';
  return 'limited';
}

/** A request of the probe's own, and whether it is the very first (whose failure means nothing answers at all). */
interface Asked {
  url: string;
  target: string;
  flag: '--fast' | '--slow';
  agent: http.Agent | false;
  timeoutMs: number;
  first?: boolean;
}

/** What to tell the user when a request got no answer. */
function noAnswerError(error: NoAnswer, { url, target, flag, timeoutMs, first }: Asked): ProbeError {
  const within = `within ${timeoutMs / 1000} s`;
  if (error.kind === 'not-http') {
    return new ProbeError(`${url} answers, but not in HTTP: it sent "${error.detail}"; give the URL of the HTTP server`, 1);
  }
  if (first && error.kind === 'unreachable') {
    return new ProbeError(`nothing answers at ${url} (${error.detail}): start the server, or give the URL it listens on`, 1);
  }
  if (first && error.kind === 'silent') {
    return new ProbeError(
      `nothing answers at ${url}: it accepted the connection, but GET ${target} got no answer ${within} (a server that is stuck, or not HTTP, sends nothing)`,
      1,
    );
  }
  if (error.kind === 'unreachable')
    return new ProbeError(`GET ${target} got no answer: the server dropped the connection (${error.detail})`, 1);
  if (error.kind === 'unfinished') {
    return new ProbeError(`GET ${target} began an answer but did not finish it ${within}: its body never ended`, 1);
  }
  if (error.reused) {
    return new ProbeError(
      `GET ${target} got no answer ${within} on a kept-alive connection, though it was answered on a new one: the server does not answer a second request on a connection`,
      1,
    );
  }
  if (flag === '--slow') return new ProbeError(`GET ${target} did not answer ${within}; give a --slow path that waits 0.1 to 5 s`, 2);
  return new ProbeError(`GET ${target} was answered, then got no answer ${within}: the server stopped answering`, 1);
}

async function ask(asked: Asked): Promise<Answer> {
  let answer: Answer;
  try {
    answer = await get(asked.url + asked.target, asked.agent, asked.timeoutMs);
  } catch (error) {
    throw error instanceof NoAnswer ? noAnswerError(error, asked) : error;
  }
  if (answer.status < 200 || answer.status > 299) {
    const words = excerpt(answer.body);
    throw new ProbeError(
      `GET ${asked.target} answered ${`${answer.status} ${answer.statusText}`.trim()}${words ? ` ("${words}")` : ''}; give a ${asked.flag} path that answers 2xx`,
      2,
    );
  }
  return answer;
}

/** `samples` answers one after another; of them, only the first can be the probe's first request. */
async function alone(asked: Asked, samples: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < samples; i++) answers.push(await ask({ ...asked, first: asked.first === true && i === 0 }));
  return answers;
}

const medianMs = (answers: readonly Answer[]) => median(answers.map((a) => a.latencyMs));

/**
 * The fast and slow paths alone as the load will send them: on one connection kept alive, when the
 * server keeps it (every request after the first then goes on it). Closed after, so a server that
 * serves one connection at a time is free for the trial.
 */
async function aloneAsLoaded(url: string, fast: string, slow: string): Promise<{ fast: Answer[]; slow: Answer[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const { fastTimeoutMs, slowMsMax, fastSamples, slowSamples } = PROBE_LIMITS;
  try {
    const fastAsked = { url, target: fast, flag: '--fast' as const, agent, timeoutMs: fastTimeoutMs };
    await ask(fastAsked);
    return {
      fast: await alone(fastAsked, fastSamples),
      slow: await alone({ url, target: slow, flag: '--slow', agent, timeoutMs: slowMsMax * 2 }, slowSamples),
    };
  } finally {
    agent.destroy();
  }
}

/**
 * Probes a running server from outside: the fast path's latency alone, the head-of-line trial
 * (the fast path sent while the slow one is in flight), then C closed-loop connections on the slow
 * path, from this process. With S the slow path alone and X the throughput under load, N = X·S
 * requests were served at once (Little's law).
 */
export async function probeServer(settings: ProbeSettings, step: (text: string) => void = () => {}): Promise<ProbeResult> {
  const { url, slow, fast, connections, durationS } = settings;
  step(`${fast} alone`);
  const fastAsked = { url, target: fast, flag: '--fast', agent: false, timeoutMs: PROBE_LIMITS.fastTimeoutMs, first: true } as const;
  const fastLatencyMs = medianMs(await alone(fastAsked, PROBE_LIMITS.fastSamples));
  step(`${fast} and ${slow} alone on a kept-alive connection`);
  const asLoaded = await aloneAsLoaded(url, fast, slow);
  // The server kept the connection: the load's connections will be kept too.
  const keepAlive = asLoaded.fast.every((a) => a.reused);
  const fastAsLoadedMs = medianMs(asLoaded.fast);
  const slowLatencyMs = medianMs(asLoaded.slow);
  if (slowLatencyMs > PROBE_LIMITS.slowMsMax) {
    throw new ProbeError(`GET ${slow} took ${Math.round(slowLatencyMs)} ms; give a --slow path that waits 0.1 to 5 s`, 2);
  }
  if (slowLatencyMs < 2 * fastAsLoadedMs || slowLatencyMs - fastAsLoadedMs < 20) {
    throw new ProbeError(
      `GET ${slow} (${slowLatencyMs.toFixed(1)} ms) is not slower than GET ${fast} (${fastAsLoadedMs.toFixed(1)} ms), so nothing can be told; give a --slow path that waits 0.1 to 5 s, e.g. one that sleeps or queries a database`,
      2,
    );
  }
  const stallMs = keepAlive ? fastAsLoadedMs - fastLatencyMs : 0;
  const networkStallMs = stallMs > PROBE_LIMITS.stallMs ? stallMs : undefined;
  // The slow path on a new connection, as the trial sends it: without the stall.
  const slowFreshMs = slowLatencyMs - (networkStallMs ?? 0);
  const minimumS = Math.ceil((2 * slowLatencyMs) / 1000);
  if (durationS < minimumS) {
    throw new ProbeError(
      `--duration ${durationS} is too short for a slow path of ${Math.round(slowLatencyMs)} ms; give --duration ${minimumS} or more`,
      2,
    );
  }

  step('head-of-line trial');
  const offsetMs = Math.min(100, Math.max(5, Math.round(slowLatencyMs / 10)));
  let trial: HeadOfLineTrial;
  try {
    trial = await headOfLineTrial({ url, slowTarget: slow, fastTarget: fast, offsetMs, timeoutMs: PROBE_LIMITS.slowMsMax * 3 });
  } catch (error) {
    throw new ProbeError(`the head-of-line trial (${fast} sent while ${slow} was in flight) got no answer: ${(error as Error).message}`, 1);
  }
  for (const [flag, reply] of [
    ['--fast', trial.fast],
    ['--slow', trial.slow],
  ] as const) {
    if (reply.status < 200 || reply.status > 299) throw new ProbeError(`a ${flag} request answered ${reply.status} during the trial`, 2);
  }

  step(`${connections} connections on ${slow} for ${durationS} s`);
  // Two slow requests after the last connection has opened.
  const { connectSpacingMs } = PROBE_LIMITS;
  const warmupS = Math.min(2, Math.max(0.2, (2 * slowLatencyMs) / 1000)) + ((connections - 1) * connectSpacingMs) / 1000;
  const overflowsBefore = readListenOverflows();
  const database = settings.databaseUrl === undefined ? undefined : watchDatabase(settings.databaseUrl);
  await database?.ready;
  let load: Awaited<ReturnType<typeof runLoad>>;
  let activity: Awaited<ReturnType<NonNullable<typeof database>['stop']>>;
  try {
    load = await runLoad({
      url: url + slow,
      connections,
      warmupS,
      durationS,
      timeoutMs: PROBE_LIMITS.slowMsMax * 3,
      connectSpacingMs,
      silentMs: PROBE_LIMITS.silentCycles * connections * slowLatencyMs + 1000,
    });
  } finally {
    // A load that failed must not leave the watch's connection polling the database.
    activity = await database?.stop();
  }
  const overflowsAfter = readListenOverflows();
  const listenOverflows = overflowsBefore === undefined || overflowsAfter === undefined ? undefined : overflowsAfter - overflowsBefore;
  if (load.non2xx > 0) throw new ProbeError(`${load.non2xx} of ${load.responses} ${slow} requests under load answered non-2xx`, 2);
  if (load.errors + load.timeouts > 0) {
    throw new ProbeError(
      `under ${connections} connections ${slow} had ${load.errors} connection errors and ${load.timeouts} timeouts; try fewer --connections`,
      1,
    );
  }
  // No answered request reached into the window: no throughput (NaN).
  if (!(load.throughputRps > 0)) {
    throw new ProbeError(
      `under ${connections} connections no ${slow} answer arrived in the ${durationS} s measured (${load.warmupAnswers} in the warm-up before it), so there is no throughput to tell from: the server answers ${slow} alone, but stops under load`,
      1,
    );
  }
  const X = load.throughputRps / 1000;
  // By Little's law over the load's own connections, X·R of them were in play (R: latency under
  // load, of the requests sent in the window): all C when the server queues every connection, only
  // those answered when it leaves the rest waiting.
  const inPlay = X * load.latencyMeanMs;
  const { answeredConnections } = load;
  const unanswered = Math.max(0, connections - answeredConnections);
  const unansweredConnections = unanswered > 0 && inPlay < (answeredConnections + connections) / 2 ? unanswered : 0;
  // A limit that holds connections keeps each through its stall (S as loaded); one on requests (every
  // connection answered in turn) frees its place before the stall, which is then not served time.
  const stallOutside =
    networkStallMs !== undefined && unansweredConnections === 0 && classify(X * slowLatencyMs, connections) === 'limited';
  const concurrency = X * (stallOutside ? slowFreshMs : slowLatencyMs);
  const classified = classify(concurrency, connections);
  const warning = generatorsProblems([load.generator])[0];
  return {
    // Connections left waiting are a limit, however many the others were.
    verdict: unansweredConnections > 0 && classified === 'concurrent' ? 'limited' : classified,
    blockingIndex: blockingIndex(trial, slowFreshMs),
    concurrency,
    limitEstimate: concurrency - X * fastLatencyMs,
    fastLatencyMs,
    slowLatencyMs,
    fastBehindSlowMs: trial.fast.latencyMs,
    throughputRps: load.throughputRps,
    keepAlive,
    ...(keepAlive ? { fastKeptAliveMs: fastAsLoadedMs } : {}),
    ...(networkStallMs !== undefined ? { networkStallMs } : {}),
    ...(stallOutside ? { stallOutside } : {}),
    unansweredConnections,
    ...(listenOverflows !== undefined ? { listenOverflows } : {}),
    ...(warning ? { generatorWarning: warning } : {}),
    ...(activity ? { databaseQueriesMax: activity.maxQueries } : {}),
    settings: { url, slow, fast, connections, durationS, offsetMs, warmupS },
  };
}
