import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** From just before the request was written until the whole body arrived. */
  latencyMs: number;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/**
 * One request on a fresh connection (no agent, no keep-alive), so it never queues behind another
 * request of ours: whatever wait it sees is the server's.
 */
export function request(
  url: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<HttpReply> {
  const { method = 'GET', headers = {}, body, timeoutMs = 30_000, signal } = options;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const sized = body === undefined ? headers : { 'content-length': Buffer.byteLength(body), ...headers };
    // An abort destroys the socket: a stopped run sends nothing more and holds no connection.
    const req = http.request(url, { method, headers: sized, agent: false, ...(signal ? { signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, latencyMs: performance.now() - started, json });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
