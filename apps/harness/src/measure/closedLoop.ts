import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseServerTiming } from '@loopbench/contract';
import autocannon from 'autocannon';
import { type LatencySummaryMs, latencyFields, recordMs } from '../analysis/histogram.js';
import { latencyHistogram } from '../results/histogram.js';
import { type GeneratorHealth, watchGenerator } from './generator.js';
import { QueueSplit, type QueueSplitResult, type SplitSums } from './queueSplit.js';
import { TIMELINE_LIMITS, type Timeline, TimelineRecorder } from './timeline.js';

export interface ClosedLoopOptions {
  url: string;
  connections: number;
  /**
   * Load is sent from the start, but nothing before this many seconds is measured, nor, when above
   * 0, before every connection is in the server's round (or left waiting, as runClosedLoop says).
   */
  warmupS: number;
  /** The window's length; it goes on past it until every connection has sent `minCycles` measured requests. */
  durationS: number;
  /**
   * Measured requests each connection sends at the least (default 1): a window shorter than a
   * connection's cycle (C·S on a blocking server) then still times a whole cycle of each.
   */
  minCycles?: number;
  /** Per request; longer than the slowest request the scenario expects. Also the longest the run waits past its window. */
  timeoutS: number;
  /**
   * Open connection i after i times this many ms instead of all at once: a burst of connections
   * overflows a short listen backlog (Python's socketserver listens with 5), and the kernel drops
   * the attempts it cannot queue, which then wait seconds for a retry.
   */
  connectSpacingMs?: number;
  signal?: AbortSignal;
  /**
   * Record the first requests sent after the warm-up, and read the server's /stats (at this base
   * URL) meanwhile: the run's timeline.
   */
  timeline?: { statsUrl: string };
  /**
   * This loop is one of several generators' on the same server, which must share one window: its
   * warm-up ends, and its window closes, when every one's could (see Together).
   */
  together?: Together;
}

/**
 * Several generators' closed loops as one window. Each says when its own warm-up could end (every
 * connection answered once) and when its own window could close (every connection sent its share),
 * and ends or closes only when told that all could: one generator whose connections were all
 * answered must not measure while another's still queue to enter a blocking server's round (their
 * cycles would be short, and the summed throughput too high: 24.7 req/s against a limit of 20).
 */
export interface Together {
  /** Its warm-up could end; `steady` follows once every generator's could. */
  warm(): void;
  /** Its window could close; `close` follows once every generator's could. */
  closable(): void;
  onSteady(listener: () => void): void;
  onClose(listener: () => void): void;
}

export interface ClosedLoopResult {
  responses: number;
  non2xx: number;
  /** Of the non-2xx, 503 Service Unavailable: the contract's answer to /query when the database cannot answer. */
  unavailable: number;
  errors: number;
  timeouts: number;
  resets: number;
  /** The measured window: from the first measured request's send to the last measured 2xx answer. */
  windowMs: number;
  /** 2xx answers per second in steady state: each connection's measured answers over its own measured time, summed. */
  throughputRps: number;
  /** 2xx answers to measured requests, those sent in the window (after the warm-up, before its close). */
  measured: number;
  /** Connections that got at least one 2xx answer, warm-up included: fewer than asked for when a server leaves some waiting. */
  answeredConnections: number;
  /** Of the measured requests' 2xx answers. */
  latencyMs: LatencySummaryMs;
  /** Every measured 2xx latency in microseconds, as a compressed HDR histogram. */
  latencyHistogram: string;
  /** Latency split by the server's Server-Timing, over the measured 2xx answers; absent when none carried it. */
  split?: QueueSplitResult;
  /** The sums behind `split`, so several generators' splits add. */
  splitSums: SplitSums;
  /** When asked for: measured requests sent in the first TIMELINE_LIMITS.windowMs after the warm-up, ms from its end. */
  timeline?: Timeline;
  generator: GeneratorHealth;
}

/** Raw header pairs as http-parser-js hands them over: [name, value, name, value, …]. */
function serverTimingOf(rawHeaders: readonly string[]): number | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 13 && name.toLowerCase() === 'server-timing') return parseServerTiming(rawHeaders[i + 1]);
  }
  return undefined;
}

