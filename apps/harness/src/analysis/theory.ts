import type { Model } from '@loopbench/contract';
import { INSTRUMENT, METRICS, type MetricName, type MetricValues } from '../catalogue/metrics.js';
import type { Basis, Prediction, Summary, TheoryCheck } from '../results/results.js';
import { seededRandom } from './random.js';
import { median, relativeDifference } from './stats.js';

export type { Prediction };

/** What theory predicts of one server in one scenario, metric by metric, each with its interval. */
export type Predictions = Partial<Record<MetricName, Prediction>>;

/** What theory gets to know of one server after its runs. */
export interface Evidence {
  model: Model;
  /** The server hands CPU work to a thread pool (its package declares cpuOffload). */
  cpuOffload: boolean;
  /** Threads of a thread-pool server's pool (its package declares poolSize). */
  poolSize?: number;
  /** Connections its database driver pools (its package declares database.pool); absent, one per process. */
  databasePool?: number;
  /** Cores the servers may use (one fewer with --pin). */
  cores: number;
  /** Of the one run being predicted: each run is judged by its own inputs. */
  metrics: Partial<Record<MetricName, Summary>>;
  /** What its warm-up measured for theory, e.g. an open-loop baseline. */
  warmup: MetricValues;
  /**
   * Cores everything but the server used meanwhile (the load generators, the harness, other
   * processes; median over the runs): the server cannot have them.
   */
  otherCores: number;
}

/** A figure the model gives exactly, its inputs measured. */
export const exactly = (value: number): Prediction => ({ expected: value, low: value, high: value });

/** A figure and the other ends it reaches over its inputs' ranges (the models are monotone in each). */
export const spanning = (expected: number, ...ends: number[]): Prediction => ({
  expected,
  low: Math.min(expected, ...ends),
  high: Math.max(expected, ...ends),
});

/** A prediction through a monotone function. */
export const through = (p: Prediction, f: (value: number) => number): Prediction => spanning(f(p.expected), f(p.low), f(p.high));

/** Every figure of an exact expectation as a prediction without spread. */
export function exactAll(values: MetricValues): Predictions {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, exactly(value as number)])) as Predictions;
}

export interface HeadOfLineInput {
  sleepMs: number;
  /** When the fast request was sent, after the slow one. */
  offsetMs: number;
  baselineLatencyMs: number;
}

/** Whether a model makes other requests wait while one waits: only the blocking one (a pool has threads to spare). */
export const waitsInLine = (model: Model) => model === 'blocking';

/**
 * Head-of-line: a blocking server answers /fast only after the slow request, so it waits the
 * rest of the sleep (β = 1); a non-blocking server answers at once (β = 0). One request each: no
 * sampling to speak of, only the instrument's timers (the metrics' resolution).
 */
export function expectHeadOfLine(model: Model, input: HeadOfLineInput): Predictions {
  const waitMs = waitsInLine(model) ? input.sleepMs - input.offsetMs : 0;
  return exactAll({
    blockingIndex: waitsInLine(model) ? 1 : 0,
    holDelayMs: waitMs,
    fastLatencyMs: input.baselineLatencyMs + waitMs,
    slowLatencyMs: input.sleepMs,
  });
}

export interface LoadInput {
  connections: number;
  workers: number;
  /** Cores the servers may use. */
  cores: number;
  /** Mean time a request is served, by the server's own Server-Timing (NaN when not measured). */
  servedMs: number;
  /** CPU time per request the server reported over the same runs (NaN when not measured). */
  cpuMs: number;
}

/** A wait that is nothing but floating-point residue (C/(C/S) − S) is none. */
const waitOf = (ms: number) => (ms < 1e-9 ? 0 : ms);

/** NaN and missing count as nothing. */
const orZero = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value : 0);

/**
 * I/O-bound closed loop (Little's law, L = X·W). A process serves k requests at once: a blocking
 * one 1, a thread pool min(P, its connections), a non-blocking one all its connections; N processes
 * give X = N·k/S. S is the wait as the server timed it; the cycle can be longer by the CPU of the k
 * requests on the process's one thread (its parse and write, outside its own timing) and, when the
 * server keeps up with every connection, by the instrument's round trip. W = C/X, and a request waits
 * W − S of it in line.
 */
