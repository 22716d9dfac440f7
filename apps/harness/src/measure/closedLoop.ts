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
  /** Load is sent from the start, but nothing before this many seconds is measured. */
  warmupS: number;
  durationS: number;
  /** Per request; longer than the slowest request the scenario expects. */
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
}

export interface ClosedLoopResult {
  responses: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  resets: number;
  /** The measured window: from the first 2xx answer after the warm-up to the last one. */
  windowMs: number;
  /** 2xx answers per second in steady state, summed over connections. */
  throughputRps: number;
  /** 2xx answers counted after the warm-up. */
  measured: number;
  /** Connections that got at least one 2xx answer, warm-up included: fewer than asked for when a server leaves some waiting. */
  answeredConnections: number;
  latencyMs: LatencySummaryMs;
  /** Every 2xx latency in microseconds, as a compressed HDR histogram. */
  latencyHistogram: string;
  /** Latency split by the server's Server-Timing, over the measured 2xx answers; absent when none carried it. */
  split?: QueueSplitResult;
  /** The sums behind `split`, so several generators' splits add. */
  splitSums: SplitSums;
  /** When asked for: requests sent in the first TIMELINE_LIMITS.windowMs after the warm-up, ms from its end. */
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
 * Closed-loop load with autocannon used as its authors intend for throughput: each connection sends
 * its next request when the previous answer arrives (pipelining 1, no rate options). The first
 * `warmupS` seconds are load but not measurement, so the queue of a blocking server has filled and
 * every figure is steady state. autocannon keeps whole milliseconds, so every answer's exact time
 * is recorded here, in microseconds.
 *
 * Throughput is summed over connections, each one's answers after its first post-warm-up answer
 * divided by the time to its last: closed-loop answers arrive in waves, and cutting one window for
 * all connections at arbitrary instants would count a partial wave.
 */
export function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const histogram = latencyHistogram();
  let responses = 0;
  let non2xx = 0;
  const perConnection = new Map<unknown, { first: number; last: number; answers: number }>();
  const answered = new Set<unknown>();
  const stopWatching = watchGenerator();
  const started = performance.now();
  const steadyFrom = started + options.warmupS * 1000;
  const split = new QueueSplit();
  // Each connection's last Server-Timing, read from its headers just before autocannon reports the answer.
  const servedMs = new Map<unknown, number | undefined>();
  const rows = new Map<unknown, number>();
  const recorder = options.timeline ? new TimelineRecorder(steadyFrom, options.timeline.statsUrl) : undefined;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        setupClient: (client) => {
          rows.set(client, rows.size);
          watchClient(client, servedMs);
          if (options.connectSpacingMs) openLater(client, rows.size - 1, options.connectSpacingMs);
        },
        // Stopped by our own timer: autocannon's duration ticks in whole seconds.
        duration: options.warmupS + options.durationS + 60,
        pipelining: 1,
        timeout: options.timeoutS,
        // autocannon notices a stop only at its next sample; sample often so a run ends on time.
        sampleInt: 50,
      },
      async (error, result) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', stop);
        const generator = stopWatching();
        const timeline = await recorder?.finish(0);
        if (error) return reject(error);
        let perConnectionRps = 0;
        let measured = 0;
        let windowStart = Number.POSITIVE_INFINITY;
        let windowEnd = Number.NEGATIVE_INFINITY;
        let everyConnectionTimed = true;
        for (const { first, last, answers } of perConnection.values()) {
          if (answers > 0) perConnectionRps += (answers / (last - first)) * 1000;
          else everyConnectionTimed = false;
          measured += answers;
          windowStart = Math.min(windowStart, first);
          windowEnd = Math.max(windowEnd, last);
        }
        // A window shorter than a connection's cycle leaves it untimed: count all answers instead.
        const windowMs = windowEnd - steadyFrom;
        const throughputRps = everyConnectionTimed ? perConnectionRps : ((measured + perConnection.size) / windowMs) * 1000;
        resolve({
          responses,
          non2xx,
          errors: result.errors - result.timeouts,
          timeouts: result.timeouts,
          resets: result.resets,
          windowMs: measured > 0 ? windowEnd - windowStart : Number.NaN,
          measured,
          answeredConnections: answered.size,
          throughputRps: perConnection.size > 0 ? throughputRps : Number.NaN,
          ...latencyFields(histogram),
          ...split.fields(),
          ...(timeline ? { timeline } : {}),
          generator,
        });
      },
    );
    instance.on('response', (client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      const now = performance.now();
      responses += 1;
      if (statusCode < 200 || statusCode > 299) {
        non2xx += 1;
        return;
      }
      // Once a connection is in perConnection it has been counted: the Set is touched once per connection, not per answer.
      if (now < steadyFrom) {
        answered.add(client);
        return;
      }
      const connection = perConnection.get(client);
      if (!connection) {
        answered.add(client);
        perConnection.set(client, { first: now, last: now, answers: 0 });
        return;
      }
      connection.answers += 1;
      connection.last = now;
      const sent = now - responseTimeMs;
      if (sent < steadyFrom) return;
      recordMs(histogram, responseTimeMs);
      const served = servedMs.get(client);
      split.add(responseTimeMs, served);
      if (recorder && sent < steadyFrom + TIMELINE_LIMITS.windowMs) recorder.add(rows.get(client) ?? 0, sent, sent, now, served);
    });
    const stop = () => instance.stop();
    const timer = setTimeout(stop, (options.warmupS + options.durationS) * 1000);
    options.signal?.addEventListener('abort', stop, { once: true });
  });
}
