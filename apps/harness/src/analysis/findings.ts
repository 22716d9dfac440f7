import type { MetricName } from '../catalogue/metrics.js';
import { type FindingName, HEADLINE_SERVERS } from '../catalogue/scenarios.js';
import type { ScenarioResult, ServerResult } from '../results/results.js';
import { formatNumber, formatPercent, formatRatio } from './format.js';
import { medianOf } from './stats.js';

/** The articles' pair within a scenario's results. */
export interface Pair {
  blocking: ServerResult;
  nonBlocking: ServerResult;
}

/**
 * A scenario's finding: what the pair showed, in plain words, from the numbers alone. It leads the
 * sentence users see as the scenario's verdict (render/describe.ts adds the notes).
 */
export type Finding = (pair: Pair, scenario: ScenarioResult) => string;

/** The articles' pair: express-blocking and koa when they ran, else the first blocking and non-blocking. */
export function headlinePair(scenario: Pick<ScenarioResult, 'results'>): Partial<Pair> {
  const usable = scenario.results.filter((r) => Object.keys(r.metrics).length > 0);
  const first = (model: ServerResult['model']) =>
    usable.find((r) => r.model === model && (HEADLINE_SERVERS as readonly string[]).includes(r.server)) ??
    usable.find((r) => r.model === model);
  return { blocking: first('blocking'), nonBlocking: first('non-blocking') };
}

/** Short for medianOf: the findings quote many medians. */
const m = medianOf;
const e = (result: ServerResult | undefined, name: MetricName) => result?.expected[name];
const n = (metric: ServerResult, name: MetricName) => formatNumber(m(metric, name));
const parameter = (scenario: ScenarioResult, name: string) => formatNumber(Number(scenario.parameters[name]));

function throughputSentence({ blocking: b, nonBlocking: nb }: Pair): string {
  const ratio = (m(nb, 'throughputRps') ?? Number.NaN) / (m(b, 'throughputRps') ?? Number.NaN);
  return `${nb.server} served ${n(nb, 'throughputRps')} req/s, ${formatRatio(ratio)} ${b.server}'s ${n(b, 'throughputRps')} req/s`;
}

function expectedRatio({ blocking: b, nonBlocking: nb }: Pair): string {
  const ratio = (e(nb, 'throughputRps') ?? Number.NaN) / (e(b, 'throughputRps') ?? Number.NaN);
  return Number.isFinite(ratio) ? ` (theory: ${formatRatio(ratio)})` : '';
}

/** Where the latency went, by the servers' Server-Timing; empty when it was not measured. */
function waitingSentence({ blocking: b, nonBlocking: nb }: Pair): string {
  if (m(b, 'queueShare') === undefined || m(nb, 'queueShare') === undefined) return '';
  return ` ${b.server}: ${formatPercent(m(b, 'queueShare'))} of the latency was waiting in line; ${nb.server}: ${formatPercent(m(nb, 'queueShare'))}.`;
}

/** The query's length S in a scenario on /query?ms=S, from the target it sent. */
export function queryMsOf(scenario: Pick<ScenarioResult, 'parameters'>): number | undefined {
  const target = scenario.parameters.target;
  const ms = typeof target === 'string' ? /^\/query\?ms=(\d+)$/.exec(target)?.[1] : undefined;
  return ms === undefined ? undefined : Number(ms);
}

/** Requests served at once by Little's law, N = X·S, with S the query's length. */
export const atOnce = (result: ServerResult | undefined, queryMs: number | undefined) => {
  const x = m(result, 'throughputRps');
  return x === undefined || queryMs === undefined ? undefined : (x * queryMs) / 1000;
};

/** Each server on /query: its throughput, its queries at once by Little's law and, where read, in the database. */
function queriesSentence(scenario: ScenarioResult): string {
  const queryMs = queryMsOf(scenario);
  const each = scenario.results
    .filter((r) => m(r, 'throughputRps') !== undefined)
    .map((r) => {
      const seen = m(r, 'databaseQueriesMax');
      return `${r.server} ${n(r, 'throughputRps')} req/s, ${formatNumber(atOnce(r, queryMs))} at a time${seen === undefined ? '' : ` (${formatNumber(seen)} at most in pg_stat_activity)`}`;
    });
  return each.length > 0 ? ` Queries at once, X·S with S = ${formatNumber(queryMs)} ms: ${each.join('; ')}.` : '';
}