export function expectIoBound(model: Model, input: Omit<LoadInput, 'cores'> & { sleepMs: number; poolSize?: number }): Predictions {
  const { connections, workers, sleepMs } = input;
  const servedMs = Number.isFinite(input.servedMs) ? input.servedMs : sleepMs;
  const cpuMs = orZero(input.cpuMs);
  const perProcess = Math.ceil(connections / workers);
  const k = model === 'blocking' ? 1 : model === 'thread-pool' ? Math.min(input.poolSize ?? Number.NaN, perProcess) : perProcess;
  const concurrent = Math.min(connections, workers * k);
  const keepsUp = concurrent >= connections;
  const slowestCycleMs = servedMs + k * cpuMs + (keepsUp ? INSTRUMENT.roundTripMs : 0);
  const throughputRps = spanning((concurrent / servedMs) * 1000, (concurrent / slowestCycleMs) * 1000);
  const latencyMeanMs = through(throughputRps, (x) => (connections / x) * 1000);
  const predictions: Predictions = {
    throughputRps,
    latencyMeanMs,
    queueMsMean: through(latencyMeanMs, (w) => waitOf(w - servedMs)),
    queueShare: through(latencyMeanMs, (w) => waitOf(1 - servedMs / w)),
    // Timers fire late, never early; a handler's own CPU adds to its wait.
    serviceMsMean: spanning(sleepMs, sleepMs + cpuMs),
    // A blocked thread is occupied all the time; an awaiting loop is busy only with each request's CPU.
    eventLoopUtilization: model === 'blocking' ? exactly(1) : spanning(0, Math.min(1, (k * cpuMs) / servedMs)),
  };
  // A pool counts its requests where it takes them (on its threads, or before handing them over): in flight is not fixed by the model.
  if (model === 'thread-pool') return predictions;
  // The kernel deals connections to processes: at least an even share each, at most all of them.
  return {
    ...predictions,
    maxInFlight: model === 'blocking' ? exactly(1) : spanning(perProcess, Math.min(connections, perProcess * workers)),
  };
}

export interface DatabaseInput {
  connections: number;
  workers: number;
  /** How long the database sleeps per query (/query?ms=S). */
  queryMs: number;
  /** Mean time a request is served, by the server's own Server-Timing (NaN when not measured). */
  servedMs: number;
  /** CPU time per request the server reported (NaN when not measured). */
  cpuMs: number;
  /** Threads of a thread-pool server's pool. */
  poolSize?: number;
  /** Connections a pooled driver holds per process (DB_POOL, else the declared pool); absent, one. */
  databasePool?: number;
}

/** Queries one process has in the database at once: its model's limit, its threads' and its pool's, whichever is least. */
export function queriesPerProcess(
  model: Model,
  input: Pick<DatabaseInput, 'connections' | 'workers' | 'poolSize' | 'databasePool'>,
): number {
  if (model === 'blocking') return 1;
  const perProcess = Math.ceil(input.connections / input.workers);
  const threads = model === 'thread-pool' ? (input.poolSize ?? Number.NaN) : Number.POSITIVE_INFINITY;
  return Math.min(perProcess, threads, input.databasePool ?? 1);
}

/**
 * A closed loop on /query (Little's law with the pool as a limit): a request holds one of its
 * process's database connections while PostgreSQL sleeps S, and a process has k of them at work: a
 * blocking one 1 (its one thread waits on its one connection), a pooled one min(P, its connections),
 * a thread pool min(threads, P, its connections); N processes give X = min(C, N·k)/S.
 *
 * S is the query's own time. Where the limit is a thread, the rest wait in line outside the handler,
 * and Server-Timing times the query alone: the measured served time is S. Where it is a pool, the rest
 * wait for a connection inside the handler, so Server-Timing times that wait too, and only the
 * query's length bounds the cycle: from S up to S plus a query's trip to PostgreSQL and back
 * (INSTRUMENT.queryRoundTripMs), the CPU of the k requests on the process's one thread, and the
 * instrument's round trip when every connection is served at once.
 */
