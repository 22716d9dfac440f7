import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { SHARED } from './shared.js';

/** The Server-Timing metric every server reports: how long its handler had the request. */
export const SERVER_TIMING_METRIC = SHARED.serverTimingMetric;

const PREFIX = `${SERVER_TIMING_METRIC};dur=`;

const DURATION = new RegExp(`(?:^|,)\\s*${SERVER_TIMING_METRIC}\\s*;(?:[^,]*;)?\\s*dur=([0-9]+(?:\\.[0-9]+)?)`);

/** The handler time in ms from a Server-Timing header value, or undefined when it has none. */
export function parseServerTiming(value: string | readonly string[] | undefined): number | undefined {
  // What serve() writes, read without a regular expression: the generator reads one per answer.
  if (typeof value === 'string' && value.startsWith(PREFIX) && value.indexOf(',') === -1) {
    const ms = Number(value.slice(PREFIX.length));
    if (Number.isFinite(ms)) return ms;
  }
  const text = Array.isArray(value) ? value.join(',') : (value as string | undefined);
  const match = text === undefined ? null : DURATION.exec(text);
  return match ? Number(match[1]) : undefined;
}

const STARTED = Symbol('loopbench.startedAt');

/** `_header`: the head Node has put together in writeHead, sent with the first write of the body. */
type Timed = http.ServerResponse & { [STARTED]?: number; _header?: string | null };

const LINE = `server-timing: ${SERVER_TIMING_METRIC};dur=`;

let installed = false;

/**
 * Once per process: every response whose clock was started (timeResponse) writes Server-Timing with
 * its head. On the prototype, not per response: a method set on each response cost a fast server
 * about twice as much (a closure and a new shape per request). Every framework writes its head
 * through writeHead (Node's implicit header calls it too), and Express's responses inherit it.
 *
 * The line goes into the head Node has just assembled, before anything is sent: given to Node as a
 * header (setHeader, or one more entry in writeHead's list), our own value went through Node's
 * per-header path, validation included, and that cost node:http 7–15% of its /hello throughput.
 */
function install(): void {
  if (installed) return;
  installed = true;
  const writeHead = http.ServerResponse.prototype.writeHead as (this: http.ServerResponse, ...args: unknown[]) => http.ServerResponse;
  http.ServerResponse.prototype.writeHead = function timedWriteHead(
    this: Timed,
    statusCode: number,
    reason?: string | http.OutgoingHttpHeaders | http.OutgoingHttpHeader[],
    headers?: http.OutgoingHttpHeaders | http.OutgoingHttpHeader[],
  ) {
    const started = this[STARTED];
    const result = writeHead.call(this, statusCode, reason, headers);
    const head = this._header;
    // Ends with the blank line; nothing of it has left yet (writeHead throws once headers are sent).
    if (started !== undefined && typeof head === 'string' && head.endsWith('\r\n\r\n')) {
      this._header = `${head.slice(0, -2)}${LINE}${(performance.now() - started).toFixed(3)}\r\n\r\n`;
    }
    return result;
  } as typeof http.ServerResponse.prototype.writeHead;
}

/** Starts the clock on a response now: its head will carry `Server-Timing: app;dur=<ms>` (to the µs) with the time since. */
export function timeResponse(res: http.ServerResponse): void {
  install();
  (res as Timed)[STARTED] = performance.now();
}
