import { setTimeout as delay } from 'node:timers/promises';
import { request } from '@loopbench/contract';
import { predictFastLatency } from '../analysis/lindley.js';
import { expectSplit } from '../analysis/theory.js';
import { INSTRUMENT, type MetricValues } from '../catalogue/metrics.js';
import { type PlannedRequest, stallPlan } from '../measure/arrivals.js';
import { generateClosedLoop, generateOpenLoop } from '../measure/generators.js';
import { readListenOverflows } from '../measure/listenOverflows.js';
import type { Evidence, Predictions, ScenarioKind, ServerUnderTest } from './kind.js';
import { REQUEST_TIMEOUT_S, SEND_LAG_LIMIT_MS } from './limits.js';
import { answerProblems, loadProblems, runProblem } from './problems.js';
import { signalValues, withServerSignals } from './serverSide.js';

export interface OpenLoopSettings {
  ratePerS: number;
  /** The requests of one run; `repeat` seeds anything random, the same for every server. */
  plan(repeat: number): PlannedRequest[];
  /** What the plan's shape was, for the results. */
  shape: Record<string, number>;
  /** How long the warm-up sends fast requests at the rate; its p50 is the baseline theory starts from. */
  warmupMs: number;
  /** When set, each run is followed by the same stall under closed-loop load, for comparison. */
  closedLoopView?: { stallAtMs: number; stallMs: number; durationMs: number; connections: number };
  /** When set, the first run records the requests planned in this window, and /stats readings, for the report. */
  timeline?: { fromMs: number; toMs: number };
  theory(evidence: OpenLoopEvidence): Predictions;
}

export interface OpenLoopEvidence extends Evidence {
  /** Fast-request latency p50 of the warm-up, with nothing in the way. */
  baselineMs: number;
  /** CPU time per request the server reported over the runs. */
  fastServiceMs: number;
  /** Mean time a fast request was served, by the server's Server-Timing (NaN when not measured). */
  servedMs: number;
  /** The generator's send lag p99 over the runs: requests that left late were timed from their planned time. */
  sendLagMs: number;
}

/** The same stall under closed-loop load: what ab, wrk or autocannon would have reported. */
async function closedLoopView(server: ServerUnderTest, view: NonNullable<OpenLoopSettings['closedLoopView']>, signal?: AbortSignal) {
  const { url } = server;
  let stall: Promise<{ status: number }> = Promise.resolve({ status: 0 });
  const closed = await generateClosedLoop(
    {
      url: `${url}/fast`,
      connections: view.connections,
      warmupS: 0,
      durationS: view.durationMs / 1000,
      timeoutS: REQUEST_TIMEOUT_S,
      ...(signal ? { signal } : {}),
    },
    server.generators,
    // Timed from when the generators start, not from when their processes were asked for.
    () => {
      // The abort cancels the stall's timer and its request alike: nothing is sent after it.
      const sent = signal ? { signal } : {};
      stall = delay(view.stallAtMs, undefined, sent).then(() =>
        request(`${url}/sleep?ms=${view.stallMs}`, { timeoutMs: REQUEST_TIMEOUT_S * 1000, ...sent }),
      );
      stall.catch(() => undefined);
    },
  );
  const stallReply = await stall;
  const problems = [
    ...(stallReply.status === 200 ? [] : [runProblem.wrongStatus('/sleep', stallReply.status)]),
    ...answerProblems(closed),
  ].map((problem) => runProblem.during('the closed-loop view', problem));
  const values: MetricValues = {
    closedLoopP50Ms: closed.latencyMs.p50,
    closedLoopP99Ms: closed.latencyMs.p99,
    closedLoopMaxMs: closed.latencyMs.max,
  };
  return { values, problems };
}

/**
 * Requests at planned times whatever the server does, latency measured from the planned time (no
 * coordinated omission). A warm-up of fast requests at the same rate gives each server's baseline.
 */