export function expectDatabaseBound(model: Model, input: DatabaseInput): Predictions {
  const { connections, workers, queryMs } = input;
  const cpuMs = orZero(input.cpuMs);
  const k = queriesPerProcess(model, input);
  const concurrent = Math.min(connections, workers * k);
  const keepsUp = concurrent >= connections;
  const inLine = waitsInLine(model);
  const servedMs = inLine && Number.isFinite(input.servedMs) ? input.servedMs : queryMs;
  const slowestCycleMs = Math.max(servedMs, queryMs + INSTRUMENT.queryRoundTripMs) + k * cpuMs + (keepsUp ? INSTRUMENT.roundTripMs : 0);
  const throughputRps = spanning((concurrent / servedMs) * 1000, (concurrent / slowestCycleMs) * 1000);
  const latencyMeanMs = through(throughputRps, (x) => (connections / x) * 1000);
  const perProcess = Math.ceil(connections / workers);
  const predictions: Predictions = {
    throughputRps,
    latencyMeanMs,
    // pg_stat_activity, read every few ms, may catch the pool between two queries: one fewer.
    databaseQueriesMax: spanning(concurrent, Math.max(1, concurrent - 1)),
    eventLoopUtilization: model === 'blocking' ? exactly(1) : spanning(0, Math.min(1, (k * cpuMs) / queryMs)),
  };
  if (inLine) {
    return {
      ...predictions,
      serviceMsMean: spanning(queryMs, queryMs + INSTRUMENT.queryRoundTripMs + cpuMs),
      queueMsMean: through(latencyMeanMs, (w) => waitOf(w - servedMs)),
      queueShare: through(latencyMeanMs, (w) => waitOf(1 - servedMs / w)),
      maxInFlight: exactly(1),
    };
  }
  // Waiting for a connection is inside the handler: by Server-Timing a request is served nearly all of
  // its latency, short of the trip to the server and back and its parse and write.
  const outsideMs = INSTRUMENT.roundTripMs + cpuMs;
  const served: Predictions = {
    serviceMsMean: spanning(latencyMeanMs.expected, latencyMeanMs.low - outsideMs, latencyMeanMs.high),
    queueShare: spanning(0, 0, Math.min(1, outsideMs / latencyMeanMs.low)),
  };
  // A pool counts its requests where it takes them: in flight is not fixed by the model (as in io-bound).
  if (model === 'thread-pool') return { ...predictions, ...served };
  return {
    ...predictions,
    ...served,
    maxInFlight: spanning(perProcess, Math.min(connections, perProcess * workers)),
  };
}

/**
 * CPU-bound closed loop (utilisation law, X = U / S): the loop runs on the thread in both models, so
 * each process completes one request per CPU time S and only more processes, up to the cores, add
 * throughput; a server that hands CPU work to a thread pool (cpuOffload) uses every core. S is
 * measured in the same runs: between the time a request is served (Server-Timing) and its CPU time,
 * whichever the other overhead makes longer. A machine also running the load generators, the harness
 * and whatever else leaves the server fewer cores than the model's: the interval reaches down to
 * those left, measured over the same runs.
 */
export function expectCpuBound(model: Model, input: LoadInput & { cpuOffload?: boolean; otherCores?: number }): Predictions {
  const { connections, workers, cores } = input;
  const cpuMs = input.cpuMs;
  const servedMs = Number.isFinite(input.servedMs) ? input.servedMs : cpuMs;
  // Python's pool threads take turns under the GIL: only a pool that declares cpuOffload computes in parallel.
  const parallel = Math.min(input.cpuOffload ? cores : workers, cores, connections);
  const available = Math.max(0, Math.min(parallel, cores - orZero(input.otherCores)));
  // Off the loop, the served time includes the wait for a thread or the GIL: only the CPU time is a request's service.
  const offloaded = input.cpuOffload === true || model === 'thread-pool';
  // Two instruments time the same service, Server-Timing over the measured requests and /stats over the
  // whole run: where a VM's speed moved during the run they disagree, and the truth may be as far again.
  const apart = offloaded ? 0 : Math.abs(servedMs - cpuMs);
  const shortest = (offloaded ? cpuMs : Math.min(servedMs, cpuMs)) - apart;
  const longest = (offloaded ? cpuMs : Math.max(servedMs, cpuMs)) + apart;
  const throughputRps = spanning((parallel / cpuMs) * 1000, (parallel / shortest) * 1000, (available / longest) * 1000);
  const latencyMeanMs = through(throughputRps, (x) => (connections / x) * 1000);
  const predictions: Predictions = { throughputRps, latencyMeanMs, cpuUtilization: spanning(parallel, available) };
  // Off the loop the loop that parses requests takes its turns with the pool's threads: the model does not say where the wait falls.
  if (offloaded) return predictions;
  // On the loop the thread computes, one request at a time, in both models: the others wait in line.
  return {
    ...predictions,
    maxInFlight: exactly(1),
    eventLoopUtilization: exactly(1),
    queueShare: through(latencyMeanMs, (w) => Math.max(0, 1 - servedMs / w)),
  };
}

export interface StallInput {
  stallMs: number;
  /** How long fast requests keep arriving. */
  durationMs: number;
  /** λ × service time of a fast request: the share of time the server needs for them. */
  utilization: number;
  /** A fast request's latency when nothing is in the way. */
  baselineMs: number;
}

/** The share of fast requests a stall delays: those arriving during it and while its queue is worked off. */
const stallShare = (input: StallInput) => input.stallMs / ((1 - input.utilization) * input.durationMs);

