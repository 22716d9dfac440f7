import { findings, headlinePair } from '../analysis/findings.js';
import { formatNumber, formatRatio } from '../analysis/format.js';
import { medianOf } from '../analysis/stats.js';
import { QUERY, QUERY_TARGET } from '../catalogue/database.js';
import { IO_BOUND_TARGET } from '../catalogue/scenarios.js';
import { scenarioById } from '../catalogue/suites.js';
import type { Results, ScenarioResult, TheoryCheck } from '../results/results.js';

/** The bare node:http server, the ceiling frameworks are measured against, when it ran. */
export const CEILING_SERVER = 'node-http';

/** Title and claim of a scenario, from this loopbench's own definition; results files keep only its id. */
export function scenarioText(scenario: Pick<ScenarioResult, 'id'> & Partial<Pick<ScenarioResult, 'parameters'>>): {
  title: string;
  claim: string;
} {
  const known = scenarioById(scenario.id);
  if (!known) return { title: scenario.id, claim: 'unknown to this loopbench, so shown without its claim' };
  // --quick waits less than the catalogue's title says: name the target the run sent.
  const target = scenario.parameters?.target;
  const catalogued = typeof target === 'string' && target.startsWith('/query') ? QUERY_TARGET : IO_BOUND_TARGET;
  const title = typeof target === 'string' && /^\/(sleep|query)\?/.test(target) ? known.title.replace(catalogued, target) : known.title;
  return { title, claim: known.claim };
}

/** Every other server's throughput as a share of bare node:http's, when both ran. */
function ceilingNote(scenario: ScenarioResult): string {
  const ceiling = medianOf(
    scenario.results.find((r) => r.server === CEILING_SERVER),
    'throughputRps',
  );
  if (ceiling === undefined) return '';
  const shares = scenario.results
    .filter((r) => r.server !== CEILING_SERVER && medianOf(r, 'throughputRps') !== undefined)
    .map((r) => `${r.server} ${formatRatio((medianOf(r, 'throughputRps') as number) / ceiling)}`);
  return shares.length > 0 ? ` Throughput as a share of bare ${CEILING_SERVER}'s: ${shares.join(', ')}.` : '';
}

/** A check theory lost: "koa throughputRps 160 (theory 200, 188–204)"; without the interval where none was recorded. */
function missed(server: string, t: TheoryCheck): string {
  const against = t.basis === 'realised' ? "this run's arrivals" : 'theory';
  const interval = Number.isFinite(t.low) && Number.isFinite(t.high) ? `, ${formatNumber(t.low)}–${formatNumber(t.high)}` : '';
  return `${server} ${t.metric} ${formatNumber(t.measured)} (${against} ${formatNumber(t.expected)}${interval})`;
}

/** Theory's misses; that every number agrees only where numbers were checked and the scenario ran to its end. */
function theoryNote(scenario: ScenarioResult): string {
  const misses = scenario.results.flatMap((r) => r.theory.filter((t) => !t.agrees).map((t) => missed(r.server, t)));
  if (misses.length > 0) return ` Theory disagrees on: ${misses.join('; ')}.`;
  const checked = scenario.results.some((r) => r.theory.length > 0);
  return checked && !scenario.interrupted ? ' Every number agrees with theory.' : '';
}

function interruptedNote(scenario: ScenarioResult): string {
  return scenario.interrupted ? ' Interrupted: these figures are of the runs done before it stopped.' : '';
}

/** Servers with problems to see (a server interrupted before it ran has none, and is not blamed). */
function invalidNote(scenario: ScenarioResult): string {
  const invalid = scenario.results.filter((r) => !r.valid && r.problems.length > 0).map((r) => r.server);
  return invalid.length > 0 ? ` Invalid runs for ${invalid.join(', ')}: see problems.` : '';
}

function leftOutNote(scenario: ScenarioResult): string {
  const left = Object.entries(scenario.leftOut ?? {}).map(([server, reason]) => `${server} (${reason})`);
  return left.length > 0 ? ` Not run: ${left.join('; ')}.` : '';
}

/** One plain-words sentence (or two) saying what the scenario showed, made from its numbers: what users see as its verdict. */
export function findingFor(scenario: ScenarioResult): string {
  // Stopped before any server measured a thing: nothing to say of it, theory included.
  if (scenario.interrupted && scenario.results.every((r) => Object.keys(r.metrics).length === 0))
    return `Interrupted before anything was measured.${invalidNote(scenario)}${leftOutNote(scenario)}`;
  const { blocking, nonBlocking } = headlinePair(scenario);
  const tail = ceilingNote(scenario) + theoryNote(scenario) + interruptedNote(scenario) + invalidNote(scenario) + leftOutNote(scenario);
  const name = scenarioById(scenario.id)?.finding;
  const finding = name ? findings[name] : undefined;
  if (blocking && nonBlocking && finding) return `${finding({ blocking, nonBlocking }, scenario)}${tail}`;
  const served = scenario.results
    .filter((r) => medianOf(r, 'throughputRps') !== undefined)
    .map((r) => `${r.server} ${formatNumber(medianOf(r, 'throughputRps'))} req/s`);
  const lead =
    served.length > 0
      ? `Served: ${served.join(', ')}.`
      : finding
        ? 'No blocking and non-blocking pair to compare.'
        : `No verdict: this loopbench has no scenario "${scenario.id}".`;
  return `${lead}${tail}`;
}

/** What is wrong with a scenario as a whole, for a badge: '' when nothing is. */
export function statusOf(scenario: Pick<ScenarioResult, 'valid' | 'interrupted'>): '' | 'INVALID' | 'INTERRUPTED' {
  if (scenario.interrupted) return 'INTERRUPTED';
  return scenario.valid ? '' : 'INVALID';
}

/** The scenario's parameters and each server's warm-up values, as one `key=value` line. */
export function parametersLine(scenario: ScenarioResult): string {
  const warmups = scenario.results.flatMap((r) => Object.entries(r.warmup ?? {}).map(([k, v]) => [`${k}.${r.server}`, v] as const));
  return [...Object.entries(scenario.parameters), ...warmups]
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toFixed(3)) : v}`)
    .join(' ');
}

/**
 * "10 connections" as a run's headers say it: the scenarios on /query keep their own 20 whatever
 * --connections says, and a header that said 10 over their tables misled.
 */
/** The load's source, said wherever figures are shown when it is not the built-in generator. */
export function loadWords(
  options: Pick<Results['options'], 'generator'>,
  environment: Pick<Results['environment'], 'loadGenerator'>,
): string {
  return options.generator === 'locust' ? `; load from ${environment.loadGenerator}` : '';
}

export function connectionsWords(connections: number, scenarioIds: readonly string[]): string {
  const own = scenarioIds.filter((id) => scenarioById(id)?.database !== undefined);
  if (own.length === 0) return `${connections} connections`;
  return `${connections} connections (${QUERY.connections} in ${own.join(', ')})`;
}
