import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { type LatencySummaryMs, latencyFields, recordMs } from '../analysis/histogram.js';
import { latencyHistogram } from '../results/histogram.js';
import { watchClient } from './closedLoop.js';
import { type GeneratorHealth, watchGenerator } from './generator.js';
import { QueueSplit, type QueueSplitResult, type SplitSums } from './queueSplit.js';

export interface FixedCountOptions {
  url: string;
  /** Requests in all, as ab's -n. */
  requests: number;
  /** Connections sending at once, as ab's -c. */
  connections: number;
  timeoutS: number;
  signal?: AbortSignal;
}

export interface FixedCountResult {
  responses: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** From the start to the last answer, as ab's "Time taken for tests". */
  wallMs: number;
  /** 2xx answers over the wall time, as ab's "Requests per second". */
  throughputRps: number;
  latencyMs: LatencySummaryMs;
  latencyHistogram: string;
  split?: QueueSplitResult;
  splitSums: SplitSums;
  /** performance.timeOrigin-based ms of the start and of the last answer, so several generators' walls join. */
  startedAt: number;
  lastAnswerAt: number;
  generator: GeneratorHealth;
}

/**
 * What `ab -n N -c C` measures, as the articles ran it: N requests over C connections, each sending
 * its next when the last answer arrives, and N over the time from the start to the last answer.
 * Latencies are kept in microseconds (autocannon's own are whole milliseconds).
 */
export function runFixedCount(options: FixedCountOptions): Promise<FixedCountResult> {
  const histogram = latencyHistogram();
  const split = new QueueSplit();
  const servedMs = new Map<unknown, number | undefined>();
  let responses = 0;
  let non2xx = 0;
  let lastAnswer = Number.NaN;
  const stopWatching = watchGenerator();
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: Math.min(options.connections, options.requests),
        amount: options.requests,
        pipelining: 1,
        timeout: options.timeoutS,
        // autocannon notices the last answer only at its next sample: sample often, so /stats is read soon after.
        sampleInt: 50,
        setupClient: (client) => watchClient(client, servedMs),
      },
      (error, result) => {
        options.signal?.removeEventListener('abort', stop);
        const generator = stopWatching();
        if (error) return reject(error);
        const wallMs = lastAnswer - started;
        resolve({
          responses,
          non2xx,
          errors: result.errors - result.timeouts,
          timeouts: result.timeouts,
          wallMs,
          throughputRps: ((responses - non2xx) / wallMs) * 1000,
          ...latencyFields(histogram),
          ...split.fields(),
          startedAt: performance.timeOrigin + started,
          lastAnswerAt: performance.timeOrigin + lastAnswer,
          generator,
        });
      },
    );
    instance.on('response', (client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      responses += 1;
      lastAnswer = performance.now();
      if (statusCode < 200 || statusCode > 299) {
        non2xx += 1;
        return;
      }
      recordMs(histogram, responseTimeMs);
      split.add(responseTimeMs, servedMs.get(client));
    });
    const stop = () => instance.stop();
    options.signal?.addEventListener('abort', stop, { once: true });
  });
}