/**
 * One stall of S ms in a blocking server, with fast requests arriving evenly over T: those arriving
 * while it stalls (and while it then works off their queue) wait the rest of it, so a share
 * f = S / ((1 − ρ)·T) of them wait uniformly between 0 and S. P(wait > x) = f·(1 − x/S), and the
 * q-quantile is S·(1 − (1 − q)/f) above the baseline, or the baseline when 1 − q ≥ f.
 */
export function stallQuantileMs(q: number, input: StallInput): number {
  const share = stallShare(input);
  const tail = 1 - Math.min(1, Math.max(0, q));
  return input.baselineMs + (tail >= share ? 0 : input.stallMs * (1 - tail / share));
}

/** The mean of the stall model: E[wait] = ∫ min(1, f·(1 − x/S)) dx over 0..S. */
export function stallMeanMs(input: StallInput): number {
  const share = stallShare(input);
  const wait = share <= 1 ? (share * input.stallMs) / 2 : input.stallMs * (1 - 1 / (2 * share));
  return input.baselineMs + wait;
}

const STALL_QUANTILES = [
  ['fastLatencyP50Ms', 0.5],
  ['fastLatencyP90Ms', 0.9],
  ['fastLatencyP99Ms', 0.99],
  ['fastLatencyP999Ms', 0.999],
] as const;

/**
 * The stall model for a blocking server, over the ranges of what was measured: ρ between the fast
 * requests' served time and their CPU time per request, the stall between its nominal length and
 * that plus the generator's send lag. Evenly spaced arrivals leave no sampling to speak of, only
 * where the stall falls among them: a quantile of N requests is known to a request or two (±2/N).
 * A non-blocking server (or a pool with threads to spare) keeps its baseline, give or take the
 * instrument's round trip and the generator's send lag.
 */
export function expectStall(
  model: Model,
  input: Omit<StallInput, 'utilization'> & { ratePerS: number; servedMs: number; cpuMs: number; sendLagMs: number },
): Predictions {
  const b = input.baselineMs;
  const lag = orZero(input.sendLagMs);
  if (!waitsInLine(model)) {
    const keeps = spanning(b, 0, b + INSTRUMENT.roundTripMs + lag);
    return {
      fastLatencyMeanMs: keeps,
      fastLatencyP50Ms: keeps,
      fastLatencyP90Ms: keeps,
      fastLatencyP99Ms: keeps,
      fastLatencyP999Ms: keeps,
    };
  }
  const rho = (ms: number) => (input.ratePerS * orZero(ms)) / 1000;
  const nominal: StallInput = { ...input, utilization: rho(input.servedMs) };
  const least: StallInput = { ...nominal, utilization: Math.min(rho(input.servedMs), rho(input.cpuMs)) };
  const most: StallInput = { ...input, stallMs: input.stallMs + lag, utilization: Math.max(rho(input.servedMs), rho(input.cpuMs)) };
  const requests = (input.ratePerS * input.durationMs) / 1000;
  const ranks = 2 / Math.max(1, requests);
  const predictions: Predictions = {
    fastLatencyMeanMs: spanning(stallMeanMs(nominal), stallMeanMs(least), stallMeanMs(most) + lag),
    // The longest wait is the first arrival's into the stall, up to one gap between arrivals after it began.
    fastLatencyMaxMs: spanning(
      b + input.stallMs,
      b + input.stallMs - 1000 / input.ratePerS,
      b + input.stallMs + lag + INSTRUMENT.roundTripMs,
    ),
  };
  for (const [name, q] of STALL_QUANTILES) {
    predictions[name] = spanning(stallQuantileMs(q, nominal), stallQuantileMs(q - ranks, least), stallQuantileMs(q + ranks, most) + lag);
  }
  return predictions;
}

export interface ShareInput {
  ratePerS: number;
  slowShare: number;
  slowMs: number;
  /** Service time of a fast request on the server. */
  fastServiceMs: number;
  baselineMs: number;
}

/** Pollaczek–Khinchine: the long-run mean wait of an M/G/1 queue, λ·E[S²] / (2(1 − ρ)), for every arrival. */
export function pollaczekKhinchineWaitMs(input: ShareInput): number {
  const lambda = input.ratePerS / 1000;
  const slow = input.slowMs + input.fastServiceMs;
  const fast = input.fastServiceMs;
  const mean = input.slowShare * slow + (1 - input.slowShare) * fast;
  const secondMoment = input.slowShare * slow ** 2 + (1 - input.slowShare) * fast ** 2;
  const rho = lambda * mean;
  return rho >= 1 ? Number.POSITIVE_INFINITY : (lambda * secondMoment) / (2 * (1 - rho));
}