export const openLoop: ScenarioKind<OpenLoopSettings> = {
  name: 'open-loop',
  parameters: ({ ratePerS, shape, closedLoopView }) => ({
    ratePerS,
    ...shape,
    ...(closedLoopView ? { closedLoopConnections: closedLoopView.connections } : {}),
  }),
  async warmup(settings, server, signal) {
    const plan = stallPlan({ ratePerS: settings.ratePerS, durationMs: settings.warmupMs, stallAtMs: 0, stallMs: 0 }).filter(
      (r) => r.route === 'fast',
    );
    const load = await generateOpenLoop(
      { url: server.url, plan, timeoutMs: REQUEST_TIMEOUT_S * 1000, ...(signal ? { signal } : {}) },
      server.generators,
    );
    return {
      values: { baselineLatencyMs: load.fast.latencyMs.p50 },
      problems: loadProblems(load).map((problem) => runProblem.during('warm-up', problem)),
    };
  },
  async run(settings, server, repeat, signal) {
    const overflowsBefore = readListenOverflows();
    const { load, signals, problems } = await withServerSignals(server, () =>
      generateOpenLoop(
        {
          url: server.url,
          plan: settings.plan(repeat),
          timeoutMs: REQUEST_TIMEOUT_S * 1000,
          ...(signal ? { signal } : {}),
          ...(settings.timeline && repeat === 1 ? { timeline: { statsUrl: server.url, ...settings.timeline } } : {}),
        },
        server.generators,
      ),
    );
    const overflowsAfter = readListenOverflows();

    const found: string[] = [];
    if (load.sent < load.planned) found.push(runProblem.neverSent(load.planned - load.sent, load.planned));
    found.push(...loadProblems(load));
    if (load.sendLagMs.p99 > SEND_LAG_LIMIT_MS) found.push(runProblem.sendLag(load.sendLagMs.p99));
    if (overflowsBefore !== undefined && overflowsAfter !== undefined && overflowsAfter > overflowsBefore) {
      found.push(runProblem.listenOverflows(overflowsAfter - overflowsBefore));
    }
    const fast = load.fast.latencyMs;
    // This very run's arrivals and service times, through a FIFO line for a blocking server (Lindley).
    const cpuPerRequestMs = signals?.cpuPerRequestMs;
    const predicted = predictFastLatency(load.requests, {
      model: server.model,
      workers: server.workers,
      overheadMs: cpuPerRequestMs !== undefined && Number.isFinite(cpuPerRequestMs) ? cpuPerRequestMs : 0,
      roundTripMs: INSTRUMENT.roundTripMs,
    });
    const values: MetricValues = {
      fastLatencyMeanMs: fast.mean,
      fastLatencyP50Ms: fast.p50,
      fastLatencyP90Ms: fast.p90,
      fastLatencyP99Ms: fast.p99,
      fastLatencyP999Ms: fast.p999,
      fastLatencyMaxMs: fast.max,
      sendLagP99Ms: load.sendLagMs.p99,
      ...load.fast.split,
      ...signalValues(signals, false),
    };
    if (settings.closedLoopView && !server.exited && !signal?.aborted) {
      const view = await closedLoopView(server, settings.closedLoopView, signal);
      Object.assign(values, view.values);
      found.push(...view.problems);
    }
    return {
      values,
      problems: [...found, ...problems],
      latencyHistogram: load.fast.latencyHistogram,
      ...(Object.keys(predicted).length > 0 ? { predicted } : {}),
      generators: load.generators,
      ...(load.timeline ? { timeline: load.timeline } : {}),
    };
  },
  expect(settings, evidence) {
    const predicted = settings.theory({
      ...evidence,
      baselineMs: evidence.warmup.baselineLatencyMs ?? Number.NaN,
      fastServiceMs: evidence.metrics.cpuPerRequestMs?.median ?? 0,
      servedMs: evidence.metrics.serviceMsMean?.median ?? Number.NaN,
      sendLagMs: evidence.metrics.sendLagP99Ms?.median ?? 0,
    });
    return { ...predicted, ...expectSplit(predicted.fastLatencyMeanMs, evidence.metrics.serviceMsMean?.median) };
  },
};