/** Each scenario's finding, by what the scenario shows. */
export const findings = {
  headOfLine: ({ blocking: b, nonBlocking: nb }, scenario) =>
    `${nb.server} answered /fast in ${n(nb, 'fastLatencyMs')} ms while a ${parameter(scenario, 'sleepMs')} ms request was in flight; ` +
    `${b.server} made it wait ${n(b, 'fastLatencyMs')} ms (blocking index ${n(b, 'blockingIndex')} against ${n(nb, 'blockingIndex')}).`,
  ioBound: (pair) =>
    `${throughputSentence(pair)}${expectedRatio(pair)}. ` +
    (m(pair.blocking, 'eventLoopUtilization') === undefined && m(pair.blocking, 'cpuUtilization') !== undefined
      ? `${pair.blocking.server} used ${formatPercent(m(pair.blocking, 'cpuUtilization'))} of a core (its thread's occupation is not measured): waiting, not working.`
      : `${pair.blocking.server}'s event loop was ${formatPercent(m(pair.blocking, 'eventLoopUtilization'))} occupied while using ${formatPercent(m(pair.blocking, 'cpuUtilization'))} of a core: waiting, not working.`) +
    waitingSentence(pair),
  hello: (pair) =>
    `${throughputSentence(pair)}: with no waiting and no work this is per-request framework overhead only, not the I/O model.`,
  cpuBound: (pair) => {
    const { blocking: b, nonBlocking: nb } = pair;
    const ratio = (m(nb, 'throughputRps') ?? Number.NaN) / (m(b, 'throughputRps') ?? Number.NaN);
    const cpuRatio = (m(b, 'cpuPerRequestMs') ?? Number.NaN) / (m(nb, 'cpuPerRequestMs') ?? Number.NaN);
    const why =
      Math.abs(ratio - 1) < 0.1
        ? 'non-blocking did not help CPU work'
        : `the gap is their CPU per request (${formatRatio(cpuRatio)} the other way), not the I/O model: non-blocking does not help CPU work`;
    return `${throughputSentence(pair)}: ${why}; both event loops were ${formatPercent(m(nb, 'eventLoopUtilization'))}/${formatPercent(m(b, 'eventLoopUtilization'))} busy computing.${waitingSentence(pair)}`;
  },
  mixed: ({ blocking: b, nonBlocking: nb }, scenario) =>
    `While one ${parameter(scenario, 'stallMs')} ms request stalled the server, ${b.server} made the /fast users who arrived meanwhile wait: ` +
    `p50 ${n(b, 'fastLatencyP50Ms')} ms, p99 ${n(b, 'fastLatencyP99Ms')} ms; ${nb.server} kept p99 at ${n(nb, 'fastLatencyP99Ms')} ms. ` +
    `A closed-loop tool saw a p99 of ${n(b, 'closedLoopP99Ms')} ms for ${b.server} under the same stall.` +
    (m(b, 'queueMsMean') === undefined || m(nb, 'queueMsMean') === undefined
      ? ''
      : ` By Server-Timing, a /fast request spent on average ${n(b, 'queueMsMean')} ms waiting and ${n(b, 'serviceMsMean')} ms being served on ${b.server}, ` +
        `${n(nb, 'queueMsMean')} ms and ${n(nb, 'serviceMsMean')} ms on ${nb.server} (waiting includes the network and the client).`),
  mixedShare: ({ blocking: b, nonBlocking: nb }, scenario) =>
    `With ${formatPercent(Number(scenario.parameters.slowShare))} of requests waiting ${parameter(scenario, 'slowMs')} ms, ` +
    `${b.server}'s /fast users waited ${n(b, 'fastLatencyMeanMs')} ms on average (p99 ${n(b, 'fastLatencyP99Ms')} ms), ` +
    `${nb.server}'s ${n(nb, 'fastLatencyMeanMs')} ms (p99 ${n(nb, 'fastLatencyP99Ms')} ms).`,
  database: (pair, scenario) => {
    const { blocking: b, nonBlocking: nb } = pair;
    const pool = scenario.parameters.databasePool;
    return (
      `${throughputSentence(pair)}${expectedRatio(pair)}.${queriesSentence(scenario)} ` +
      `A server with one connection per thread queries one at a time whatever its framework; a pool${pool === undefined ? '' : ` of ${pool}`} lets as many queries wait at once, and no more: ` +
      `the requests beyond it wait for a connection inside the handler, which Server-Timing counts as served (${nb.server}: ${formatPercent(m(nb, 'queueShare'))} of the latency waiting in line, ${b.server}: ${formatPercent(m(b, 'queueShare'))}).`
    );
  },
} satisfies Record<FindingName, Finding>;
