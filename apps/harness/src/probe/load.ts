import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { type GeneratorHealth, watchGenerator } from '../measure/generator.js';
import { get, NoAnswer } from './client.js';

/** One request of a connection's closed loop. */
export interface Exchange {
  sentAt: number;
  /** When its answer ended, or it failed; absent when it was still waiting as the load stopped. */
  endedAt?: number;
  /** Answered 2xx. */
  ok: boolean;
}

/** How many of the sorted `times` are at most `t`. */
function countUpTo(times: readonly number[], t: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((times[mid] as number) <= t) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** A connection's requests sent in [from, to): each connection sends one at a time, so they run back to back. */
function sentIn(exchanges: readonly Exchange[], from: number, to: number): Exchange[] {
  return exchanges.filter((e) => e.sentAt >= from && e.sentAt < to);
}

/**
 * The throughput of closed-loop connections measured over the window [from, to), in requests per
 * second, and the mean latency of the requests sent in it.
 *
 * A connection's requests sent in the window run back to back: its span runs from the answer just
 * before its first send in the window to the answer of its last, the one the window's end cut (the
 * load waits for that one: dropped, the long requests would go first, and a short window would
 * favour short ones). From one of its answers to another, a span holds whole cycles of the
 * connection, and so whole cycles of the others when the server serves them in turn or in waves.
 * Throughput is every 2xx answer within the spans (any connection's, whenever it was sent) over the
 * spans' summed length. On a server that serves one request at a time every answer in a span had its
 * service inside the span, so such a server never reads above 1/S, however short the window.
 *
 * The estimators this replaces read high: answers from the window's start to its last answer count
 * n answers in n − 1 cycles and a part of one (most so when the window holds few cycles), and rates
 * summed connection by connection, each over its own span, add up to more than the server served
 * when it serves connections unevenly, some often and some rarely.
 *
 * A connection that sent nothing in the window (one request in flight across it, as on a blocking
 * server whose C·S is longer than the window) has no span, nor has one whose last request in it got
 * no answer (the server left it waiting); their answers still count in the others' spans.
 */
export function windowFigures(connections: readonly (readonly Exchange[])[], from: number, to: number) {
  const answers = connections
    .flat()
    .flatMap((e) => (e.ok && e.endedAt !== undefined ? [e.endedAt] : []))
    .sort((a, b) => a - b);
  let counted = 0;
  let spanMs = 0;
  let latencySum = 0;
  let measured = 0;
  for (const exchanges of connections) {
    const inWindow = sentIn(exchanges, from, to);
    for (const { sentAt, endedAt, ok } of inWindow) {
      if (!ok || endedAt === undefined) continue;
      latencySum += endedAt - sentAt;
      measured += 1;
    }
    const first = inWindow[0];
    const last = inWindow.at(-1);
    if (first === undefined || last?.endedAt === undefined || !last.ok) continue;
    // From the answer before its first send in the window (the send follows it at once): a server that
    // serves one at a time may begin the next service there, before the send.
    const start = exchanges[exchanges.indexOf(first) - 1]?.endedAt ?? first.sentAt;
    counted += countUpTo(answers, last.endedAt) - countUpTo(answers, start);
    spanMs += last.endedAt - start;
  }
  return {
    /** NaN when no connection had a span. */
    throughputRps: spanMs > 0 ? (counted / spanMs) * 1000 : Number.NaN,
    /** Of the 2xx answers to requests sent in the window; NaN when there were none. */
    latencyMeanMs: measured > 0 ? latencySum / measured : Number.NaN,
    /** 2xx answers to requests sent in the window. */
    measured,
    /** The connections' spans, summed. */
    spanMs,
  };
}

/**
 * Whether the server leaves a request waiting: another connection was answered `laps` times on
 * requests it sent after this one. Served in turn (first come, first served, or side by side) no
 * request overtakes another even once.
 */
export function overtaken(waiting: Exchange, connections: readonly (readonly Exchange[])[], laps: number): boolean {
  return connections.some((exchanges) => {
    let overtook = 0;
    for (let i = exchanges.length - 1; i >= 0; i--) {
      const exchange = exchanges[i] as Exchange;
      if (exchange.sentAt <= waiting.sentAt) break;
      if (exchange.ok && exchange.endedAt !== undefined) overtook += 1;
    }
    return overtook >= laps;
  });
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Load from the start, measured from this many seconds on. */
  warmupS: number;
  durationS: number;
  /** Per request. */
  timeoutMs: number;
  /** Connection i sends its first request i times this many ms after the first. */
  connectSpacingMs: number;
  /** Once the window has ended, a server that answers nothing for this long has stopped: the load waits no longer. */
  silentMs: number;
}

export interface LoadResult {
  /** Requests per second over the window (see windowFigures); NaN when no request sent in it was answered. */
  throughputRps: number;
  latencyMeanMs: number;
  /** 2xx answers to requests sent in the window. */
  measured: number;
  /** 2xx answers before the window. */
  warmupAnswers: number;
  /** Every answer, 2xx or not. */
  responses: number;
  /** Requests sent in the window (the last of a connection's) still waiting when the load stopped: left waiting by the server, or it stopped answering. */
  leftWaiting: number;
  /** How long the load ran past the window's end, waiting for the requests it cut. */
  waitedMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Connections with at least one 2xx answer, warm-up included. */
  answeredConnections: number;
  generator: GeneratorHealth;
}

/** Another connection answered this many times on requests sent after one still waiting: that one is left waiting. */
const LAPS = 3;
const CHECK_MS = 10;

/**
 * Closed-loop load: each connection (kept alive when the server keeps it, a new one when it closes)
 * sends its next request when the previous answer ends. Measured over the window from `warmupS` to
 * `warmupS + durationS`, then kept on, unchanged, until every request sent in the window has ended
 * or is left waiting by the server (overtaken LAPS times), or the server has answered nothing for
 * `silentMs`. Requests still in flight then are abandoned and count nothing.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { url, connections, timeoutMs, connectSpacingMs, silentMs } = options;
  const stopWatching = watchGenerator();
  const started = performance.now();
  const from = started + options.warmupS * 1000;
  const to = from + options.durationS * 1000;
  const all: Exchange[][] = Array.from({ length: connections }, () => []);
  const agents = all.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  // One each: a signal takes a listener per request in flight, and warns past 10.
  const abandons = all.map(() => new AbortController());
  let responses = 0;
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  let lastEndedAt = started;
  let stopped = false;
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });

  /** The request sent in the window that its end cut, when it has not ended yet: the span of its connection waits on it. */
  const cutAndWaiting = (exchanges: readonly Exchange[]): Exchange | undefined => {
    for (let i = exchanges.length - 1; i >= 0; i--) {
      const exchange = exchanges[i] as Exchange;
      if (exchange.sentAt < to) return exchange.sentAt >= from && exchange.endedAt === undefined ? exchange : undefined;
    }
    return undefined;
  };
  const check = () => {
    const now = performance.now();
    if (stopped || now < to) return;
    const waiting = all.flatMap((exchanges) => cutAndWaiting(exchanges) ?? []);
    if (now - lastEndedAt >= silentMs || waiting.every((exchange) => overtaken(exchange, all, LAPS))) {
      stopped = true;
      finish();
    }
  };

  const loops = all.map(async (exchanges, i) => {
    await delay(i * connectSpacingMs);
    const agent = agents[i] as http.Agent;
    while (!stopped) {
      const exchange: Exchange = { sentAt: performance.now(), ok: false };
      exchanges.push(exchange);
      try {
        const answer = await get(url, agent, timeoutMs, (abandons[i] as AbortController).signal);
        if (stopped) return;
        exchange.endedAt = performance.now();
        exchange.ok = answer.status >= 200 && answer.status <= 299;
        responses += 1;
        if (!exchange.ok) non2xx += 1;
      } catch (error) {
        if (stopped) return;
        exchange.endedAt = performance.now();
        if (error instanceof NoAnswer && (error.kind === 'silent' || error.kind === 'unfinished')) timeouts += 1;
        else errors += 1;
      }
      lastEndedAt = exchange.endedAt;
      check();
      // The probe reports any failure; a connection that failed sends no more (one refused would spin).
      if (!exchange.ok) return;
    }
  });
  // The window's end, a server gone silent and overtaken connections are all seen by the clock too.
  const interval = setInterval(check, CHECK_MS);
  // Every connection can end on a failure before the window does.
  await Promise.race([done, Promise.all(loops)]);
  const stoppedAt = performance.now();
  stopped = true;
  clearInterval(interval);
  // Requests in flight fail as they are abandoned, and their loops end.
  for (const abandon of abandons) abandon.abort();
  for (const agent of agents) agent.destroy();
  await Promise.all(loops);
  const generator = stopWatching();
  const figures = windowFigures(all, from, to);
  return {
    throughputRps: figures.throughputRps,
    latencyMeanMs: figures.latencyMeanMs,
    measured: figures.measured,
    warmupAnswers: all.flat().filter((e) => e.ok && e.endedAt !== undefined && e.endedAt < from).length,
    responses,
    leftWaiting: all.filter((exchanges) => cutAndWaiting(exchanges) !== undefined).length,
    waitedMs: Math.max(0, stoppedAt - to),
    non2xx,
    errors,
    timeouts,
    answeredConnections: all.filter((exchanges) => exchanges.some((e) => e.ok)).length,
    generator,
  };
}
