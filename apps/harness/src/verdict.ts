import { formatNumber, formatPercent, formatRatio } from './format.js';
import type { ScenarioResult, ServerResult } from './results.js';
import type { MetricName } from './theory.js';

type Partial = Omit<ScenarioResult, 'verdict'>;

const m = (result: ServerResult | undefined, name: MetricName) => result?.metrics[name]?.median;
const e = (result: ServerResult | undefined, name: MetricName) => result?.expected[name];

/** The articles' pair within a scenario: the first blocking and the first non-blocking server. */
export function headlinePair(scenario: Pick<Partial, 'results'>): { blocking?: ServerResult; nonBlocking?: ServerResult } {
  const usable = scenario.results.filter((r) => Object.keys(r.metrics).length > 0);
  return { blocking: usable.find((r) => r.model === 'blocking'), nonBlocking: usable.find((r) => r.model === 'non-blocking') };
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

/** One plain-words sentence (or two) saying what the scenario showed. */
export function verdictFor(scenario: Partial): string {
  const { blocking: b, nonBlocking: nb } = headlinePair(scenario);
  const tail = theoryNote(scenario) + invalidNote(scenario);
  if (!b || !nb) return `Not enough valid runs of a blocking and a non-blocking server to compare.${invalidNote(scenario)}`;
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
      const help =
        ratio < 1.1 ? 'non-blocking did not help CPU work' : 'non-blocking served more, which theory does not expect for CPU work';
      return `${throughputSentence(b, nb)}: ${help}; both event loops were ${formatPercent(m(nb, 'eventLoopUtilization'))}/${formatPercent(m(b, 'eventLoopUtilization'))} busy computing.${tail}`;
    }
    default:
      return `${throughputSentence(b, nb)}: with no waiting and no work this is per-request framework overhead only, not the I/O model.${tail}`;
  }
}