/** Simulated windows per interval: enough for its 0.1% ends to settle, few enough to take milliseconds. */
const MONTE_CARLO_TRIALS = 2000;

/**
 * The sampling distribution of the measured figure: the median over `repeats` windows of `durationMs`
 * of the mean wait of fast requests, each window an M/G/1 queue that starts empty, as each run does.
 * Seeded, so the same inputs give the same interval. Returns its 0.1% and 99.9% points.
 */
export function shareWaitRangeMs(input: ShareInput & { durationMs: number; repeats: number; seed?: number }): [number, number] {
  const random = seededRandom(input.seed ?? 1);
  const lambda = input.ratePerS / 1000;
  const slow = input.slowMs + input.fastServiceMs;
  const medians: number[] = [];
  for (let trial = 0; trial < MONTE_CARLO_TRIALS; trial++) {
    const means: number[] = [];
    for (let r = 0; r < Math.max(1, input.repeats); r++) {
      let t = 0;
      let free = 0;
      let sum = 0;
      let count = 0;
      for (;;) {
        t += -Math.log(1 - random()) / lambda;
        if (t >= input.durationMs) break;
        const isSlow = random() < input.slowShare;
        const start = Math.max(t, free);
        free = start + (isSlow ? slow : input.fastServiceMs);
        if (!isSlow) {
          sum += start - t;
          count += 1;
        }
      }
      means.push(count > 0 ? sum / count : 0);
    }
    medians.push(median(means));
  }
  medians.sort((a, b) => a - b);
  const at = (q: number) => medians[Math.min(medians.length - 1, Math.floor(q * medians.length))] as number;
  return [at(0.001), at(0.999)];
}

/**
 * Poisson arrivals with a share p of slow requests at a blocking server: an M/G/1 queue, whose mean
 * wait is Pollaczek–Khinchine's for every arrival, fast ones included; over a window of a few seconds
 * a handful of slow requests decide it, so its interval is the simulated spread of such windows. A
 * non-blocking server waits only on the slow requests themselves, so fast ones keep the baseline.
 */
export function expectShare(model: Model, input: ShareInput & { durationMs: number; repeats: number; seed?: number }): Predictions {
  const b = input.baselineMs;
  if (!waitsInLine(model)) return { fastLatencyMeanMs: spanning(b, 0, b + INSTRUMENT.roundTripMs) };
  const wait = pollaczekKhinchineWaitMs(input);
  if (!Number.isFinite(wait)) return { fastLatencyMeanMs: exactly(Number.POSITIVE_INFINITY) };
  const [low, high] = shareWaitRangeMs(input);
  return { fastLatencyMeanMs: spanning(b + wait, b + low, b + high + INSTRUMENT.roundTripMs) };
}

/**
 * The split of a predicted mean latency: a request is served for its measured Server-Timing time and
 * waits the rest (in line, on the network, in the client).
 */
export function expectSplit(latencyMeanMs: Prediction | undefined, serviceMsMean: number | undefined): Predictions {
  if (latencyMeanMs === undefined || serviceMsMean === undefined || !Number.isFinite(serviceMsMean)) return {};
  if (!Number.isFinite(latencyMeanMs.expected) || latencyMeanMs.expected <= 0) return {};
  return {
    queueMsMean: through(latencyMeanMs, (l) => Math.max(0, l - serviceMsMean)),
    queueShare: through(latencyMeanMs, (l) => (l > 0 ? Math.max(0, 1 - serviceMsMean / l) : 0)),
  };
}

/** The interval a check judges by: the prediction's, widened by the instrument's resolution for the metric. */
export function judgedInterval(metric: MetricName, prediction: Prediction): { low: number; high: number } {
  const { relative, absolute } = METRICS[metric].resolution;
  const widen = (value: number) => Math.max(relative * Math.abs(value), absolute);
  return { low: prediction.low - widen(prediction.low), high: prediction.high + widen(prediction.high) };
}

/** One measurement beside its theory (results.json holds them, so the shape is there). */
export type { TheoryCheck };

export function checkTheory(metric: MetricName, measured: number, prediction: Prediction, basis?: Basis): TheoryCheck {
  const { low, high } = judgedInterval(metric, prediction);
  return {
    metric,
    ...(basis && basis !== 'model' ? { basis } : {}),
    measured,
    expected: prediction.expected,
    low,
    high,
    difference: relativeDifference(measured, prediction.expected),
    agrees: Number.isFinite(measured) && measured >= low && measured <= high,
  };
}