/** What autocannon 9 emits as 'headers' (its parser's record), its connection, parser and the methods it calls on itself. */
interface AutocannonClient {
  on(event: 'headers', listener: (info: { headers: string[]; shouldKeepAlive?: boolean }) => void): void;
  /** Emitted as each request is written. */
  on(event: 'request', listener: () => void): void;
  conn: Socket;
  /** http-parser-js: BODY_RAW is a body that ends when the connection closes. */
  parser: { state: string; type: unknown; finish(): unknown; reinitialize(type: unknown): void };
  _connect(): void;
  _doRequest(...args: unknown[]): void;
  _resetConnection(): void;
}

/**
 * Called for each autocannon client: keeps each answer's Server-Timing for `servedMs`, and, when a
 * server closes the connection after its answer (werkzeug's HTTP/1.0, gunicorn's sync worker),
 * sends the next request on a new connection. autocannon writes it on the closing one, where it is
 * lost until the close is noticed, and then times the next answer from the lost request's start.
 *
 * An answer with neither Content-Length nor chunked coding ends when the server closes the
 * connection (legal HTTP/1.1). autocannon does not tell its parser of the close: the parser reads
 * the next connection's answers as more of that body, and no answer is ever counted (#27). Here the
 * close ends the answer, which is counted as any other, and the next request goes on a new connection.
 */
export function watchClient(client: unknown, servedMs: Map<unknown, number | undefined>): void {
  const watched = client as AutocannonClient;
  let closing = false;
  watched.on('headers', (info) => {
    servedMs.set(client, serverTimingOf(info.headers));
    closing = info.shouldKeepAlive === false;
  });
  const doRequest = watched._doRequest;
  watched._doRequest = function (this: AutocannonClient, ...args: unknown[]) {
    if (!closing) return doRequest.apply(this, args);
    closing = false;
    // Its reconnection sends the request, on the new connection.
    this._resetConnection();
  };
  const connect = watched._connect;
  watched._connect = function (this: AutocannonClient) {
    connect.call(this);
    const conn = this.conn;
    const reconnect = conn.listeners('end') as (() => void)[];
    conn.removeAllListeners('end');
    conn.on('end', () => {
      if (this.parser.state === 'BODY_RAW') {
        // Emits the answer; the next request, sent as it is counted, opens the new connection.
        this.parser.finish();
        this.parser.reinitialize(this.parser.type);
        if (this.conn !== conn) return;
      }
      for (const listener of reconnect) listener.call(conn);
    });
  };
}

/** What a closed loop's window says of one connection: its measured 2xx answers, from its first measured send to the last of them. */
export interface ConnectionSpan {
  /** It got a 2xx answer, warm-up included. */
  answered: boolean;
  cycles: number;
  firstSentAt: number;
  lastAnsweredAt: number;
}

/**
 * The window's figures from its connections' spans. Throughput is pooled over the connections, not
 * summed one by one: a connection's few cycles over their time over-estimate its rate when cycles
 * vary (E[k/T] > k/E[T]), and a server that serves connections unevenly varies them; every
 * connection still counts once in `timed`.
 */
export function windowFigures(
  spans: Iterable<ConnectionSpan>,
): Pick<ClosedLoopResult, 'windowMs' | 'measured' | 'answeredConnections' | 'throughputRps'> {
  let cycleMs = 0;
  let timed = 0;
  let measured = 0;
  let answeredConnections = 0;
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.NEGATIVE_INFINITY;
  for (const span of spans) {
    if (span.answered) answeredConnections += 1;
    if (span.cycles === 0) continue;
    cycleMs += span.lastAnsweredAt - span.firstSentAt;
    timed += 1;
    measured += span.cycles;
    windowStart = Math.min(windowStart, span.firstSentAt);
    windowEnd = Math.max(windowEnd, span.lastAnsweredAt);
  }
  return {
    windowMs: measured > 0 ? windowEnd - windowStart : Number.NaN,
    measured,
    answeredConnections,
    throughputRps: measured > 0 ? ((timed * measured) / cycleMs) * 1000 : Number.NaN,
  };
}

