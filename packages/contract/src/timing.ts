import type http from 'node:http';
import { performance } from 'node:perf_hooks';

/** The Server-Timing metric every server reports: how long its handler had the request. */
export const SERVER_TIMING_METRIC = 'app';

const DURATION = new RegExp(`(?:^|,)\\s*${SERVER_TIMING_METRIC}\\s*;(?:[^,]*;)?\\s*dur=([0-9]+(?:\\.[0-9]+)?)`);

/** The handler time in ms from a Server-Timing header value, or undefined when it has none. */
export function parseServerTiming(value: string | readonly string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value.join(',') : (value as string | undefined);
  const match = text === undefined ? null : DURATION.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * Starts the clock on a response now: when its head is written, it carries `Server-Timing:
 * app;dur=<ms>` (microsecond precision) with the time since. Every framework writes its head through
 * writeHead (Node's implicit header calls it too), so wrapping it times them all alike.
 */
export function timeResponse(res: http.ServerResponse): void {
  const started = performance.now();
  const writeHead = res.writeHead;
  res.writeHead = function timedWriteHead(this: http.ServerResponse, ...args: Parameters<typeof writeHead>) {
    if (!this.headersSent) this.setHeader('server-timing', `${SERVER_TIMING_METRIC};dur=${(performance.now() - started).toFixed(3)}`);
    return writeHead.apply(this, args);
  } as typeof writeHead;
}
