import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** One answer, timed from just before the request was written until its whole body arrived. */
export interface Answer {
  status: number;
  statusText: string;
  body: string;
  latencyMs: number;
  /** Sent on a connection an earlier answer came on (kept alive), not on a new one. */
  reused: boolean;
}

/**
 * Why a request got no answer: `unreachable` (no connection, or it was dropped before an answer),
 * `not-http` (bytes that are not an HTTP answer), `silent` (no answer within the timeout), `unfinished`
 * (an answer began but did not end in time).
 */
export class NoAnswer extends Error {
  override name = 'NoAnswer';
  constructor(
    readonly kind: 'unreachable' | 'not-http' | 'silent' | 'unfinished',
    /** The error code, or for `not-http` the first bytes received. */
    readonly detail: string,
    readonly reused: boolean,
  ) {
    super(`${kind}: ${detail}`);
  }
}

/** The first line of what a server sent, printable and short. */
function firstLine(raw: unknown): string {
  const text = Buffer.isBuffer(raw) ? raw.toString('latin1') : String(raw ?? '');
  const line = (text.split(/\r?\n/)[0] ?? '').replace(/[^\x20-\x7e]/g, '?');
  return line.length > 60 ? `${line.slice(0, 60)}…` : line;
}

/**
 * GET `url`: on a new connection of its own when `agent` is false (whatever wait it sees is the
 * server's), or through a keep-alive agent of one socket, as a load generator sends. `signal`
 * abandons it, wherever it is (even queued for the agent's socket): it rejects as unreachable.
 */
export function get(url: string, agent: http.Agent | false, timeoutMs: number, signal?: AbortSignal): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let answered = false;
    const req = http.get(url, { agent, ...(signal ? { signal } : {}) }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) =>
        reject(
          error instanceof NoAnswer
            ? error
            : new NoAnswer('unreachable', (error as NodeJS.ErrnoException).code ?? error.message, req.reusedSocket),
        ),
      );
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
          latencyMs: performance.now() - started,
          reused: req.reusedSocket,
        }),
      );
    });
    req.setTimeout(timeoutMs, () => req.destroy(new NoAnswer(answered ? 'unfinished' : 'silent', `${timeoutMs} ms`, req.reusedSocket)));
    req.on('error', (error: NodeJS.ErrnoException & { rawPacket?: unknown }) => {
      if (error instanceof NoAnswer) return reject(error);
      if (error.code?.startsWith('HPE_')) return reject(new NoAnswer('not-http', firstLine(error.rawPacket), req.reusedSocket));
      reject(new NoAnswer('unreachable', error.code ?? error.message, req.reusedSocket));
    });
  });
}

/** A body as a few words: tags and runs of white space dropped, cut at a word when long, with an ellipsis. */
export function excerpt(body: string, max = 80): string {
  const words = body
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (words.length <= max) return words;
  const cut = words.slice(0, max + 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : words.slice(0, max)).replace(/[\s,;:]+$/, '')}…`;
}