/** Defers a client's first connection by index·spacingMs (its later reconnections are at once). */
function openLater(client: unknown, index: number, spacingMs: number): void {
  const deferred = client as AutocannonClient & { destroyed: boolean };
  const connect = deferred._connect;
  // Until then a socket that was never opened stands in, so a stop in the meantime destroys it.
  deferred.conn = new Socket();
  deferred._connect = function (this: typeof deferred) {
    this._connect = connect;
    setTimeout(() => {
      if (!this.destroyed) connect.call(this);
    }, index * spacingMs);
  };
}

/**
 * A connection still waiting, on a request not measured, after this many times the longest answer
 * yet (twice the warm-up and window together while nothing has been answered) is left waiting.
 */
const STARVED_AFTER = 4;
/**
 * Answers each connection has before the warm-up ends: the first ends its wait to be taken into the
 * server's round. A round it misses after that is absorbed by the window's MIN_CYCLES measured
 * requests per connection (kinds/limits.ts), which a second warm-up answer only made longer.
 */
const WARMUP_ANSWERS = 1;
/** How often, from the warm-up's time to the window's close, it checks whether it may go on. */
const CHECK_MS = 10;

/** One autocannon client, as the run sees it. */
interface Connection {
  /** Its row in the timeline. */
  row: number;
  /** The request it waits on (pipelining 1): when it was sent, and whether it is measured. */
  inFlight?: { sentAt: number; measured: boolean };
  /** Answers that have come, of any status. */
  heard: number;
  /** A 2xx answer has come, warm-up included. */
  answered: boolean;
  /** Measured requests sent, and 2xx answers to them. */
  sent: number;
  cycles: number;
  firstSentAt: number;
  lastAnsweredAt: number;
  /** It has sent its one request after the window closed. */
  sentAfterClose: boolean;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** A timeline recorded from one origin, with its times from `byMs` later. */
function shiftTimeline(timeline: Timeline, byMs: number): Timeline {
  if (byMs === 0) return timeline;
  return {
    requests: timeline.requests.map(([row, planned, sent, answered, served]) => [
      row,
      round(planned - byMs),
      round(sent - byMs),
      round(answered - byMs),
      served,
    ]),
    samples: timeline.samples.map(([from, to, ...rest]) => [round(from - byMs), round(to - byMs), ...rest]),
  };
}

/**
 * Closed-loop load with autocannon used as its authors intend for throughput: each connection sends
 * its next request when the previous answer arrives (pipelining 1, no rate options). The warm-up is
 * load but not measurement, so the queue of a blocking server has filled and every figure is steady
 * state. It lasts `warmupS`, and when there is one, until every connection has had WARMUP_ANSWERS
 * answers: a blocking Node server takes one more connection off its listen backlog per request it
 * serves, so 10 connections on /sleep?ms=50 are all in its round only after about 2.5 s. Each
 * request's exact send and answer are recorded here, in microseconds.
 *
 * A request is measured when it was SENT in the window, from the end of the warm-up to its close:
 * `durationS` later, or once every connection has sent `minCycles` measured requests if that is
 * later. The load stays on after the close (each connection sends one more request, not measured,
 * which keeps its place in the server's queue) until every measured request is answered or failed.
 * Cycles picked by when they start are a fair sample of cycle lengths (Wald's identity), so the
 * latency mean agrees with Little's law at any window length; picked by when they end, as a cut at a
 * fixed instant does, the long ones still in flight are left out.
 *
 * Throughput is every measured 2xx answer over the connections' mean span (each from its first
 * measured send to its last measured answer), times the connections timed: a connection's measured
 * cycles run back to back, so its span is theirs alone, and connections run side by side. One window
 * cut for all at arbitrary instants would count partial cycles; each connection's own rate, summed,
 * reads high when a server serves its connections unevenly (a few cycles over their time
 * over-estimate a rate whose cycles vary).
 *
 * Neither the warm-up nor the window waits on a connection left waiting STARVED_AFTER times the
 * longest answer yet (a server that leaves it unanswered, or answers nothing), nor on anything
 * `timeoutS` past its own time: such connections show in `answeredConnections`.
 */
export function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const histogram = latencyHistogram();
  const minCycles = options.minCycles ?? 1;
  let responses = 0;
  let non2xx = 0;
  let unavailable = 0;
  const connections = new Map<unknown, Connection>();
  const stopWatching = watchGenerator();
  const started = performance.now();
  const warmupEnds = started + options.warmupS * 1000;
  /** Nothing answered yet: how long a connection may wait before it is left waiting. */
  const patienceMs = 2 * (options.warmupS + options.durationS) * 1000;
  const split = new QueueSplit();
  // Each connection's last Server-Timing, read from its headers just before autocannon reports the answer.
  const servedMs = new Map<unknown, number | undefined>();
  // Its origin is where the warm-up should end; the timeline is shifted to where it did.
  const recorder = options.timeline ? new TimelineRecorder(warmupEnds, options.timeline.statsUrl) : undefined;
  /** The warm-up has ended here, or has not (undefined): requests sent from then on are measured. */
  let steadyFrom: number | undefined = options.warmupS > 0 ? undefined : started;
  /** The window's time (`durationS`) is up: it closes once it waits on no connection. */
  let timeIsUp = false;
  /** The window has closed: requests sent from now on are not measured. */
  let closed = false;
  /** Measured requests neither answered nor failed. */
  let pending = 0;
  /** Aborted, or waited for too long: no request is sent any more. */
  let stopping = false;
  let longestMs = 0;
  let timer: NodeJS.Timeout | undefined;
  let check: NodeJS.Timeout | undefined;
  return new Promise((resolve, reject) => {
    const stop = () => {
      stopping = true;
      instance.stop();
    };
    // autocannon stops at its next sample; meanwhile no connection sends more than its one request after the close.
    const finishOnceAnswered = () => {
      if (closed && pending === 0) instance.stop();
    };
    const close = () => {
      closed = true;
      clearInterval(check);
      clearTimeout(timer);
      timer = setTimeout(stop, options.timeoutS * 1000);
      finishOnceAnswered();
    };
    const windowTimeUp = () => {
      timeIsUp = true;
      clearTimeout(timer);
      timer = setTimeout(close, options.timeoutS * 1000);
      goOn(performance.now());
    };
    const endWarmup = (now: number) => {
      steadyFrom = now;
      clearTimeout(timer);
      timer = setTimeout(windowTimeUp, options.durationS * 1000);
    };
    const leftWaiting = (connection: Connection, now: number) =>
      connection.inFlight?.measured !== true &&
      now - (connection.inFlight?.sentAt ?? started) > (longestMs > 0 ? STARVED_AFTER * longestMs : patienceMs);
    const { together } = options;
    let saidWarm = false;
    let saidClosable = false;
    together?.onSteady(() => {
      if (steadyFrom === undefined) endWarmup(performance.now());
    });
    together?.onClose(() => {
      if (!closed) close();
    });
    /** Ends the warm-up, or closes the window, when it waits on no connection any more (and, together, neither do the others). */
    const goOn = (now: number) => {
      if (steadyFrom === undefined) {
        if (now < warmupEnds) return;
        for (const connection of connections.values()) if (connection.heard < WARMUP_ANSWERS && !leftWaiting(connection, now)) return;
        if (!together) endWarmup(now);
        else if (!saidWarm) {
          saidWarm = true;
          together.warm();
        }
      } else if (timeIsUp && !closed) {
        for (const connection of connections.values()) if (connection.sent < minCycles && !leftWaiting(connection, now)) return;
        if (!together) close();
        else if (!saidClosable) {
          saidClosable = true;
          together.closable();
        }
      }
    };
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        setupClient: (client) => {
          const connection: Connection = {
            row: connections.size,
            heard: 0,
            answered: false,
            sent: 0,
            cycles: 0,
            firstSentAt: 0,
            lastAnsweredAt: 0,
            sentAfterClose: false,
          };
          connections.set(client, connection);
          watchClient(client, servedMs);
          if (options.connectSpacingMs) openLater(client, connection.row, options.connectSpacingMs);
          const watched = client as unknown as AutocannonClient;
          const doRequest = watched._doRequest;
          watched._doRequest = function (this: AutocannonClient, ...args: unknown[]) {
            if (stopping || (closed && connection.sentAfterClose)) return;
            return doRequest.apply(this, args);
          };
          watched.on('request', () => {
            const now = performance.now();
            // A request still in flight when its connection sends the next has failed (timed out, or its connection did).
            if (connection.inFlight?.measured) pending -= 1;
            const measured = steadyFrom !== undefined && !closed;
            connection.inFlight = { sentAt: now, measured };
            if (closed) connection.sentAfterClose = true;
            if (measured) {
              pending += 1;
              if (connection.sent === 0) connection.firstSentAt = now;
              connection.sent += 1;
              goOn(now);
            } else finishOnceAnswered();
          });
        },
        // Stopped by our own timers: autocannon's duration ticks in whole seconds.
        duration: options.warmupS + options.durationS + 3 * options.timeoutS + 60,
        pipelining: 1,
        timeout: options.timeoutS,
        // autocannon notices a stop only at its next sample; sample often so a run ends on time.
        sampleInt: 50,
      },
      async (error, result) => {
        clearTimeout(timer);
        clearInterval(check);
        options.signal?.removeEventListener('abort', stop);
        const generator = stopWatching();
        const shiftMs = (steadyFrom ?? warmupEnds) - warmupEnds;
        const timeline = recorder && shiftTimeline(await recorder.finish(shiftMs), shiftMs);
        if (error) return reject(error);
        resolve({
          responses,
          non2xx,
          unavailable,
          errors: result.errors - result.timeouts,
          timeouts: result.timeouts,
          resets: result.resets,
          ...windowFigures(connections.values()),
          ...latencyFields(histogram),
          ...split.fields(),
          ...(timeline ? { timeline } : {}),
          generator,
        });
      },
    );
    instance.on('response', (client: unknown, statusCode: number) => {
      const now = performance.now();
      responses += 1;
      const ok = statusCode >= 200 && statusCode <= 299;
      if (!ok) non2xx += 1;
      if (statusCode === 503) unavailable += 1;
      const connection = connections.get(client);
      const request = connection?.inFlight;
      if (!connection || !request) return;
      connection.inFlight = undefined;
      const latencyMs = now - request.sentAt;
      longestMs = Math.max(longestMs, latencyMs);
      connection.heard += 1;
      if (ok) connection.answered = true;
      if (!request.measured) {
        // Its next request, sent as this returns, is measured once the warm-up has ended.
        if (steadyFrom === undefined) goOn(now);
        return;
      }
      pending -= 1;
      if (ok) {
        connection.cycles += 1;
        connection.lastAnsweredAt = now;
        recordMs(histogram, latencyMs);
        const served = servedMs.get(client);
        split.add(latencyMs, served);
        if (recorder && steadyFrom !== undefined && request.sentAt < steadyFrom + TIMELINE_LIMITS.windowMs) {
          recorder.add(connection.row, request.sentAt, request.sentAt, now, served);
        }
      }
      finishOnceAnswered();
    });
    // From the warm-up's time, until the window closes: connections left waiting are noticed as time passes, not only at events.
    const startChecking = () => {
      check = setInterval(() => goOn(performance.now()), CHECK_MS);
      goOn(performance.now());
    };
    if (steadyFrom === undefined) {
      // The warm-up ends `timeoutS` past its time at the latest.
      timer = setTimeout(() => {
        timer = setTimeout(() => endWarmup(performance.now()), options.timeoutS * 1000);
        startChecking();
      }, options.warmupS * 1000);
    } else {
      endWarmup(steadyFrom);
      startChecking();
    }
    options.signal?.addEventListener('abort', stop, { once: true });
  });
}
