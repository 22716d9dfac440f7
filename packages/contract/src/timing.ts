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

/** `_storeHeader`: where writeHead has Node put the head together, from the status line on. */
type StoreHeader = (this: Timed, firstLine: string, headers: unknown) => unknown;
type Timed = http.ServerResponse & { [STARTED]?: number; _storeHeader: StoreHeader };

const LINE = `server-timing: ${SERVER_TIMING_METRIC};dur=`;

let installed = false;

/** A duration in ms to the µs, as toFixed(3) writes it, from integers: toFixed cost ~670 instructions per answer. */
export function milliseconds(elapsed: number): string {
  const us = Math.round(elapsed * 1000);
  const fraction = us % 1000;
  return `${(us - fraction) / 1000}.${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}`;
}

/**
 * Once per process: every response whose clock was started (timeResponse) writes Server-Timing with
 * its head. On the prototype, not per response: a method set on each response cost a fast server
 * about twice as much (a closure and a new shape per request). Every framework's head goes through
 * writeHead (Node's implicit header calls it too) and so through _storeHeader, on ServerResponse's
 * prototype alone, so client requests are left as they are.
 *
 * The line follows the status line, where Node starts the head: given to Node as a header
 * (setHeader, or one more entry in writeHead's list), it went through Node's per-header path,
 * validation included, which cost node:http 7–15% of its /hello throughput; spliced into the
 * finished head, the copies cost ~1,000 instructions per answer.
 */
function install(): void {
  if (installed) return;
  installed = true;
  const prototype = http.ServerResponse.prototype as Timed;
  const storeHeader = prototype._storeHeader;
  prototype._storeHeader = function timedStoreHeader(firstLine, headers) {
    const started = this[STARTED];
    const line = started === undefined ? firstLine : `${firstLine}${LINE}${milliseconds(performance.now() - started)}\r\n`;
    return storeHeader.call(this, line, headers);
  };
}

/**
 * The responses serve() has Node make: born with the clock's field. Added to a plain response, the
 * field cost Express 6% of its instructions per answer (it sets each response's prototype anew).
 */
export class TimedResponse<Request extends http.IncomingMessage = http.IncomingMessage> extends http.ServerResponse<Request> {
  [STARTED]: number | undefined = undefined;
}

/** Starts the clock on a response now: its head will carry `Server-Timing: app;dur=<ms>` (to the µs) with the time since. */
export function timeResponse(res: http.ServerResponse): void {
  install();
  (res as Timed)[STARTED] = performance.now();
}
