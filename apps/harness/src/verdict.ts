import { formatNumber, formatPercent, formatRatio } from './format.js';
import type { ScenarioResult, ServerResult } from './results.js';
import type { MetricName } from './theory.js';

type Partial = Omit<ScenarioResult, 'verdict'>;

const m = (result: ServerResult | undefined, name: MetricName) => result?.metrics[name]?.median;
const e = (result: ServerResult | undefined, name: MetricName) => result?.expected[name];

/** The servers the default bench compares: the articles' pair. */
export const HEADLINE_SERVERS = ['express-blocking', 'koa'] as const;

/** The articles' pair within a scenario: express-blocking and koa when they ran, else the first blocking and non-blocking. */
export function headlinePair(scenario: Pick<Partial, 'results'>): { blocking?: ServerResult; nonBlocking?: ServerResult } {
  const usable = scenario.results.filter((r) => Object.keys(r.metrics).length > 0);
  const first = (model: ServerResult['model']) =>
    usable.find((r) => r.model === model && (HEADLINE_SERVERS as readonly string[]).includes(r.server)) ??
    usable.find((r) => r.model === model);
  return { blocking: first('blocking'), nonBlocking: first('non-blocking') };
}

function theoryNote(scenario: Partial): string {
  const misses = scenario.results.flatMap((r) =>
    r.theory
      .filter((t) => !t.agrees)
      .map((t) => `${r.server} ${t.metric} ${formatNumber(t.measured)} (theory ${formatNumber(t.expected)})`),
  );
  return misses.length > 0 ? ` Theory disagrees on: ${misses.join('; ')}.` : ' Every number agrees with theory.';
}

function invalidNote(scenario: Partial): string {
  const invalid = scenario.results.filter((r) => !r.valid).map((r) => r.server);
  return invalid.length > 0 ? ` Invalid runs for ${invalid.join(', ')}: see problems.` : '';
}

function throughputSentence(b: ServerResult, nb: ServerResult): string {
  const ratio = (m(nb, 'throughputRps') ?? Number.NaN) / (m(b, 'throughputRps') ?? Number.NaN);
  return `${nb.server} served ${formatNumber(m(nb, 'throughputRps'))} req/s, ${formatRatio(ratio)} ${b.server}'s ${formatNumber(m(b, 'throughputRps'))} req/s`;
}

function expectedRatio(b: ServerResult, nb: ServerResult): string {
  const ratio = (e(nb, 'throughputRps') ?? Number.NaN) / (e(b, 'throughputRps') ?? Number.NaN);
  return Number.isFinite(ratio) ? ` (theory: ${formatRatio(ratio)})` : '';
}

/** The bare node:http server, the ceiling frameworks are measured against, when it ran. */
export const CEILING_SERVER = 'node-http';

/** Every other server's throughput as a share of bare node:http's, when both ran. */
function ceilingNote(scenario: Partial): string {
  const ceiling = m(
    scenario.results.find((r) => r.server === CEILING_SERVER),
    'throughputRps',
  );
  if (ceiling === undefined) return '';
  const shares = scenario.results
    .filter((r) => r.server !== CEILING_SERVER && m(r, 'throughputRps') !== undefined)
    .map((r) => `${r.server} ${formatRatio((m(r, 'throughputRps') as number) / ceiling)}`);
  return shares.length > 0 ? ` Throughput as a share of bare ${CEILING_SERVER}'s: ${shares.join(', ')}.` : '';
}

/** One plain-words sentence (or two) saying what the scenario showed. */
export function verdictFor(scenario: Partial): string {
  const { blocking: b, nonBlocking: nb } = headlinePair(scenario);
  const tail = ceilingNote(scenario) + theoryNote(scenario) + invalidNote(scenario);
  if (!b || !nb) {
    const served = scenario.results
      .filter((r) => m(r, 'throughputRps') !== undefined)
      .map((r) => `${r.server} ${formatNumber(m(r, 'throughputRps'))} req/s`);
    const lead = served.length > 0 ? `Served: ${served.join(', ')}.` : 'No blocking and non-blocking pair to compare.';
    return `${lead}${tail}`;
  }
  switch (scenario.id) {
    case 'head-of-line':
      return (
        `${nb.server} answered /fast in ${formatNumber(m(nb, 'fastLatencyMs'))} ms while a ${formatNumber(Number(scenario.parameters.sleepMs))} ms request was in flight; ` +
        `${b.server} made it wait ${formatNumber(m(b, 'fastLatencyMs'))} ms (blocking index ${formatNumber(m(b, 'blockingIndex'))} against ${formatNumber(m(nb, 'blockingIndex'))}).${tail}`
      );
    case 'io-bound':
    case 'workers-io-bound':
      return (
        `${throughputSentence(b, nb)}${expectedRatio(b, nb)}. ` +
        `${b.server}'s event loop was ${formatPercent(m(b, 'eventLoopUtilization'))} occupied while using ${formatPercent(m(b, 'cpuUtilization'))} of a core: waiting, not working.${tail}`
      );
    case 'cpu-bound':
    case 'workers-cpu-bound': {
      const ratio = (m(nb, 'throughputRps') ?? Number.NaN) / (m(b, 'throughputRps') ?? Number.NaN);
      const cpuRatio = (m(b, 'cpuPerRequestMs') ?? Number.NaN) / (m(nb, 'cpuPerRequestMs') ?? Number.NaN);
      const why =
        Math.abs(ratio - 1) < 0.1
          ? 'non-blocking did not help CPU work'
          : `the gap is their CPU per request (${formatRatio(cpuRatio)} the other way), not the I/O model: non-blocking does not help CPU work`;
      return `${throughputSentence(b, nb)}: ${why}; both event loops were ${formatPercent(m(nb, 'eventLoopUtilization'))}/${formatPercent(m(b, 'eventLoopUtilization'))} busy computing.${tail}`;
    }
    case 'mixed':
      return (
        `While one ${formatNumber(Number(scenario.parameters.stallMs))} ms request stalled the server, ${b.server} made the /fast users who arrived meanwhile wait: ` +
        `p50 ${formatNumber(m(b, 'fastLatencyP50Ms'))} ms, p99 ${formatNumber(m(b, 'fastLatencyP99Ms'))} ms; ${nb.server} kept p99 at ${formatNumber(m(nb, 'fastLatencyP99Ms'))} ms. ` +
        `A closed-loop tool saw a p99 of ${formatNumber(m(b, 'closedLoopP99Ms'))} ms for ${b.server} under the same stall.${tail}`
      );
    case 'mixed-share':
      return (
        `With ${formatPercent(Number(scenario.parameters.slowShare))} of requests waiting ${formatNumber(Number(scenario.parameters.slowMs))} ms, ` +
        `${b.server}'s /fast users waited ${formatNumber(m(b, 'fastLatencyMeanMs'))} ms on average (p99 ${formatNumber(m(b, 'fastLatencyP99Ms'))} ms), ` +
        `${nb.server}'s ${formatNumber(m(nb, 'fastLatencyMeanMs'))} ms (p99 ${formatNumber(m(nb, 'fastLatencyP99Ms'))} ms).${tail}`
      );
    default:
      return `${throughputSentence(b, nb)}: with no waiting and no work this is per-request framework overhead only, not the I/O model.${tail}`;
  }
}
